//! Where credentials live and what makes an account usable.
//!
//! - super admin: `superAdminPasswordHash` in the admin credentials secret
//!   (`ADMIN_SECRET_ID`);
//! - organization admin: the organization document in
//!   `avaone_main.organizations` (`accountId`, `adminEmail`, `adminPassword`);
//! - workspace user: `org_<accountId>.users` (`email`, `password`, `role`,
//!   `isActive`);
//! - transit passenger: `transit.passengers` (`passwordHash`); they log in
//!   through the passenger routes, but refresh here like every account.
//!
//! `organizationId` in tokens and in the workspace login body is the
//! organization's `accountId`, the key of its database.

use mongodb::bson::{Document, doc};
use shared::{
    App,
    config::SecretKind,
    http::{ApiError, Principal, Role},
    identity::sessions::{AccountKind, credential_fingerprint},
    stores::Dependency,
};

pub use tenancy::{
    licence::ensure_licensed,
    model::{ORGANIZATIONS, USERS},
};

pub async fn organization(app: &App, account_id: &str) -> Result<Option<Document>, ApiError> {
    app.main_db()
        .await?
        .collection::<Document>(ORGANIZATIONS)
        .find_one(doc! { "accountId": account_id })
        .await
        .map_err(|e| ApiError::dependency(Dependency::MongoDb, e))
}

pub async fn workspace_user(
    app: &App,
    account_id: &str,
    email: &str,
) -> Result<Option<Document>, ApiError> {
    app.org_db(account_id)
        .await?
        .collection::<Document>(USERS)
        .find_one(doc! { "email": email })
        .await
        .map_err(|e| ApiError::dependency(Dependency::MongoDb, e))
}

/// A workspace user by its id (`id`, or the `_id` of older documents).
pub async fn workspace_user_by_id(
    app: &App,
    account_id: &str,
    user_id: &str,
) -> Result<Option<Document>, ApiError> {
    let mut ids = vec![doc! { "id": user_id }];
    if let Ok(oid) = mongodb::bson::oid::ObjectId::parse_str(user_id) {
        ids.push(doc! { "_id": oid });
    }
    app.org_db(account_id)
        .await?
        .collection::<Document>(USERS)
        .find_one(doc! { "$or": ids })
        .await
        .map_err(|e| ApiError::dependency(Dependency::MongoDb, e))
}

fn account_gone() -> ApiError {
    ApiError::unauthenticated("This account no longer exists; please log in again.")
}

/// The account behind a session as it is now: its principal (with its
/// current role) and the fingerprint of its current password hash. Refused
/// (401/403) when the account may no longer hold a session: deleted,
/// deactivated, or its organization unlicensed or gone. A refresh calls
/// this, so nothing frozen at login outlives a change to the account.
pub async fn reload(
    app: &App,
    kind: AccountKind,
    was: &Principal,
) -> Result<(Principal, String), ApiError> {
    match kind {
        AccountKind::Debug => Ok((was.clone(), String::new())),
        AccountKind::SuperAdmin => {
            let secret = app.secret_of(SecretKind::ADMIN_CREDENTIALS).await?;
            let hash = secret
                .str("superAdminPasswordHash")
                .ok_or_else(account_gone)?;
            Ok((was.clone(), credential_fingerprint(hash)))
        }
        AccountKind::OrganizationAdmin => {
            let account_id = was.organization_id.as_deref().ok_or_else(account_gone)?;
            let org = organization(app, account_id)
                .await?
                .filter(|o| id_of(o) == was.user_id)
                .ok_or_else(account_gone)?;
            ensure_licensed(&org)?;
            let hash = org.get_str("adminPassword").unwrap_or_default();
            Ok((was.clone(), credential_fingerprint(hash)))
        }
        AccountKind::Passenger => {
            let passenger = transit::passengers::find_by_id(app, &was.user_id)
                .await?
                .ok_or_else(account_gone)?;
            let hash = passenger.get_str("passwordHash").unwrap_or_default();
            Ok((was.clone(), credential_fingerprint(hash)))
        }
        AccountKind::WorkspaceUser => {
            let account_id = was.organization_id.as_deref().ok_or_else(account_gone)?;
            let org = organization(app, account_id)
                .await?
                .ok_or_else(account_gone)?;
            let user = workspace_user_by_id(app, account_id, &was.user_id)
                .await?
                .ok_or_else(account_gone)?;
            if !is_active(&user) {
                return Err(ApiError::forbidden(
                    "This account is deactivated; ask your organization's admin.",
                ));
            }
            ensure_licensed(&org)?;
            let role = user_role(&user)
                .ok_or_else(|| ApiError::forbidden("This account has no valid role."))?;
            let hash = user.get_str("password").unwrap_or_default();
            Ok((
                Principal {
                    role,
                    ..was.clone()
                },
                credential_fingerprint(hash),
            ))
        }
    }
}

/// The organization role of a stored user; unknown values are refused
/// rather than guessed.
pub fn user_role(user: &Document) -> Option<Role> {
    match user.get_str("role").ok()? {
        "admin" => Some(Role::ADMIN),
        "user" => Some(Role::USER),
        "employee" => Some(Role::EMPLOYEE),
        // Transit's drivers are organization users too (they log in here).
        "driver" => Some(Role::DRIVER),
        _ => None,
    }
}

/// A user is active unless `isActive` is explicitly false.
pub fn is_active(user: &Document) -> bool {
    user.get_bool("isActive").unwrap_or(true)
}

/// The string form of a document's id: `id` if set, else `_id`.
pub fn id_of(doc: &Document) -> String {
    doc.get_str("id")
        .map(str::to_owned)
        .or_else(|_| doc.get_object_id("_id").map(|o| o.to_hex()))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_and_activity() {
        assert_eq!(user_role(&doc! {"role": "employee"}), Some(Role::EMPLOYEE));
        assert_eq!(
            user_role(&doc! {"role": "super_admin"}),
            None,
            "no escalation from data"
        );
        assert!(is_active(&doc! {}));
        assert!(!is_active(&doc! {"isActive": false}));
    }
}
