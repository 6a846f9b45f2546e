//! Who is calling. On AWS the Lambda authorizer has already verified the token
//! and put `{userId, role, organizationId, permissions}` in the request
//! context; functions read it from there. When the event has no authorizer
//! context (`cargo lambda watch`, direct invokes), the same extractor verifies
//! the bearer token itself with the [`TokenVerifier`], so behaviour is the same
//! locally and deployed. The authorizer authenticates; handlers authorize.

use std::future::Future;

use lambda_http::{Request, RequestExt, http::header::AUTHORIZATION, request::RequestContext};
use serde_json::Value;

use super::error::ApiError;

mod caller;

pub use caller::{Principal, Role};

/// Why the authorizer passed a request on without a principal.
///
/// The authorizer never refuses a request itself: on API Gateway a refusal
/// is API Gateway's own `403 {"message":"Forbidden"}` (HTTP APIs cannot
/// reshape it), while our clients expect the envelope's 401
/// `UNAUTHENTICATED`, as under `cargo lambda watch`. So it allows the call
/// with `{refusal}` as the only context, and the function answers it here,
/// before any handler logic: such a request never yields a principal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No `Authorization: Bearer` header.
    Missing,
    /// A token that is malformed, forged, expired or whose session ended.
    Invalid,
    /// The session store did not answer: nothing is trusted (fail closed).
    Unavailable,
}

impl Refusal {
    /// The authorizer context key that carries a refusal.
    pub const CONTEXT_KEY: &'static str = "refusal";

    pub fn as_str(self) -> &'static str {
        match self {
            Refusal::Missing => "missing",
            Refusal::Invalid => "invalid",
            Refusal::Unavailable => "unavailable",
        }
    }

    /// Unknown values are read as `Invalid`: never as a principal.
    pub fn parse(value: &str) -> Refusal {
        match value {
            "missing" => Refusal::Missing,
            "unavailable" => Refusal::Unavailable,
            _ => Refusal::Invalid,
        }
    }

    /// The refusal a verification error stands for.
    pub fn of(err: &ApiError) -> Refusal {
        if err.status().is_server_error() {
            Refusal::Unavailable
        } else {
            Refusal::Invalid
        }
    }

    /// The response the function gives: the same as without an authorizer.
    pub fn into_error(self) -> ApiError {
        match self {
            Refusal::Missing => ApiError::unauthenticated(
                "An Authorization header with a Bearer token is required.",
            ),
            Refusal::Invalid => {
                ApiError::unauthenticated("The access token is invalid, expired or revoked.")
            }
            Refusal::Unavailable => ApiError::dependency(
                crate::stores::Dependency::DynamoDb,
                "the authorizer could not check the token's session",
            ),
        }
    }
}

/// Verifies a bearer token when no authorizer ran (the identity crate provides
/// the JWT implementation; verification rules are the authorizer's).
pub trait TokenVerifier: Sync {
    fn verify(&self, token: &str) -> impl Future<Output = Result<Principal, ApiError>> + Send;
}

/// The principal of a request: the authorizer context if present, else the
/// bearer token verified by `verifier`.
pub async fn principal<V: TokenVerifier>(
    req: &Request,
    verifier: &V,
) -> Result<Principal, ApiError> {
    if let Some(principal) = from_authorizer_context(req)? {
        return Ok(principal);
    }
    let token = bearer_token(req)?;
    verifier.verify(token).await
}

/// The token of an `Authorization: Bearer <token>` header, or 401.
pub fn bearer_token(req: &Request) -> Result<&str, ApiError> {
    let header = req.headers().get(AUTHORIZATION).ok_or_else(|| {
        ApiError::unauthenticated("An Authorization header with a Bearer token is required.")
    })?;
    let value = header
        .to_str()
        .map_err(|_| ApiError::unauthenticated("The Authorization header is not valid text."))?;
    match value.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            Ok(token.trim())
        }
        _ => Err(ApiError::unauthenticated(
            "The Authorization header must be `Bearer <access token>`.",
        )),
    }
}

/// The caller's address as API Gateway saw it (`requestContext.http.sourceIp`;
/// never a client header), or `None` outside API Gateway.
pub fn client_ip(req: &Request) -> Option<&str> {
    match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(ctx)) => ctx.http.source_ip.as_deref(),
        _ => None,
    }
}

/// The caller's address for counters, records and logs: [`client_ip`], or
/// `unknown` outside API Gateway.
pub fn client_address(req: &Request) -> String {
    client_ip(req).unwrap_or("unknown").to_owned()
}

/// The Lambda authorizer's context of the request, when it has one (a
/// protected route on API Gateway, or a test that sets it).
pub fn authorizer_context(req: &Request) -> Option<&std::collections::HashMap<String, Value>> {
    let Some(RequestContext::ApiGatewayV2(ctx)) = req.request_context_ref() else {
        return None;
    };
    ctx.authorizer
        .as_ref()
        .map(|a| &a.fields)
        .filter(|f| !f.is_empty())
}

/// Reads the Lambda authorizer's context. `Ok(None)` when there is none; the
/// authorizer's [`Refusal`] as its error. A context that is present but
/// malformed is our fault (the authorizer wrote it), so it is a 500, never a
/// silent anonymous request.
fn from_authorizer_context(req: &Request) -> Result<Option<Principal>, ApiError> {
    let Some(fields) = authorizer_context(req) else {
        return Ok(None);
    };
    let text = |key: &str| {
        fields
            .get(key)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    };
    if let Some(refusal) = fields.get(Refusal::CONTEXT_KEY) {
        return Err(Refusal::parse(refusal.as_str().unwrap_or_default()).into_error());
    }
    let user_id =
        text("userId").ok_or_else(|| ApiError::internal("authorizer context lacks userId"))?;
    // A malformed role is a refused request, never a 500: the role came
    // from a token, and a new product's roles must not break old functions.
    let role = text("role")
        .and_then(Role::parse)
        .ok_or_else(|| Refusal::Invalid.into_error())?;
    // API Gateway context values may arrive as a JSON array or, when an
    // authorizer flattens them, as a comma-separated string.
    let permissions = match fields.get("permissions") {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        Some(Value::String(s)) => s
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    };
    Ok(Some(Principal {
        user_id: user_id.to_owned(),
        role,
        organization_id: text("organizationId").map(str::to_owned),
        permissions,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::ErrorCode;

    /// Accepts exactly one token; stands in for the JWT verifier so these
    /// tests exercise the extractor's dispatch, not cryptography.
    struct OneToken;

    impl TokenVerifier for OneToken {
        async fn verify(&self, token: &str) -> Result<Principal, ApiError> {
            if token == "good-token" {
                Ok(Principal {
                    user_id: "u-from-token".into(),
                    role: Role::USER,
                    organization_id: Some("acme".into()),
                    permissions: vec![],
                })
            } else {
                Err(ApiError::unauthenticated("The access token is invalid."))
            }
        }
    }

    fn event(authorizer: Option<Value>, authorization: Option<&str>) -> Request {
        let mut ctx = serde_json::json!({
            "accountId": "123456789012", "apiId": "api", "domainName": "x", "domainPrefix": "x",
            "http": {"method": "GET", "path": "/api/v1/users/team-members", "protocol": "HTTP/1.1",
                     "sourceIp": "203.0.113.9", "userAgent": "test"},
            "requestId": "req-1", "routeKey": "GET /api/v1/users/team-members", "stage": "$default",
            "time": "26/Nov/2026:10:00:00 +0000", "timeEpoch": 1795687200000i64
        });
        if let Some(a) = authorizer {
            ctx["authorizer"] = serde_json::json!({ "lambda": a });
        }
        let mut headers = serde_json::json!({"accept": "application/json"});
        if let Some(h) = authorization {
            headers["authorization"] = Value::String(h.into());
        }
        let ev = serde_json::json!({
            "version": "2.0", "routeKey": "GET /api/v1/users/team-members",
            "rawPath": "/api/v1/users/team-members", "rawQueryString": "",
            "headers": headers, "requestContext": ctx, "isBase64Encoded": false
        });
        lambda_http::request::from_str(&ev.to_string()).unwrap()
    }

    async fn extract(req: &Request) -> Result<Principal, ApiError> {
        principal(req, &OneToken).await
    }

    #[tokio::test]
    async fn reads_the_authorizer_context() {
        let req = event(
            Some(
                serde_json::json!({"userId": "u1", "role": "admin", "organizationId": "acme",
                                    "permissions": ["users:read", "users:write"]}),
            ),
            // The context wins: the function never re-verifies what the authorizer did.
            Some("Bearer not-checked"),
        );
        let p = extract(&req).await.unwrap();
        assert_eq!(p.user_id, "u1");
        assert_eq!(p.role, Role::ADMIN);
        assert_eq!(p.organization_id.as_deref(), Some("acme"));
        assert_eq!(p.permissions, ["users:read", "users:write"]);
    }

    #[tokio::test]
    async fn reads_flattened_permissions_and_super_admin_without_org() {
        let req = event(
            Some(
                serde_json::json!({"userId": "root", "role": "super_admin", "organizationId": "",
                                    "permissions": "orgs:*, cms:*"}),
            ),
            None,
        );
        let p = extract(&req).await.unwrap();
        assert!(p.is_super_admin());
        assert_eq!(p.organization_id, None);
        assert_eq!(p.permissions, ["orgs:*", "cms:*"]);
    }

    #[tokio::test]
    async fn a_context_without_a_user_is_an_internal_error_not_anonymous() {
        let req = event(Some(serde_json::json!({"role": "admin"})), None);
        let err = extract(&req).await.unwrap_err();
        assert_eq!(err.code(), ErrorCode::Internal);
    }

    #[tokio::test]
    async fn a_role_this_build_does_not_know_is_a_principal_every_check_refuses() {
        // A later product's role (transit's `passenger`) reaches an older
        // function: a principal, refused by the checks, never a 500.
        let req = event(
            Some(serde_json::json!({"userId": "p1", "role": "passenger"})),
            None,
        );
        let p = extract(&req).await.unwrap();
        assert_eq!(p.role.as_str(), "passenger");
        assert!(!p.is_super_admin());
        assert_eq!(p.require_super_admin().unwrap_err().status(), 403);
        assert_eq!(p.require_org_admin("acme").unwrap_err().status(), 403);
        assert_eq!(
            p.require_any_role(&[Role::ADMIN, Role::EMPLOYEE])
                .unwrap_err()
                .status(),
            403
        );
        assert!(
            p.require_any_role(&[Role::parse("passenger").unwrap()])
                .is_ok()
        );
        // A malformed role is no role at all: the request is refused (401).
        for role in ["Owner!", "", "x".repeat(33).as_str(), "9lives"] {
            let req = event(
                Some(serde_json::json!({"userId": "u1", "role": role})),
                None,
            );
            let err = extract(&req).await.unwrap_err();
            assert_eq!(err.status(), 401, "{role:?}");
        }
    }

    #[tokio::test]
    async fn an_authorizer_refusal_is_answered_never_a_principal() {
        for (refusal, status, code) in [
            ("missing", 401, ErrorCode::Unauthenticated),
            ("invalid", 401, ErrorCode::Unauthenticated),
            ("something-new", 401, ErrorCode::Unauthenticated),
            ("unavailable", 503, ErrorCode::DependencyUnavailable),
        ] {
            // Even with a token the fallback would accept, and even next to
            // principal fields: a refusal is final.
            let req = event(
                Some(serde_json::json!({"refusal": refusal, "userId": "u1", "role": "admin"})),
                Some("Bearer good-token"),
            );
            let err = extract(&req).await.unwrap_err();
            assert_eq!(err.status().as_u16(), status, "{refusal}");
            assert_eq!(err.code(), code, "{refusal}");
        }
    }

    #[tokio::test]
    async fn without_context_the_bearer_token_is_verified() {
        let p = extract(&event(None, Some("Bearer good-token")))
            .await
            .unwrap();
        assert_eq!(p.user_id, "u-from-token");
        let p = extract(&event(None, Some("bearer good-token")))
            .await
            .unwrap();
        assert_eq!(p.role, Role::USER);

        for header in [
            None,
            Some("Bearer bad-token"),
            Some("Basic dXNlcjpwYXNz"),
            Some("Bearer "),
            Some("good-token"),
        ] {
            let err = extract(&event(None, header)).await.unwrap_err();
            assert_eq!(err.status().as_u16(), 401, "{header:?}");
            assert_eq!(err.code(), ErrorCode::Unauthenticated);
        }
    }
}
