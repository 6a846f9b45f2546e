//! The API's Lambda authorizer (HTTP API, payload format 2.0, simple
//! responses, no result cache). It authenticates; each function authorizes.
//!
//! A request whose `Authorization: Bearer` token passes every rule of
//! `shared::identity` (EdDSA only, known `kid`, issuer, audience, exp/nbf
//! with leeway, its session live) goes on with `{userId, role,
//! organizationId, permissions}` as context.
//!
//! Every other request goes on too, with `{refusal}` as its only context,
//! and the function answers it with the envelope's 401 (or 503 when the
//! session store could not be asked: fail closed). Why not deny: a denial
//! on an HTTP API is API Gateway's own `403 {"message":"Forbidden"}`, which
//! cannot be reshaped, while clients must see the same 401 `UNAUTHENTICATED`
//! as under `cargo lambda watch`. `shared::http::principal` turns a refusal
//! into that error before any handler logic runs, and never into a principal.
//!
//! The template disables API Gateway's authorizer cache (`ReauthorizeEvery:
//! 0`, no identity source): each request is checked against its session, so
//! a logout takes effect on the very next request, and a request without an
//! `Authorization` header reaches us instead of API Gateway's own 401.
//! An error here would be a 500 from API Gateway, so there is none: every
//! outcome is a response.

use aws_lambda_events::apigw::{
    ApiGatewayV2CustomAuthorizerSimpleResponse, ApiGatewayV2CustomAuthorizerV2Request,
};
use serde_json::{Value, json};
use shared::{
    App,
    http::Refusal,
    telemetry::{self, Business},
};

/// The function's handler: one authorizer request in, its answer out.
pub async fn handle(
    app: &'static App,
    event: lambda_runtime::LambdaEvent<ApiGatewayV2CustomAuthorizerV2Request>,
) -> Result<ApiGatewayV2CustomAuthorizerSimpleResponse, lambda_runtime::Error> {
    Ok(authorize(app, &event.payload).await)
}

pub async fn authorize(
    app: &App,
    event: &ApiGatewayV2CustomAuthorizerV2Request,
) -> ApiGatewayV2CustomAuthorizerSimpleResponse {
    let route = event.route_key.as_deref().unwrap_or("");
    let context = match bearer(event) {
        None => refused(route, Refusal::Missing, "no bearer token"),
        Some(token) => match app.verify_access_token(token).await {
            Ok(claims) => json!({
                "userId": claims.sub,
                "role": claims.role,
                // API Gateway context values must not be null.
                "organizationId": claims.org.unwrap_or_default(),
                "permissions": claims.permissions,
            }),
            Err(err) => refused(route, Refusal::of(&err), &err.to_string()),
        },
    };
    let mut response = ApiGatewayV2CustomAuthorizerSimpleResponse::<Value>::default();
    response.is_authorized = true;
    response.context = context;
    response
}

fn refused(route: &str, refusal: Refusal, why: &str) -> Value {
    tracing::info!(
        route,
        refusal = refusal.as_str(),
        reason = why,
        "unauthenticated"
    );
    if matches!(refusal, Refusal::Unavailable) {
        // Not the caller's fault: keys or sessions did not answer, so every
        // protected route is refusing (AuthorizerAlarm).
        telemetry::count(Business::AuthorizerUnavailable);
    }
    let mut context = serde_json::Map::new();
    context.insert(Refusal::CONTEXT_KEY.into(), refusal.as_str().into());
    Value::Object(context)
}

/// The token of the `Authorization` header (in the headers, else in
/// `identitySource`).
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
