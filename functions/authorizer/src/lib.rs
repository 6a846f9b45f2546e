//! The API's Lambda authorizer (HTTP API, payload format 2.0, simple
//! responses). It authenticates; each function authorizes.
//!
//! Allows a request when its `Authorization: Bearer` token passes every rule
//! of `shared::identity` (EdDSA only, known `kid`, issuer, audience, exp/nbf
//! with leeway, not revoked) and hands `{userId, role, organizationId,
//! permissions}` to the function as context. Anything else — including a
//! revocation store that cannot be asked — is `isAuthorized: false`
//! (fail closed), never an error, which API Gateway would turn into a 500.

use aws_lambda_events::apigw::{
    ApiGatewayV2CustomAuthorizerSimpleResponse, ApiGatewayV2CustomAuthorizerV2Request,
};
use serde_json::{Value, json};
use shared::App;

pub async fn authorize(
    app: &App,
    event: &ApiGatewayV2CustomAuthorizerV2Request,
) -> ApiGatewayV2CustomAuthorizerSimpleResponse {
    let mut response = ApiGatewayV2CustomAuthorizerSimpleResponse::<Value>::default();
    response.is_authorized = false;
    response.context = json!({});
    let Some(token) = bearer(event) else {
        tracing::info!(
            route = event.route_key.as_deref().unwrap_or(""),
            "denied: no bearer token"
        );
        return response;
    };
    match app.verify_access_token(token).await {
        Ok(claims) => {
            response.is_authorized = true;
            response.context = json!({
                "userId": claims.sub,
                "role": claims.role,
                // API Gateway context values must not be null.
                "organizationId": claims.org.unwrap_or_default(),
                "permissions": claims.permissions,
            });
        }
        Err(err) => {
            tracing::info!(route = event.route_key.as_deref().unwrap_or(""), reason = %err, "denied");
        }
    }
    response
}

/// The token from the identity source: the `Authorization` header (in
/// `identitySource`, else in the headers).
fn bearer(event: &ApiGatewayV2CustomAuthorizerV2Request) -> Option<&str> {
    let value = event
        .headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .or_else(|| event.identity_source.as_ref()?.first().map(String::as_str))?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}
