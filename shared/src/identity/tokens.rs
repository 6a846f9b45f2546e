//! Token pairs and refresh-token families (DynamoDB).
//!
//! A login starts a family. Its refresh token is opaque (32 random bytes);
//! only its SHA-256 is stored. Each refresh marks the presented token spent
//! (conditional write, so two concurrent uses cannot both succeed) and issues
//! a new one in the same family. Presenting a spent token means it was
//! stolen or replayed: the whole family is revoked, ending every session that
//! descends from that login. Logout revokes the family too.
//!
//! The family is a session (`shared::identity::sessions`): every access
//! token names it, so ending it ends them all. Refresh-token items:
//! `refresh#<sha256>/refresh {family, spent, principal, expiresAt}`.

use super::{
    now, random_id,
    sessions::{AccountKind, Session},
};
use crate::{
    App,
    http::{ApiError, Principal},
    stores::aws::{dynamodb_error, text_attr},
};
use aws_sdk_dynamodb::types::AttributeValue;
use serde::Serialize;
use sha2::{Digest, Sha256};

/// What every login and refresh returns; `U` is the `user` object of the
/// login that started the session (each account kind has its own shape).
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TokenPair<U> {
    /// The access token again, under the name the AvaOne frontend stores
    /// (`apiClient.setToken(data.token)`).
    pub token: String,
    /// The access token (EdDSA JWT) for `Authorization: Bearer`.
    pub access_token: String,
    /// Opaque, single-use: POST /auth/refresh-token exchanges it for a new pair.
    pub refresh_token: String,
    /// Always `Bearer`.
    #[schema(example = "Bearer")]
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    /// Seconds until the refresh family ends (re-login needed after).
    pub refresh_expires_in: i64,
    /// Who logged in; present on logins, absent on refresh.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub user: Option<U>,
    /// Logins only: this client's device token for the account. Send it
    /// back in `X-Device-Token` on later logins: attempts with it are
    /// counted for this device alone, so nobody guessing the password
    /// elsewhere can lock this device out.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub device_token: Option<String>,
}

fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

fn n(v: i64) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

fn refresh_pk(token: &str) -> AttributeValue {
    let digest = Sha256::digest(token.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    s(format!("refresh#{hex}"))
}

fn refused() -> ApiError {
    ApiError::unauthenticated("The refresh token is invalid or expired; please log in again.")
}

/// Starts a session for `principal` (a `kind` account whose password hash
/// has fingerprint `credential`) and returns its first token pair.
pub async fn issue<U>(
    app: &App,
    principal: &Principal,
    kind: AccountKind,
    credential: &str,
    user: Option<U>,
) -> Result<TokenPair<U>, ApiError> {
    let session = app.start_session(principal, kind, credential).await?;
    pair(app, principal, &session, user).await
}

/// Stores a fresh refresh token in `session` and signs an access token bound to it.
async fn pair<U>(
    app: &App,
    principal: &Principal,
    session: &Session,
    user: Option<U>,
) -> Result<TokenPair<U>, ApiError> {
    let refresh_token = random_id(32);
    let principal_json = serde_json::to_string(principal).map_err(ApiError::internal)?;
    app.dynamodb()
        .await
        .put_item()
        .table_name(app.config.table_name()?)
        .item("pk", refresh_pk(&refresh_token))
        .item("sk", s("refresh"))
        .item("family", s(session.id.clone()))
        .item("spent", AttributeValue::Bool(false))
        .item("principal", s(principal_json))
        .item("expiresAt", n(session.expires_at))
        .send()
        .await
        .map_err(dynamodb_error)?;
    let (access_token, _) = app.issue_access_token(principal, &session.id).await?;
    Ok(TokenPair {
        token: access_token.clone(),
        access_token,
        refresh_token,
        token_type: "Bearer",
        expires_in: app.config.identity.access_ttl.as_secs(),
        refresh_expires_in: (session.expires_at - now()).max(0),
        user,
        device_token: None,
    })
}

/// A refresh token that was accepted: whose it was when issued, and its session.
pub struct Presented {
    pub principal: Principal,
    pub session: Session,
}

/// Checks a presented refresh token and spends it. Reuse of a spent token
/// ends its session.
pub async fn spend(app: &App, refresh_token: &str) -> Result<Presented, ApiError> {
    let table = app.config.table_name()?;
    let db = app.dynamodb().await;
    let item = app
        .get_item(refresh_pk(refresh_token), s("refresh"))
        .await?
        .ok_or_else(refused)?;
    let family = text_attr(&item, "family").unwrap_or_default().to_owned();
    let principal: Principal =
        serde_json::from_str(text_attr(&item, "principal").unwrap_or_default())
            .map_err(ApiError::internal)?;
    let session = app
        .session(&family)
        .await?
        .filter(Session::is_live)
        .ok_or_else(refused)?;

    let spent = db
        .update_item()
        .table_name(table)
        .key("pk", refresh_pk(refresh_token))
        .key("sk", s("refresh"))
        .update_expression("SET spent = :t, spentAt = :now")
        .condition_expression("spent = :f")
        .expression_attribute_values(":t", AttributeValue::Bool(true))
        .expression_attribute_values(":f", AttributeValue::Bool(false))
        .expression_attribute_values(":now", n(now()))
        .send()
        .await;
    match spent {
        Ok(_) => Ok(Presented { principal, session }),
        Err(e)
            if e.as_service_error()
                .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
        {
            tracing::warn!(session = %family, sub = %principal.user_id, "refresh token reuse: ending the session");
            app.revoke_session(&family).await?;
            Err(ApiError::unauthenticated(
                "This refresh token was already used. For safety every session from that login \
                 has been signed out; please log in again.",
            ))
        }
        Err(e) => Err(dynamodb_error(e)),
    }
}

/// Issues the next pair of a spent token's session, for the account as it
/// is now (`principal`, reloaded by the caller).
pub async fn rotate<U>(
    app: &App,
    presented: &Presented,
    principal: &Principal,
) -> Result<TokenPair<U>, ApiError> {
    pair(app, principal, &presented.session, None).await
}
