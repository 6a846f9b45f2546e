//! What every password login shares, whichever account it is for (the
//! suite's three logins, transit's passenger login):
//! 1. count the attempt against the client IP and the account, before
//!    anything is looked up ([`begin`]; 429 + Retry-After);
//! 2. verify the password; an unknown account does the same work as a wrong
//!    password and gets the same 401 ([`complete`]);
//! 3. upgrade a legacy hash (bcrypt, plaintext) to argon2id;
//! 4. let the login refuse the account (inactive, unlicensed, unverified);
//! 5. reset the account's counter and start a session.
//!
//! Every login counts against the same per-IP counter, so a guesser cannot
//! spread a flood over several login routes.

use mongodb::bson::{Document, doc};

use super::{
    devices,
    passwords::{self, Verdict},
    sessions::{AccountKind, credential_fingerprint},
    tokens::{self, TokenPair},
};
use crate::{
    App,
    http::{ApiError, Principal, Request},
    rate_limit::Limit,
    stores::Dependency,
    telemetry::{self, Business},
};

/// What a login looked up: the stored hash (None: no such account) and,
/// when the password is right, how to finish.
pub struct Candidate<U> {
    pub stored_hash: Option<String>,
    /// Runs after the password is verified: the account's own checks
    /// (activity, licence, verified e-mail), then the principal, the `user`
    /// object of the answer and the kind of account a refresh reloads.
    pub accept: Box<dyn FnOnce() -> Result<Accepted<U>, ApiError> + Send>,
    /// Where to write an upgraded hash.
    pub upgrade: Option<Upgrade>,
}

/// Who logged in: the principal, the `user` of the answer, and which kind
/// of account a refresh reloads.
pub type Accepted<U> = (Principal, U, AccountKind);

/// Where a password hash is stored, to replace a legacy one.
pub struct Upgrade {
    pub db: mongodb::Database,
    pub collection: &'static str,
    pub filter: Document,
    pub field: &'static str,
}

/// The answer to wrong credentials, the same for an unknown account.
pub fn invalid_credentials() -> ApiError {
    ApiError::unauthenticated("Invalid credentials.")
}

/// A login attempt, counted before anything is looked up.
pub struct Attempt {
    /// The account's key, hashed (counters, device records, logs).
    account: String,
    /// The device token the client presented, when it is one of this
    /// account's: the response hands it back instead of a new one.
    known_device: Option<String>,
    /// The counter a success clears: this device's, or this account-and-IP's.
    counter: String,
    limit: Limit,
}

/// Counts the attempt before any lookup, so a flood costs us a few
/// DynamoDB calls per request and no database reads. `account_key` names
/// the account uniquely across account kinds (`org#acme`, `passenger#a@b.c`).
/// Following OWASP's lockout guidance, no counter lets an attacker
/// elsewhere keep the owner out of a device the owner has logged in from:
/// - every attempt counts against the client IP (`LOGIN_MAX_ATTEMPTS_IP`);
/// - with a valid device token of the account, against that device alone
///   (`LOGIN_MAX_ATTEMPTS_ACCOUNT`): the guesser has no such token;
/// - without one, against the account from this IP
///   (`LOGIN_MAX_ATTEMPTS_ACCOUNT`) and against the account from all
///   untrusted clients together (`LOGIN_MAX_ATTEMPTS_UNTRUSTED`), which
///   bounds a guesser spread over many addresses.
pub async fn begin(app: &App, req: &Request, account_key: String) -> Result<Attempt, ApiError> {
    let settings = &app.config.identity;
    let limit = |max| Limit {
        max,
        window: settings.login_window,
    };
    let ip = crate::http::client_address(req);
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

/// Verifies `password` against the candidate and, if it holds and the
/// account accepts, starts a session: the token pair with the device token.
pub async fn complete<U>(
    app: &App,
    attempt: Attempt,
    password: String,
    candidate: Candidate<U>,
) -> Result<TokenPair<U>, ApiError> {
    let Candidate {
        stored_hash,
        accept,
        upgrade,
    } = candidate;
    let allow_plaintext = app.config.identity.allow_plaintext_passwords;
    let verdict = passwords::verify_blocking(password, stored_hash.clone(), allow_plaintext).await;
    let rehash = match verdict {
        Verdict::Invalid => {
            telemetry::count(Business::FailedLogin);
            return Err(invalid_credentials());
        }
        Verdict::Valid { rehash } => rehash,
    };
    let mut current_hash = stored_hash.unwrap_or_default();
    if let (Some(new), Some(up)) = (rehash, upgrade) {
        upgrade_hash(app, up, &current_hash, &new).await?;
        current_hash = new;
    }
    // An account the credentials do not log into (its organization gone).
    let (principal, user, kind) = accept().inspect_err(|e| {
        if e.status() == lambda_http::http::StatusCode::UNAUTHORIZED {
            telemetry::count(Business::FailedLogin);
        }
    })?;
    app.rate_limit_reset(&attempt.counter, attempt.limit)
        .await?;
    let device_token = match attempt.known_device {
        Some(token) => token,
        None => devices::remember(app, &attempt.account).await?,
    };
    let credential = credential_fingerprint(&current_hash);
    let mut pair = tokens::issue(app, &principal, kind, &credential, Some(user)).await?;
    pair.device_token = Some(device_token);
    Ok(pair)
}

/// Replaces a stored password hash, only if it is still the one we verified
/// (a concurrent change wins).
async fn upgrade_hash(app: &App, at: Upgrade, old: &str, new: &str) -> Result<(), ApiError> {
    let mut filter = at.filter;
    filter.insert(at.field, old);
    let now = crate::clock::now();
    at.db
        .collection::<Document>(at.collection)
        .update_one(filter, doc! { "$set": { at.field: new, "updatedAt": now } })
        .await
        .map_err(|e| ApiError::dependency(Dependency::MongoDb, e))?;
    tracing::info!(collection = at.collection, function = %app.config.function_name, "password hash upgraded to argon2id");
    Ok(())
}
