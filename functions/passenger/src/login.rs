//! Passenger login: the kit's login steps (`shared::identity::login`), so
//! it shares the per-IP counter and the device tokens of every other login.

use serde::Deserialize;
use shared::{
    App,
    http::{
        ApiError, ErrorCode, Reply, Request, Validate, Violations,
        openapi::{Failure, Success},
        parse_json,
    },
    identity::{
        login::{Candidate, begin, complete, invalid_credentials},
        sessions::AccountKind,
    },
};
use transit::passengers;
use utoipa::ToSchema;

use crate::account::{self, PassengerTokens};

/// A passenger's credentials.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PassengerLogin {
    /// Compared case-insensitively.
    #[schema(format = "email", max_length = 254)]
    pub email: String,
    #[schema(min_length = 1, max_length = 256, format = Password)]
    pub password: String,
}

impl Validate for PassengerLogin {
    fn validate(&self, v: &mut Violations) {
        v.email("email", &self.email);
        v.required("password", &self.password);
    }
}

/// Log in as a passenger.
///
/// Public. A wrong password and an unknown address are the same 401; after
/// the password is verified, an address not yet verified is 403
/// `EMAIL_NOT_VERIFIED` (register again for a new code). Counted like the
/// other logins: per client IP (one counter for every login route) and for
/// the account (per device with `X-Device-Token`).
#[utoipa::path(
    post,
    path = "/transit/auth/login",
    operation_id = "passenger-login",
    tag = "transit",
    params(
        ("X-Device-Token" = Option<String>, Header, description = "The `deviceToken` of an earlier login of this account from this client: its attempts are then counted for this device alone."),
    ),
    request_body = PassengerLogin,
    responses(
        (status = 200, description = "Logged in: a token pair and the passenger.", body = Success<shared::identity::tokens::TokenPair<crate::account::PassengerUser>>),
        (status = 401, description = "UNAUTHENTICATED: the credentials are wrong (the same answer for an unknown address).", body = Failure),
        (status = 403, description = "EMAIL_NOT_VERIFIED: the address is not verified yet.", body = Failure),
        (status = 429, description = "RATE_LIMITED: too many attempts from this IP or for this account.", body = Failure,
            headers(("Retry-After" = u64, description = "Seconds until another attempt is counted."))),
    ),
)]
pub async fn login(app: &App, req: Request) -> Result<Reply, ApiError> {
    let body: PassengerLogin = parse_json(&req)?;
    let email = body.email.trim().to_lowercase();
    let attempt = begin(app, &req, format!("passenger#{email}")).await?;
    let passenger = passengers::find_by_email(app, &email).await?;
    let candidate = Candidate {
        stored_hash: passenger
            .as_ref()
            .and_then(|p| p.get_str("passwordHash").ok())
            .map(str::to_owned),
        // Passenger hashes were always argon2id: nothing to upgrade.
        upgrade: None,
        accept: Box::new(move || {
            let passenger = passenger.ok_or_else(invalid_credentials)?;
            if !passengers::is_verified(&passenger) {
                return Err(ApiError::refused(
                    ErrorCode::EmailNotVerified,
                    "Verify your e-mail address with the code we sent first (register again for a new code).",
                ));
            }
            Ok((
                account::principal(&passenger),
                account::login_user(&passenger),
                AccountKind::Passenger,
            ))
        }),
    };
    let tokens: PassengerTokens = complete(app, attempt, body.password, candidate).await?;
    Reply::ok(tokens)
}
