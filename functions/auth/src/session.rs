//! Token lifecycle routes: verify, refresh (rotation), logout, JWKS.

use lambda_http::http::{HeaderValue, header};
use serde::{Deserialize, Serialize};
use shared::{
    App,
    http::{
        ApiError, Reply, Request, Role, Validate, Violations, bearer_token,
        openapi::{Failure, Success},
        parse_json,
    },
};

use shared::identity::{jwt::JwkSet, tokens};

use crate::{accounts, login::TokenPair};

/// A token to check.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyToken {
    /// An access token (surrounding whitespace is ignored).
    #[schema(min_length = 1, max_length = 4096)]
    pub token: String,
}

/// The claims of a valid access token.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct VerifiedToken {
    /// Always `true` (an invalid token is a 401).
    pub valid: bool,
    pub user_id: String,
    pub role: Role,
    /// The organization's accountId; `null` for the super admin (always present).
    #[schema(required = true)]
    pub organization_id: Option<String>,
    pub permissions: Vec<String>,
    /// Unix time (seconds) the token was issued.
    pub issued_at: i64,
    /// Unix time (seconds) the token expires.
    pub expires_at: i64,
    /// The same as `expiresAt`, under the seed's `AuthTokenPayload` name.
    pub exp: i64,
    /// The token's id (`jti`), the handle revocation uses.
    pub token_id: String,
}

impl Validate for VerifyToken {
    fn validate(&self, v: &mut Violations) {
        v.required("token", &self.token);
    }
}

/// Check an access token and return its claims.
///
/// Public (the token is in the body). Applies every rule the authorizer
/// applies, revocation included; any invalid, expired or revoked token is
/// the same 401.
#[utoipa::path(
    post,
    path = "/auth/verify-token",
    operation_id = "verify-token",
    tag = "auth",
    request_body = VerifyToken,
    responses(
        (status = 200, description = "The token is valid: its claims.", body = Success<VerifiedToken>),
        (status = 401, description = "UNAUTHENTICATED: the token is invalid, expired or revoked.", body = Failure),
    ),
)]
pub async fn verify_token(app: &App, req: Request) -> Result<Reply, ApiError> {
    let body: VerifyToken = parse_json(&req)?;
    let claims = app.verify_access_token(body.token.trim()).await?;
    Reply::ok(VerifiedToken {
        valid: true,
        user_id: claims.sub,
        role: claims.role,
        organization_id: claims.org,
        permissions: claims.permissions,
        issued_at: claims.iat,
        expires_at: claims.exp,
        exp: claims.exp,
        token_id: claims.jti,
    })
}

/// A refresh token to exchange.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RefreshToken {
    /// The `refreshToken` of the last login or refresh (surrounding whitespace is ignored).
    #[schema(min_length = 1, max_length = 256)]
    pub refresh_token: String,
}

impl Validate for RefreshToken {
    fn validate(&self, v: &mut Violations) {
        v.required("refreshToken", &self.refresh_token);
    }
}

/// Exchange a refresh token for a new token pair (rotation).
///
/// Public (the refresh token is in the body). The presented token is spent;
/// presenting it again ends its session (every token from that login) and
/// gets 401. The account is reloaded: the new access token carries its
/// current role; a deleted account or organization, or a changed password,
/// is 401, a deactivated user or an unlicensed organization 403, and each
/// of these ends the session. The new pair has no `user`.
#[utoipa::path(
    post,
    path = "/auth/refresh-token",
    operation_id = "refresh-token",
    tag = "auth",
    request_body = RefreshToken,
    responses(
        (status = 200, description = "A new token pair in the same family (without `user`).", body = Success<shared::identity::tokens::TokenPair<crate::login_user::LoginUser>>),
        (status = 401, description = "UNAUTHENTICATED: the refresh token is unknown, expired, revoked or already used, the account or its organization no longer exists, or its password was changed.", body = Failure),
        (status = 403, description = "FORBIDDEN: the user is deactivated, or the organization's license is not active or has expired.", body = Failure),
    ),
)]
pub async fn refresh_token(app: &App, req: Request) -> Result<Reply, ApiError> {
    let body: RefreshToken = parse_json(&req)?;
    let presented = tokens::spend(app, body.refresh_token.trim()).await?;
    let session = &presented.session;
    let principal = match accounts::reload(app, session.kind, &presented.principal).await {
        Ok((principal, credential)) if credential == session.credential => principal,
        Ok(_) => {
            app.revoke_session(&session.id).await?;
            return Err(ApiError::unauthenticated(
                "The password of this account was changed; please log in again.",
            ));
        }
        // The account may no longer hold a session: end it, so its access
        // tokens stop too. A store that did not answer ends nothing.
        Err(refused) if refused.status().is_client_error() => {
            app.revoke_session(&session.id).await?;
            return Err(refused);
        }
        Err(unavailable) => return Err(unavailable),
    };
    let pair: TokenPair = tokens::rotate(app, &presented, &principal).await?;
    Reply::ok(pair)
}

/// Log out: end this token's session.
///
/// Any valid access token (its own). The session it belongs to ends: from
/// the next request on, neither this token, nor any other access token
/// minted in that session, nor its refresh token works.
#[utoipa::path(
    post,
    path = "/auth/logout",
    operation_id = "logout",
    tag = "auth",
    responses(
        (status = 200, description = "Logged out.", body = Success<LoggedOut>),
    ),
    security(("bearerAuth" = [])),
)]
pub async fn logout(app: &App, req: Request) -> Result<Reply, ApiError> {
    // The token itself is needed (its session), not only the principal the
    // authorizer passed on, so verify it here.
    let claims = app.verify_access_token(bearer_token(&req)?).await?;
    if let Some(session) = &claims.fam {
        app.revoke_session(session).await?;
    }
    Reply::ok(LoggedOut { logged_out: true })
}

/// The answer of POST /auth/logout.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LoggedOut {
    /// Always `true`.
    pub logged_out: bool,
}

/// The public keys that verify access tokens (JWK Set).
///
/// Public. The body is a standard JWK Set, not the envelope, so JWT
/// libraries can consume it. Old keys stay listed until the tokens they
/// signed have expired. Cacheable for five minutes.
#[utoipa::path(
    get,
    path = "/auth/.well-known/jwks.json",
    operation_id = "jwks",
    tag = "auth",
    responses(
        (status = 200, description = "The JWK Set (not enveloped).", body = JwkSet,
            headers(("Cache-Control" = String, description = "`public, max-age=300`"))),
    ),
)]
pub async fn jwks(app: &App, _req: Request) -> Result<Reply, ApiError> {
    let ring = app.keyring().await?;
    Ok(Reply::standard_document(ring.jwk_set()?)?.header(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    ))
}
