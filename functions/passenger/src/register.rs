//! Registration and e-mail verification.

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
};

/// A new passenger.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Register {
    #[schema(format = "email", max_length = 254)]
    pub email: String,
    #[schema(min_length = 12, max_length = 256, format = Password)]
    pub password: String,
    #[schema(min_length = 1, max_length = 120)]
    pub name: String,
    /// Free text.
    #[serde(default)]
    #[schema(max_length = 32)]
    pub phone: Option<String>,
}

impl Validate for Register {
    fn validate(&self, v: &mut Violations) {
        v.email("email", &self.email);
        v.required("name", &self.name);
    }
}

/// The answer of register and forgot-password, whoever the address is.
#[derive(Debug, Serialize, ToSchema)]
pub struct CodeOnItsWay {
    /// What to do next.
    pub message: &'static str,
}

/// Register a passenger account.
///
/// Public. Mails a 6-digit code (valid 15 minutes, 5 tries) to prove the
/// address; POST /transit/auth/verify-email with it logs in. An address
/// that already has a verified account gets the same 202 and a mail saying
/// so; registering an unverified address again replaces its password and
/// code (whoever proves the address owns the account). At most 20 per IP
/// and 3 per address per 15 minutes.
#[utoipa::path(
    post,
    path = "/transit/auth/register",
    operation_id = "passenger-register",
    tag = "transit",
    request_body = Register,
    responses(
        (status = 202, description = "A code is on its way (the same answer for a taken address).", body = Success<CodeOnItsWay>),
        (status = 400, description = "VALIDATION_FAILED naming the field.", body = Failure),
        (status = 429, description = "RATE_LIMITED: too many for this IP or address.", body = Failure,
            headers(("Retry-After" = u64, description = "Seconds until another request is counted."))),
    ),
)]
pub async fn register(app: &App, req: Request) -> Result<Reply, ApiError> {
    let body: Register = parse_json(&req)?;
    let email = body.email.trim().to_lowercase();
    abuse::count(app, &req, "register", &email).await?;
    // Hashed before the lookup: a taken address costs the same time.
    let hash = passwords::hash_blocking(body.password).await?;
    passengers::ensure_indexes(app).await?;
    let name = body.name.trim().to_owned();
    let phone = body.phone.unwrap_or_default().trim().to_owned();
    let existing = passengers::find_by_email(app, &email).await?;
    match existing {
        Some(p) if passengers::is_verified(&p) => {
            mails::send_already_registered(app, &email).await?;
        }
        Some(p) => {
            let id = p.get_str("id").unwrap_or_default();
            passengers::update(
                app,
                id,
                doc! {"emailVerified": false},
                doc! {"passwordHash": hash, "name": name, "phone": phone},
            )
            .await?;
            send_code(app, &email).await?;
        }
        None => {
            let now = shared::clock::now();
            let passenger = doc! {
                "id": uuid::Uuid::new_v4().to_string(),
                "email": &email,
                "passwordHash": hash,
                "name": name,
                "phone": phone,
                "emailVerified": false,
                "createdAt": now,
                "updatedAt": now,
            };
            // A concurrent registration of the same address may win the
            // insert; either way one unverified account gets a code.
            passengers::insert(app, &passenger).await?;
            send_code(app, &email).await?;
        }
    }
    Reply::accepted(CodeOnItsWay {
        message: "If this address can be registered, a code is on its way to it.",
    })
}

async fn send_code(app: &App, email: &str) -> Result<(), ApiError> {
    let code = codes::issue(app, Purpose::VerifyEmail, email).await?;
    mails::send_code(app, email, Purpose::VerifyEmail, &code).await
}

/// A code to prove an address.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyEmail {
    #[schema(format = "email", max_length = 254)]
    pub email: String,
    /// The six digits from the mail.
    #[schema(pattern = "^[0-9]{6}$", example = "042917")]
    pub code: String,
}

impl Validate for VerifyEmail {
    fn validate(&self, v: &mut Violations) {
        v.email("email", &self.email);
        check_code(v, &self.code);
    }
}

/// The rule for a code field.
pub fn check_code(v: &mut Violations, code: &str) {
    v.check(
        code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()),
        "code",
        "must be the 6 digits from the mail",
    );
}

/// Verify a passenger's e-mail address with the mailed code.
///
/// Public. The right code marks the address verified and logs in (a token
/// pair, as every login). A wrong, expired or used-up code, and a code for
/// an address without an account, are the same 400 on `code`; a code
/// allows 5 tries. At most 20 per IP and 3 per address per 15 minutes.
#[utoipa::path(
    post,
    path = "/transit/auth/verify-email",
    operation_id = "passenger-verify-email",
    tag = "transit",
    request_body = VerifyEmail,
    responses(
        (status = 200, description = "Verified and logged in.", body = Success<shared::identity::tokens::TokenPair<crate::account::PassengerUser>>),
        (status = 400, description = "VALIDATION_FAILED: the code is wrong, expired or used up (field `code`), or a field is malformed.", body = Failure),
        (status = 429, description = "RATE_LIMITED: too many for this IP or address.", body = Failure,
            headers(("Retry-After" = u64, description = "Seconds until another request is counted."))),
    ),
)]
pub async fn verify_email(app: &App, req: Request) -> Result<Reply, ApiError> {
    let body: VerifyEmail = parse_json(&req)?;
    let email = body.email.trim().to_lowercase();
    abuse::count(app, &req, "verify-email", &email).await?;
    let passenger = account::redeemed(app, Purpose::VerifyEmail, &email, &body.code).await?;
    let id = passenger.get_str("id").unwrap_or_default().to_owned();
    passengers::update(app, &id, doc! {}, doc! {"emailVerified": true}).await?;
    Reply::ok(account::sign_in(app, &passenger).await?)
}
