//! Where credentials live and what makes an account usable.
//!
//! - super admin: `superAdminPasswordHash` in the configuration secret;
//! - organization admin: the organization document in
//!   `avaone_main.organizations` (`accountId`, `adminEmail`, `adminPassword`);
//! - workspace user: `org_<accountId>.users` (`email`, `password`, `role`,
//!   `isActive`).
//!
//! `organizationId` in tokens and in the workspace login body is the
//! organization's `accountId`, the key of its database.

use mongodb::bson::{Document, doc};
use shared::{
    App,
    http::{ApiError, Role},
    stores::Dependency,
};
use time::{
    Date, OffsetDateTime, format_description::well_known::Rfc3339, macros::format_description,
};

pub const ORGANIZATIONS: &str = "organizations";
pub const USERS: &str = "users";

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

/// Replaces a stored password hash, only if it is still the one we verified
/// (a concurrent change wins). `field` is `adminPassword` or `password`.
pub async fn upgrade_hash(
    app: &App,
    db: mongodb::Database,
    collection: &str,
    filter: Document,
    field: &str,
    old: &str,
    new: &str,
) -> Result<(), ApiError> {
    let mut filter = filter;
    filter.insert(field, old);
    let now = OffsetDateTime::now_utc()
        .format(&Rfc3339)
        .unwrap_or_default();
    db.collection::<Document>(collection)
        .update_one(filter, doc! { "$set": { field: new, "updatedAt": now } })
        .await
        .map_err(|e| ApiError::dependency(Dependency::MongoDb, e))?;
    tracing::info!(collection, function = %app.config.function_name, "password hash upgraded to argon2id");
    Ok(())
}

/// Refuses an organization whose license is not active or has expired.
/// Called only after the password was verified, so it reveals nothing to a
/// caller who does not already hold the credentials.
pub fn ensure_licensed(org: &Document) -> Result<(), ApiError> {
    let status = org.get_str("licenseStatus").unwrap_or("missing");
    if status != "active" {
        return Err(ApiError::forbidden(format!(
            "The organization's license is {status}; contact AvaOne support to reactivate it."
        )));
    }
    let raw = org.get_str("licenseExpiry").unwrap_or_default();
    match parse_expiry(raw) {
        Some(expiry) if expiry > OffsetDateTime::now_utc() => Ok(()),
        Some(_) => Err(ApiError::forbidden(format!(
            "The organization's license expired on {raw}; contact AvaOne support to renew it."
        ))),
        None => Err(ApiError::forbidden(
            "The organization's license has no valid expiry date; contact AvaOne support.",
        )),
    }
}

/// `licenseExpiry` is an RFC 3339 timestamp or a plain date (valid through
/// the end of that day, UTC).
fn parse_expiry(value: &str) -> Option<OffsetDateTime> {
    if let Ok(t) = OffsetDateTime::parse(value, &Rfc3339) {
        return Some(t);
    }
    let date = Date::parse(value, format_description!("[year]-[month]-[day]")).ok()?;
    date.next_day().map(|d| d.midnight().assume_utc())
}

/// The organization role of a stored user; unknown values are refused
/// rather than guessed.
pub fn user_role(user: &Document) -> Option<Role> {
    match user.get_str("role").ok()? {
        "admin" => Some(Role::Admin),
        "user" => Some(Role::User),
        "employee" => Some(Role::Employee),
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

    fn org(status: &str, expiry: &str) -> Document {
        doc! { "licenseStatus": status, "licenseExpiry": expiry }
    }

    #[test]
    fn license_rules() {
        assert!(ensure_licensed(&org("active", "2999-01-01")).is_ok());
        assert!(ensure_licensed(&org("active", "2999-01-01T00:00:00Z")).is_ok());
        for (status, expiry, says) in [
            ("active", "2001-01-01", "expired on 2001-01-01"),
            ("suspended", "2999-01-01", "suspended"),
            ("paused", "2999-01-01", "paused"),
            ("expired", "2999-01-01", "expired"),
            ("active", "soon", "no valid expiry"),
        ] {
            let err = ensure_licensed(&org(status, expiry)).unwrap_err();
            assert_eq!(err.status().as_u16(), 403);
            assert!(err.message().contains(says), "{status}/{expiry}: {err}");
        }
        assert!(ensure_licensed(&doc! {}).is_err());
    }

    #[test]
    fn roles_and_activity() {
        assert_eq!(user_role(&doc! {"role": "employee"}), Some(Role::Employee));
        assert_eq!(
            user_role(&doc! {"role": "super_admin"}),
            None,
            "no escalation from data"
        );
        assert!(is_active(&doc! {}));
        assert!(!is_active(&doc! {"isActive": false}));
    }
}
