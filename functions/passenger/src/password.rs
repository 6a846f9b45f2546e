//! Forgotten passwords: a mailed single-use code (30 minutes) sets a new
//! one and ends every session of the passenger.

use mongodb::bson::doc;
use serde::{Deserialize, Serialize};
use shared::{
    App,
    http::{
        ApiError, Reply, Request, Validate, Violations,
        openapi::{Failure, Success},
        parse_json,
    },
    identity::passwords,
};
use transit::passengers;
use utoipa::ToSchema;

use crate::{
    abuse, account,
    codes::{self, Purpose},
    mails,
    register::{CodeOnItsWay, check_code},
};

/// Whose password is forgotten.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ForgotPassword {
    #[schema(format = "email", max_length = 254)]
    pub email: String,
}

impl Validate for ForgotPassword {
    fn validate(&self, v: &mut Violations) {
        v.email("email", &self.email);
    }
}

/// Mail a password reset code.
///
/// Public. Always 202: an address without an account gets no mail and the
/// same answer. The code is single-use, valid 30 minutes, 5 tries. At most
/// 20 per IP and 3 per address per 15 minutes.
#[utoipa::path(
    post,
    path = "/transit/auth/forgot-password",
    operation_id = "passenger-forgot-password",
    tag = "transit",
    request_body = ForgotPassword,
    responses(
        (status = 202, description = "A code is on its way if the address has an account.", body = Success<CodeOnItsWay>),
        (status = 400, description = "VALIDATION_FAILED naming the field.", body = Failure),
        (status = 429, description = "RATE_LIMITED: too many for this IP or address.", body = Failure,
            headers(("Retry-After" = u64, description = "Seconds until another request is counted."))),
    ),
)]
pub async fn forgot(app: &App, req: Request) -> Result<Reply, ApiError> {
    let body: ForgotPassword = parse_json(&req)?;
    let email = body.email.trim().to_lowercase();
    abuse::count(app, &req, "forgot-password", &email).await?;
    if passengers::find_by_email(app, &email).await?.is_some() {
        let code = codes::issue(app, Purpose::ResetPassword, &email).await?;
        mails::send_code(app, &email, Purpose::ResetPassword, &code).await?;
    }
    Reply::accepted(CodeOnItsWay {
        message: "If this address has an account, a code is on its way to it.",
    })
}

/// A new password, proven by the mailed code.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ResetPassword {
    #[schema(format = "email", max_length = 254)]
    pub email: String,
    #[schema(pattern = "^[0-9]{6}$", example = "042917")]
    pub code: String,
    #[schema(min_length = 12, max_length = 256, format = Password)]
    pub new_password: String,
}

impl Validate for ResetPassword {
    fn validate(&self, v: &mut Violations) {
        v.email("email", &self.email);
        check_code(v, &self.code);
    }
}

/// The answer of a reset.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PasswordReset {
    /// Always `true`.
    pub password_reset: bool,
    /// How many sessions (logins) were ended.
    pub sessions_ended: usize,
}

/// Set a new password with the mailed reset code.
///
/// Public. The right code sets the password (the address counts as
/// verified: the code proved it) and ends every session of the passenger:
/// their refresh and access tokens stop working. Log in again after. A
/// wrong, expired or used-up code is a 400 on `code` (5 tries).
#[utoipa::path(
    post,
    path = "/transit/auth/reset-password",
    operation_id = "passenger-reset-password",
    tag = "transit",
    request_body = ResetPassword,
    responses(
        (status = 200, description = "The password is changed; every session ended.", body = Success<PasswordReset>),
        (status = 400, description = "VALIDATION_FAILED: the code is wrong, expired or used up (field `code`), or a field is malformed.", body = Failure),
        (status = 429, description = "RATE_LIMITED: too many for this IP or address.", body = Failure,
            headers(("Retry-After" = u64, description = "Seconds until another request is counted."))),
    ),
)]
pub async fn reset(app: &App, req: Request) -> Result<Reply, ApiError> {
    let body: ResetPassword = parse_json(&req)?;
    let email = body.email.trim().to_lowercase();
    abuse::count(app, &req, "reset-password", &email).await?;
    let passenger = account::redeemed(app, Purpose::ResetPassword, &email, &body.code).await?;
    let id = passenger.get_str("id").unwrap_or_default().to_owned();
    let hash = passwords::hash_blocking(body.new_password).await?;
    passengers::update(
        app,
        &id,
        doc! {},
        doc! {"passwordHash": hash, "emailVerified": true},
    )
    .await?;
    let sessions_ended = app.revoke_account_sessions(None, Some(&id)).await?;
    tracing::info!(sessions_ended, "passenger password reset");
    Reply::ok(PasswordReset {
        password_reset: true,
        sessions_ended,
    })
}
