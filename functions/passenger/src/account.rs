//! A passenger as the API shows it, and the session a login starts.

use mongodb::bson::Document;
use serde::Serialize;
use shared::{
    App,
    http::{ApiError, Principal, Role},
    identity::{
        sessions::{AccountKind, credential_fingerprint},
        tokens::{self, TokenPair},
    },
};
use utoipa::ToSchema;

/// What a passenger login or verification answers.
pub type PassengerTokens = TokenPair<PassengerUser>;

/// The `user` of a passenger login.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PassengerUser {
    pub id: String,
    /// Always `passenger`.
    pub role: Role,
    /// Lowercased.
    pub email: String,
    pub name: String,
    /// Empty when not given.
    pub phone: String,
}

/// The passenger's profile (`GET /transit/me`).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    pub id: String,
    pub email: String,
    pub name: String,
    /// Empty when not given.
    pub phone: String,
    /// RFC 3339, UTC.
    pub created_at: String,
}

fn text(p: &Document, key: &str) -> String {
    p.get_str(key).unwrap_or_default().to_owned()
}

pub fn profile(p: &Document) -> Profile {
    Profile {
        id: text(p, "id"),
        email: text(p, "email"),
        name: text(p, "name"),
        phone: text(p, "phone"),
        created_at: shared::clock::instant_text(p.get("createdAt")).unwrap_or_default(),
    }
}

/// Who a passenger is in a token: no organization, role `passenger`.
pub fn principal(p: &Document) -> Principal {
    Principal {
        user_id: text(p, "id"),
        role: Role::PASSENGER,
        organization_id: None,
        permissions: vec![],
    }
}

pub fn login_user(p: &Document) -> PassengerUser {
    PassengerUser {
        id: text(p, "id"),
        role: Role::PASSENGER,
        email: text(p, "email"),
        name: text(p, "name"),
        phone: text(p, "phone"),
    }
}

/// Starts a session for a passenger whose address is proven.
pub async fn sign_in(app: &App, p: &Document) -> Result<PassengerTokens, ApiError> {
    let credential = credential_fingerprint(p.get_str("passwordHash").unwrap_or_default());
    tokens::issue(
        app,
        &principal(p),
        AccountKind::Passenger,
        &credential,
        Some(login_user(p)),
    )
    .await
}

/// The passenger whose live `purpose` code for `email` is `code` (the code
/// is spent), or the one answer every failure gets.
pub async fn redeemed(
    app: &App,
    purpose: crate::codes::Purpose,
    email: &str,
    code: &str,
) -> Result<Document, ApiError> {
    if !crate::codes::redeem(app, purpose, email, code).await? {
        return Err(bad_code());
    }
    transit::passengers::find_by_email(app, email)
        .await?
        .ok_or_else(bad_code)
}

/// The answer to a wrong, expired or spent code, and to a code for an
/// address that has no account: one sentence, so none is told apart.
pub fn bad_code() -> ApiError {
    ApiError::validation("code", "is wrong, expired or used up; request a new one")
}
