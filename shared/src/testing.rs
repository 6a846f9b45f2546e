//! Helpers for tests that run handlers against the real local stack
//! (`make test` exports its settings). Enabled by the `testing` feature,
//! which only dev-dependencies turn on.

use std::path::{Path, PathBuf};

use lambda_http::Request;
use serde_json::Value;

use crate::{
    App, Config,
    http::{ApiError, Reply, dispatch},
};

/// The stack's configuration, or a panic that says how to get one.
pub fn stack_config() -> Config {
    Config::from_env()
        .expect("the local stack's settings are missing: run these tests with `make test`")
}

/// A fresh `App` on the stack (its own clients and caches, like a new
/// execution environment).
pub fn stack_app() -> App {
    App::new(stack_config())
}

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("shared/ has a parent")
        .to_path_buf()
}

/// `events/<domain>/<name>.json` as JSON, for tests to adjust.
pub fn event(domain: &str, name: &str) -> Value {
    let path = repo_root()
        .join("events")
        .join(domain)
        .join(format!("{name}.json"));
    serde_json::from_str(
        &std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
    )
    .expect("events are JSON")
}

/// An API Gateway v2 event with `body` (serialized) and the client IP set.
pub fn with_body(mut event: Value, body: &Value, source_ip: &str) -> Value {
    event["body"] = Value::String(body.to_string());
    event["requestContext"]["http"]["sourceIp"] = Value::String(source_ip.to_owned());
    event
}

/// Sets (or, with `None`, removes) the `authorization` header and drops any
/// authorizer context, as `cargo lambda watch` delivers requests.
pub fn with_bearer(mut event: Value, token: Option<&str>) -> Value {
    match token {
        Some(t) => event["headers"]["authorization"] = Value::String(format!("Bearer {t}")),
        None => {
            event["headers"]
                .as_object_mut()
                .map(|h| h.remove("authorization"));
        }
    }
    event["requestContext"]
        .as_object_mut()
        .map(|c| c.remove("authorizer"));
    event
}

/// Sets the query string (lambda_http reads `rawQueryString`; the parsed
/// map is set too, as API Gateway sends both). Values must be URL-safe.
pub fn with_query(mut event: Value, pairs: &[(&str, &str)]) -> Value {
    event["rawQueryString"] = Value::String(
        pairs
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("&"),
    );
    event["queryStringParameters"] = Value::Object(
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), Value::String(v.to_string())))
            .collect(),
    );
    event
}

/// The event as API Gateway delivers it after the authorizer allowed
/// `principal` (authorizer context set; the bearer header is left as is).
pub fn as_principal(mut event: Value, principal: &crate::http::Principal) -> Value {
    event["requestContext"]["authorizer"] = serde_json::json!({"lambda": {
        "userId": principal.user_id,
        "role": principal.role,
        "organizationId": principal.organization_id.clone().unwrap_or_default(),
        "permissions": principal.permissions,
    }});
    event
}

/// A principal for tests.
pub fn principal(
    role: crate::http::Role,
    org: Option<&str>,
    user_id: &str,
) -> crate::http::Principal {
    crate::http::Principal {
        user_id: user_id.to_owned(),
        role,
        organization_id: org.map(str::to_owned),
        permissions: vec![],
    }
}

pub fn request(event: &Value) -> Request {
    lambda_http::request::from_str(&event.to_string()).expect("a valid API Gateway v2 event")
}

/// Runs `handler` on `event` the way the runtime would; returns status and body.
pub async fn call<'a, F, Fut>(
    service: &str,
    app: &'a App,
    handler: F,
    event: &Value,
) -> (u16, Value)
where
    F: FnOnce(&'a App, Request) -> Fut,
    Fut: Future<Output = Result<Reply, ApiError>>,
{
    let resp = dispatch(service, request(event), |req| handler(app, req)).await;
    let status = resp.status().as_u16();
    let body = serde_json::from_slice(resp.body().as_ref()).unwrap_or(Value::Null);
    (status, body)
}

/// A random token for unique test data (account ids, IPs).
pub fn unique(prefix: &str) -> String {
    format!(
        "{prefix}{}",
        crate::identity::random_id(6)
            .to_lowercase()
            .replace(['-', '_'], "x")
    )
}

/// A random TEST-NET-2 address, so each test has its own IP rate-limit counter.
pub fn unique_ip() -> String {
    let mut b = [0u8; 2];
    getrandom::fill(&mut b).expect("random");
    format!("198.51.{}.{}", b[0], b[1])
}
