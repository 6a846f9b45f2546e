//! Token lifecycle routes: verify, refresh (rotation), logout, JWKS.

use lambda_http::http::{HeaderValue, header};
use serde::Deserialize;
use serde_json::json;
use shared::{
    App,
    http::{ApiError, Reply, Request, Validate, Violations, bearer_token, parse_json},
};

use crate::{accounts, tokens};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifyToken {
    pub token: String,
}

impl Validate for VerifyToken {
    fn validate(&self, v: &mut Violations) {
        v.text("token", &self.token, 4096);
    }
}

/// POST /auth/verify-token `{token}` → the token's claims, or 401. Applies
/// every rule the authorizer applies, revocation included.
pub async fn verify_token(app: &App, req: Request) -> Result<Reply, ApiError> {
    let body: VerifyToken = parse_json(&req)?;
    let claims = app.verify_access_token(body.token.trim()).await?;
    Reply::ok(json!({
        "valid": true,
        "userId": claims.sub,
        "role": claims.role,
        "organizationId": claims.org,
        "permissions": claims.permissions,
        "issuedAt": claims.iat,
        "expiresAt": claims.exp,
        "tokenId": claims.jti,
    }))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RefreshToken {
    pub refresh_token: String,
}

impl Validate for RefreshToken {
    fn validate(&self, v: &mut Violations) {
        v.text("refreshToken", &self.refresh_token, 256);
    }
}

/// POST /auth/refresh-token `{refreshToken}` → a new pair. The presented
/// token is spent; reusing it later revokes the family. An organization
/// principal is refused once its organization is no longer licensed.
pub async fn refresh_token(app: &App, req: Request) -> Result<Reply, ApiError> {
    let body: RefreshToken = parse_json(&req)?;
    let presented = tokens::spend(app, body.refresh_token.trim()).await?;
    if let Some(account_id) = &presented.principal.organization_id {
        let org = accounts::organization(app, account_id)
            .await?
            .ok_or_else(|| ApiError::unauthenticated("The organization no longer exists."))?;
        accounts::ensure_licensed(&org)?;
    }
    Reply::ok(tokens::rotate(app, presented).await?)
}

/// POST /auth/logout (bearer token): revokes this access token until it
/// expires and ends its refresh family.
pub async fn logout(app: &App, req: Request) -> Result<Reply, ApiError> {
    // The token itself is needed (jti, exp, family), not only the principal
    // the authorizer passed on, so verify it here.
    let claims = app.verify_access_token(bearer_token(&req)?).await?;
    app.revoke_access_token(&claims).await?;
    if let Some(family) = &claims.fam {
        tokens::revoke_family(app, family).await?;
    }
    Reply::ok(json!({ "loggedOut": true }))
}

/// GET /auth/.well-known/jwks.json: the public verification keys as a
/// standard JWK Set (not enveloped, so JWT libraries can consume it).
pub async fn jwks(app: &App, _req: Request) -> Result<Reply, ApiError> {
    let ring = app.keyring().await?;
    Ok(Reply::standard_document(ring.jwks())?.header(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    ))
}
