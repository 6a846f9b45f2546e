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
use shared::{
    App,
    http::{
        ApiError, Reply, Request, Role,
        openapi::{Failure, Success},
        parse_json,
    },
    identity::{
        passwords::{self, Verdict},
        sessions::{AccountKind, credential_fingerprint},
    },
    rate_limit::Limit,
};

use crate::{
    accounts, devices,
    login_user::{LoginUser, OrganizationAdminUser, SuperAdminUser, WorkspaceUser},
    tokens,
    tokens::TokenPair,
};

mod input;

pub use input::{AdminLogin, OrganizationLogin, WorkspaceLogin};

/// What a login looked up: the stored hash (None: no such account) and,
/// when the password is right, how to finish.
struct Candidate {
    stored_hash: Option<String>,
    /// Runs after the password is verified: activity and license checks,
    /// then the principal and the `user` object of the response.
    accept: Box<dyn FnOnce() -> Result<Accepted, ApiError> + Send>,
    /// Where to write an upgraded hash.
    upgrade: Option<Upgrade>,
}

/// Who logged in, and which kind of account a refresh reloads.
type Accepted = (shared::http::Principal, LoginUser, AccountKind);

struct Upgrade {
    db: mongodb::Database,
    collection: &'static str,
    filter: Document,
    field: &'static str,
}

fn invalid_credentials() -> ApiError {
    ApiError::unauthenticated("Invalid credentials.")
}

/// A login attempt, counted before anything is looked up.
struct Attempt {
    /// The account's key, hashed (counters, device records, logs).
    account: String,
    /// The device token the client presented, when it is one of this
    /// account's: the response hands it back instead of a new one.
    known_device: Option<String>,
    /// The counter a success clears: this device's, or this account-and-IP's.
    counter: String,
    limit: Limit,
}

/// Step 2: counts the attempt before any lookup, so a flood costs us a few
/// DynamoDB calls per request and no database reads. Following OWASP's
/// lockout guidance, no counter lets an attacker elsewhere keep the owner
/// out of a device the owner has logged in from:
/// - every attempt counts against the client IP (`LOGIN_MAX_ATTEMPTS_IP`);
/// - with a valid device token of the account, against that device alone
///   (`LOGIN_MAX_ATTEMPTS_ACCOUNT`): the guesser has no such token;
/// - without one, against the account from this IP
///   (`LOGIN_MAX_ATTEMPTS_ACCOUNT`) and against the account from all
///   untrusted clients together (`LOGIN_MAX_ATTEMPTS_UNTRUSTED`), which
///   bounds a guesser spread over many addresses.
async fn begin(app: &App, req: &Request, account_key: String) -> Result<Attempt, ApiError> {
    let settings = &app.config.identity;
    let limit = |max| Limit {
        max,
        window: settings.login_window,
    };
    let ip = shared::http::client_address(req);
    let account = devices::account_hash(&account_key);
    app.rate_limit(&format!("login-ip#{ip}"), limit(settings.login_max_per_ip))
        .await?;
    let known_device = match devices::presented(req) {
        Some(token) if devices::is_known(app, &account, token).await? => Some(token.to_owned()),
        _ => None,
    };
    let per_client = limit(settings.login_max_per_account);
    let counter = match &known_device {
        Some(token) => {
            let counter = format!("login-device#{account}#{}", devices::account_hash(token));
            app.rate_limit(&counter, per_client).await?;
            counter
        }
        None => {
            let counter = format!("login-account-ip#{account}#{ip}");
            app.rate_limit(&counter, per_client).await?;
            app.rate_limit(
                &format!("login-untrusted#{account}"),
                limit(settings.login_max_untrusted),
            )
            .await?;
            counter
        }
    };
    Ok(Attempt {
        account,
        known_device,
        counter,
        limit: per_client,
    })
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
    let mut current_hash = stored_hash.unwrap_or_default();
    if let (Some(new), Some(up)) = (rehash, upgrade) {
        accounts::upgrade_hash(
            app,
            up.db,
            up.collection,
            up.filter,
            up.field,
            &current_hash,
            &new,
        )
        .await?;
        current_hash = new;
    }
    let (principal, user, kind) = accept()?;
    app.rate_limit_reset(&attempt.counter, attempt.limit)
        .await?;
    let device_token = match attempt.known_device {
        Some(token) => token,
        None => devices::remember(app, &attempt.account).await?,
    };
    let credential = credential_fingerprint(&current_hash);
    let mut pair = tokens::issue(app, &principal, kind, &credential, Some(user)).await?;
    pair.device_token = Some(device_token);
    Reply::ok(pair)
}

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
        (status = 200, description = "Logged in: a token pair and the super admin.", body = Success<TokenPair>),
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
    complete(app, attempt, body.password, candidate).await
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
        (status = 200, description = "Logged in: a token pair and the organization admin.", body = Success<TokenPair>),
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
    complete(app, attempt, body.admin_password, candidate).await
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
        (status = 200, description = "Logged in: a token pair and the user's profile.", body = Success<TokenPair>),
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
    complete(app, attempt, body.password, candidate).await
}
