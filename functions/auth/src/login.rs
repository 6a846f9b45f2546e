//! The three logins. Each follows the same steps ([`login`]):
//! 1. parse and validate the body (unknown fields refused; a Mongo operator
//!    object where a string belongs is a 400 naming the field);
//! 2. count the attempt against the client IP and the account (429 + Retry-After);
//! 3. look the account up and verify the password — an unknown account does
//!    the same work as a wrong password and gets the same 401;
//! 4. upgrade a legacy hash (bcrypt, plaintext) to argon2id;
//! 5. refuse inactive users and unlicensed organizations (403);
//! 6. reset the account's counter and start a refresh family.
//!
//! Step 2 comes first in code ([`begin`]); 3-6 are [`complete`].

use mongodb::bson::{Document, doc};
use serde::Deserialize;
use serde_json::json;
use shared::{
    App,
    http::{ApiError, Reply, Request, RequestExt, Role, Validate, Violations, parse_json},
    identity::passwords::{self, Verdict},
    rate_limit::Limit,
    stores::mongo::org_db_name,
};

use crate::{accounts, tokens};

/// Passwords longer than this are refused before hashing (hashing cost is
/// bounded; no real password is this long).
const MAX_PASSWORD_CHARS: usize = 256;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdminLogin {
    pub password: String,
}

impl Validate for AdminLogin {
    fn validate(&self, v: &mut Violations) {
        v.text("password", &self.password, MAX_PASSWORD_CHARS);
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct OrganizationLogin {
    pub account_id: String,
    pub admin_email: String,
    pub admin_password: String,
}

impl Validate for OrganizationLogin {
    fn validate(&self, v: &mut Violations) {
        account_id(v, "accountId", &self.account_id);
        v.email("adminEmail", &self.admin_email);
        v.text("adminPassword", &self.admin_password, MAX_PASSWORD_CHARS);
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct WorkspaceLogin {
    /// The organization's accountId.
    pub organization_id: String,
    pub email: String,
    pub password: String,
}

impl Validate for WorkspaceLogin {
    fn validate(&self, v: &mut Violations) {
        account_id(v, "organizationId", &self.organization_id);
        v.email("email", &self.email);
        v.text("password", &self.password, MAX_PASSWORD_CHARS);
    }
}

fn account_id(v: &mut Violations, field: &str, value: &str) {
    if let Err(e) = org_db_name(value) {
        for d in e.details() {
            v.add(field, d.message.clone());
        }
    }
}

/// What a login looked up: the stored hash (None: no such account) and,
/// when the password is right, how to finish.
struct Candidate {
    stored_hash: Option<String>,
    /// Runs after the password is verified: activity and license checks,
    /// then the principal and the `user` object of the response.
    accept:
        Box<dyn FnOnce() -> Result<(shared::http::Principal, serde_json::Value), ApiError> + Send>,
    /// Where to write an upgraded hash.
    upgrade: Option<Upgrade>,
}

struct Upgrade {
    db: mongodb::Database,
    collection: &'static str,
    filter: Document,
    field: &'static str,
}

fn invalid_credentials() -> ApiError {
    ApiError::unauthenticated("Invalid credentials.")
}

fn client_ip(req: &Request) -> String {
    match req.request_context_ref() {
        Some(lambda_http::request::RequestContext::ApiGatewayV2(ctx)) => ctx
            .http
            .source_ip
            .clone()
            .unwrap_or_else(|| "unknown".into()),
        _ => "unknown".into(),
    }
}

/// A login attempt that has been counted against the client IP and the account.
struct Attempt {
    account_counter: String,
    account_limit: Limit,
}

/// Step 2: counts the attempt before any lookup, so a flood costs us one
/// DynamoDB write per request and no database reads.
async fn begin(app: &App, req: &Request, account_key: String) -> Result<Attempt, ApiError> {
    let settings = &app.config.identity;
    let account_limit = Limit {
        max: settings.login_max_per_account,
        window: settings.login_window,
    };
    let ip_limit = Limit {
        max: settings.login_max_per_ip,
        window: settings.login_window,
    };
    let attempt = Attempt {
        account_counter: format!("login-account#{account_key}"),
        account_limit,
    };
    app.rate_limit(&format!("login-ip#{}", client_ip(req)), ip_limit)
        .await?;
    app.rate_limit(&attempt.account_counter, account_limit)
        .await?;
    Ok(attempt)
}

/// Steps 3-6.
async fn complete(
    app: &App,
    attempt: Attempt,
    password: String,
    candidate: Candidate,
) -> Result<Reply, ApiError> {
    let Candidate {
        stored_hash,
        accept,
        upgrade,
    } = candidate;
    let allow_plaintext = app.config.identity.allow_plaintext_passwords;
    let verdict = passwords::verify_blocking(password, stored_hash.clone(), allow_plaintext).await;
    let rehash = match verdict {
        Verdict::Invalid => return Err(invalid_credentials()),
        Verdict::Valid { rehash } => rehash,
    };
    if let (Some(new), Some(old), Some(up)) = (rehash, stored_hash, upgrade) {
        accounts::upgrade_hash(app, up.db, up.collection, up.filter, up.field, &old, &new).await?;
    }
    let (principal, user) = accept()?;
    app.rate_limit_reset(&attempt.account_counter, attempt.account_limit)
        .await?;
    Reply::ok(tokens::issue(app, &principal, Some(user)).await?)
}

/// POST /auth/admin/login `{password}`: the super admin, whose argon2id
/// hash is `superAdminPasswordHash` in the configuration secret.
pub async fn admin(app: &App, req: Request) -> Result<Reply, ApiError> {
    let body: AdminLogin = parse_json(&req)?;
    let attempt = begin(app, &req, "super-admin".into()).await?;
    let secret = app.secret().await?;
    let stored_hash = secret.str("superAdminPasswordHash").map(str::to_owned);
    if stored_hash.is_none() {
        tracing::error!("superAdminPasswordHash is not set: run `make admin-password`");
    }
    let candidate = Candidate {
        stored_hash,
        accept: Box::new(|| {
            let principal = shared::http::Principal {
                user_id: "super-admin".into(),
                role: Role::SuperAdmin,
                organization_id: None,
                permissions: vec!["*".into()],
            };
            Ok((
                principal,
                json!({"id": "super-admin", "role": "super_admin"}),
            ))
        }),
        // The hash lives in the secret, which functions cannot write; the
        // set-password script always stores argon2id.
        upgrade: None,
    };
    complete(app, attempt, body.password, candidate).await
}

/// POST /auth/organization/login `{accountId, adminEmail, adminPassword}`.
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
                role: Role::Admin,
                organization_id: Some(account_id.clone()),
                permissions: vec![],
            };
            let user = json!({
                "id": principal.user_id, "role": "admin", "email": email,
                "organizationId": account_id, "organizationName": org.get_str("name").unwrap_or_default(),
            });
            Ok((principal, user))
        }),
    };
    complete(app, attempt, body.admin_password, candidate).await
}

/// POST /auth/workspace/login `{organizationId, email, password}`.
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
                role,
                organization_id: Some(account_id.clone()),
                permissions: vec![],
            };
            let text = |k: &str| user.get_str(k).unwrap_or_default().to_owned();
            let profile = json!({
                "id": principal.user_id, "email": email, "role": role.as_str(),
                "organizationId": account_id, "organizationName": org.get_str("name").unwrap_or_default(),
                "firstName": text("firstName"), "lastName": text("lastName"),
                "department": text("department"), "position": text("position"),
            });
            Ok((principal, profile))
        }),
    };
    complete(app, attempt, body.password, candidate).await
}
