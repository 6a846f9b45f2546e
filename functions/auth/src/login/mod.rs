//! The suite's three logins. Each parses and validates its body (unknown
//! fields refused; a Mongo operator object where a string belongs is a 400
//! naming the field), then follows the kit's login steps
//! (`shared::identity::login`): count the attempt, verify the password,
//! upgrade a legacy hash, let the account refuse (inactive user,
//! unlicensed organization: 403), start a session.

use mongodb::bson::doc;
use shared::{
    App,
    http::{
        ApiError, Reply, Request, Role,
        openapi::{Failure, Success},
        parse_json,
    },
    identity::{
        login::{Candidate, Upgrade, begin, complete, invalid_credentials},
        sessions::AccountKind,
    },
};

use crate::{
    accounts,
    login_user::{LoginUser, OrganizationAdminUser, SuperAdminUser, WorkspaceUser},
};

mod input;

pub use input::{AdminLogin, OrganizationLogin, WorkspaceLogin};

/// What a suite login answers.
pub type TokenPair = shared::identity::tokens::TokenPair<LoginUser>;

/// Log in as the super admin.
///
/// Public. The password is checked against the argon2id hash
/// `superAdminPasswordHash` in the admin credentials secret. Attempts are
/// counted before anything is looked up: per client IP, and for the account
/// per device (with `X-Device-Token`) or per IP and across untrusted
/// clients; a success clears this client's counter and starts a session.
#[utoipa::path(
    post,
    path = "/auth/admin/login",
    operation_id = "admin-login",
    tag = "auth",
    params(
        ("X-Device-Token" = Option<String>, Header, description = "The `deviceToken` of an earlier login of this account from this client: its attempts are then counted for this device alone."),
    ),
    request_body = AdminLogin,
    responses(
        (status = 200, description = "Logged in: a token pair and the super admin.", body = Success<shared::identity::tokens::TokenPair<crate::login_user::LoginUser>>),
        (status = 401, description = "UNAUTHENTICATED: the credentials are wrong (the same answer for an unknown account).", body = Failure),
        (status = 429, description = "RATE_LIMITED: too many attempts from this IP, or for this account from this client (or from clients without its device token).", body = Failure,
            headers(("Retry-After" = u64, description = "Seconds until another attempt is counted."))),
        (status = 503, description = "DEPENDENCY_UNAVAILABLE: the rate limiter (or another store) is unreachable; logins fail closed.", body = Failure),
    ),
)]
pub async fn admin(app: &App, req: Request) -> Result<Reply, ApiError> {
    let body: AdminLogin = parse_json(&req)?;
    let attempt = begin(app, &req, "super-admin".into()).await?;
    let secret = app
        .secret_of(shared::config::SecretKind::ADMIN_CREDENTIALS)
        .await?;
    let stored_hash = secret.str("superAdminPasswordHash").map(str::to_owned);
    if stored_hash.is_none() {
        tracing::error!("superAdminPasswordHash is not set: run `make admin-password`");
    }
    let candidate = Candidate {
        stored_hash,
        accept: Box::new(|| {
            let principal = shared::http::Principal {
                user_id: "super-admin".into(),
                role: Role::SUPER_ADMIN,
                organization_id: None,
                permissions: vec!["*".into()],
            };
            let user = LoginUser::SuperAdmin(SuperAdminUser {
                id: "super-admin",
                role: Role::SUPER_ADMIN,
            });
            Ok((principal, user, AccountKind::SuperAdmin))
        }),
        // The hash lives in the secret, which functions cannot write; the
        // set-password script always stores argon2id.
        upgrade: None,
    };
    Reply::ok(complete(app, attempt, body.password, candidate).await?)
}

/// Log in as an organization's admin.
///
/// Public. `adminEmail` must be the organization's admin email; a wrong
/// email, a wrong password and an unknown organization get the same 401.
/// After the password is verified an organization whose license is not
/// active (or has expired) gets 403. A legacy password hash (bcrypt,
/// plaintext) is upgraded to argon2id on success. Rate-limited per client
/// IP and for the account (per device with `X-Device-Token`).
#[utoipa::path(
    post,
    path = "/auth/organization/login",
    operation_id = "organization-login",
    tag = "auth",
    params(
        ("X-Device-Token" = Option<String>, Header, description = "The `deviceToken` of an earlier login of this account from this client: its attempts are then counted for this device alone."),
    ),
    request_body = OrganizationLogin,
    responses(
        (status = 200, description = "Logged in: a token pair and the organization admin.", body = Success<shared::identity::tokens::TokenPair<crate::login_user::LoginUser>>),
        (status = 401, description = "UNAUTHENTICATED: the credentials are wrong (the same answer for an unknown account).", body = Failure),
        (status = 403, description = "FORBIDDEN: the organization's license is not active or has expired.", body = Failure),
        (status = 429, description = "RATE_LIMITED: too many attempts from this IP, or for this account from this client (or from clients without its device token).", body = Failure,
            headers(("Retry-After" = u64, description = "Seconds until another attempt is counted."))),
        (status = 503, description = "DEPENDENCY_UNAVAILABLE: the rate limiter (or another store) is unreachable; logins fail closed.", body = Failure),
    ),
)]
pub async fn organization(app: &App, req: Request) -> Result<Reply, ApiError> {
    let body: OrganizationLogin = parse_json(&req)?;
    let attempt = begin(app, &req, format!("org#{}", body.account_id.to_lowercase())).await?;
    let email = body.admin_email.trim().to_lowercase();
    let org = accounts::organization(app, &body.account_id).await?;
    // A wrong email is the same as an unknown organization.
    let org = org.filter(|o| {
        o.get_str("adminEmail")
            .is_ok_and(|e| e.eq_ignore_ascii_case(&email))
    });
    let candidate = Candidate {
        stored_hash: org
            .as_ref()
            .and_then(|o| o.get_str("adminPassword").ok())
            .map(str::to_owned),
        upgrade: Some(Upgrade {
            db: app.main_db().await?,
            collection: accounts::ORGANIZATIONS,
            filter: doc! { "accountId": &body.account_id },
            field: "adminPassword",
        }),
        accept: Box::new(move || {
            let org = org.ok_or_else(invalid_credentials)?;
            accounts::ensure_licensed(&org)?;
            let account_id = org.get_str("accountId").unwrap_or_default().to_owned();
            let principal = shared::http::Principal {
                user_id: accounts::id_of(&org),
                role: Role::ADMIN,
                organization_id: Some(account_id.clone()),
                permissions: vec![],
            };
            let user = LoginUser::OrganizationAdmin(OrganizationAdminUser {
                id: principal.user_id.clone(),
                role: Role::ADMIN,
                email,
                organization_id: account_id,
                organization_name: org.get_str("name").unwrap_or_default().to_owned(),
            });
            Ok((principal, user, AccountKind::OrganizationAdmin))
        }),
    };
    Reply::ok(complete(app, attempt, body.admin_password, candidate).await?)
}

/// Log in as a workspace user of an organization.
///
/// Public. An unknown organization, an unknown email and a wrong password
/// get the same 401. After the password is verified a deactivated user or
/// an unlicensed organization gets 403. A legacy password hash (bcrypt,
/// plaintext) is upgraded to argon2id on success. Rate-limited per client
/// IP and for the account (per device with `X-Device-Token`).
#[utoipa::path(
    post,
    path = "/auth/workspace/login",
    operation_id = "workspace-login",
    tag = "auth",
    params(
        ("X-Device-Token" = Option<String>, Header, description = "The `deviceToken` of an earlier login of this account from this client: its attempts are then counted for this device alone."),
    ),
    request_body = WorkspaceLogin,
    responses(
        (status = 200, description = "Logged in: a token pair and the user's profile.", body = Success<shared::identity::tokens::TokenPair<crate::login_user::LoginUser>>),
        (status = 401, description = "UNAUTHENTICATED: the credentials are wrong (the same answer for an unknown account).", body = Failure),
        (status = 403, description = "FORBIDDEN: the user is deactivated, or the organization's license is not active or has expired.", body = Failure),
        (status = 429, description = "RATE_LIMITED: too many attempts from this IP, or for this account from this client (or from clients without its device token).", body = Failure,
            headers(("Retry-After" = u64, description = "Seconds until another attempt is counted."))),
        (status = 503, description = "DEPENDENCY_UNAVAILABLE: the rate limiter (or another store) is unreachable; logins fail closed.", body = Failure),
    ),
)]
pub async fn workspace(app: &App, req: Request) -> Result<Reply, ApiError> {
    let body: WorkspaceLogin = parse_json(&req)?;
    let email = body.email.trim().to_lowercase();
    let key = format!("ws#{}#{email}", body.organization_id.to_lowercase());
    let attempt = begin(app, &req, key).await?;
    let account_id = body.organization_id.clone();
    let user = accounts::workspace_user(app, &account_id, &email).await?;
    let org = accounts::organization(app, &account_id).await?;
    let candidate = Candidate {
        stored_hash: user
            .as_ref()
            .and_then(|u| u.get_str("password").ok())
            .map(str::to_owned),
        upgrade: Some(Upgrade {
            db: app.org_db(&account_id).await?,
            collection: accounts::USERS,
            filter: doc! { "email": &email },
            field: "password",
        }),
        accept: Box::new(move || {
            let user = user.ok_or_else(invalid_credentials)?;
            let org = org.ok_or_else(invalid_credentials)?;
            if !accounts::is_active(&user) {
                return Err(ApiError::forbidden(
                    "This account is deactivated; ask your organization's admin.",
                ));
            }
            accounts::ensure_licensed(&org)?;
            let role = accounts::user_role(&user)
                .ok_or_else(|| ApiError::internal("stored user has an unknown role"))?;
            let principal = shared::http::Principal {
                user_id: accounts::id_of(&user),
                role: role.clone(),
                organization_id: Some(account_id.clone()),
                permissions: vec![],
            };
            let text = |k: &str| user.get_str(k).unwrap_or_default().to_owned();
            let profile = LoginUser::Workspace(WorkspaceUser {
                id: principal.user_id.clone(),
                email,
                role,
                organization_id: account_id,
                organization_name: org.get_str("name").unwrap_or_default().to_owned(),
                first_name: text("firstName"),
                last_name: text("lastName"),
                department: text("department"),
                position: text("position"),
            });
            Ok((principal, profile, AccountKind::WorkspaceUser))
        }),
    };
    Reply::ok(complete(app, attempt, body.password, candidate).await?)
}
