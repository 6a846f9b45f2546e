//! Helpers for tests that run handlers against the real local stack
//! (`make test` exports its settings). A crate of its own, used only as a
//! dev-dependency: a `testing` feature on `shared` would give test builds a
//! second feature set of `shared`, so every function binary would be built
//! twice (once for `cargo test`, once for `cargo build`/`cargo lambda`).

use std::path::{Path, PathBuf};

use lambda_http::Request;
use serde_json::Value;

use shared::{
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

/// An `App` reading its own copy of one of the stack's secrets, changed by
/// `edit`, so a test can configure (say) a provider key without touching
/// the secret other tests read.
pub async fn app_with_secret(
    kind: shared::config::SecretKind,
    edit: impl FnOnce(&mut Value),
) -> App {
    let stack = stack_app();
    let sm = stack.secrets_manager().await;
    let current = sm
        .get_secret_value()
        .secret_id(stack.config.secret_id_of(kind).expect("the secret's id"))
        .send()
        .await
        .expect("the stack secret is readable");
    let mut value: Value =
        serde_json::from_str(current.secret_string().unwrap_or("{}")).expect("a JSON secret");
    edit(&mut value);
    let name = unique("avaone/test/secret-");
    sm.create_secret()
        .name(&name)
        .secret_string(value.to_string())
        .send()
        .await
        .expect("create test secret");
    let mut config = stack_config();
    config.set(kind.setting(), Some(&name));
    App::new(config)
}

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("test-support/ has a parent")
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
pub fn as_principal(mut event: Value, principal: &shared::http::Principal) -> Value {
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
    role: shared::http::Role,
    org: Option<&str>,
    user_id: &str,
) -> shared::http::Principal {
    shared::http::Principal {
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
    let (status, _, body) = call_with_headers(service, app, handler, event).await;
    (status, body)
}

/// [`call`], also returning the response headers (`ETag`, `Retry-After`, ...).
pub async fn call_with_headers<'a, F, Fut>(
    service: &str,
    app: &'a App,
    handler: F,
    event: &Value,
) -> (u16, lambda_http::http::HeaderMap, Value)
where
    F: FnOnce(&'a App, Request) -> Fut,
    Fut: Future<Output = Result<Reply, ApiError>>,
{
    let resp = dispatch(service, request(event), |req| handler(app, req)).await;
    let status = resp.status().as_u16();
    let body = serde_json::from_slice(resp.body().as_ref()).unwrap_or(Value::Null);
    (status, resp.headers().clone(), body)
}

/// An access token of a fresh session of `user_id` in `account` (what a
/// login starts), for tests of what ends sessions.
pub async fn signed_in(
    app: &App,
    account: &str,
    user_id: &str,
    role: shared::http::Role,
) -> String {
    let who = principal(role, Some(account), user_id);
    let session = app
        .start_session(
            &who,
            shared::identity::sessions::AccountKind::WorkspaceUser,
            "",
        )
        .await
        .expect("a session starts");
    app.issue_access_token(&who, &session.id)
        .await
        .expect("a token is signed")
        .0
}

/// Waits, when needed, so that the next `needed` of the test fall inside
/// one fixed window of `limit` (the rate limiter's windows start at
/// multiples of its length): a test that counts hits up to a limit must
/// not see the counter reset half-way.
pub async fn within_one_window(limit: shared::rate_limit::Limit, needed: std::time::Duration) {
    let window = limit.window.as_secs().max(1);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("a clock after 1970");
    let into = now.as_secs() % window;
    let left = window - into;
    if needed.as_secs() + 1 >= left {
        assert!(
            left <= 120,
            "a {window} s window ends in {left} s, too long to wait for"
        );
        tokio::time::sleep(std::time::Duration::from_secs(left + 1)).await;
    }
}

/// A body shaped exactly as a browser's `FormData`: one text field, then
/// the file in the `file` field.
pub fn form_data(boundary: &str, filename: &str, content_type: &str, file: &[u8]) -> Vec<u8> {
    let mut b = Vec::new();
    b.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"alt\"\r\n\r\nBanner\r\n")
            .as_bytes(),
    );
    b.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\nContent-Type: {content_type}\r\n\r\n").as_bytes(),
    );
    b.extend_from_slice(file);
    b.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    b
}

/// A random token for unique test data (account ids, IPs).
pub fn unique(prefix: &str) -> String {
    format!(
        "{prefix}{}",
        shared::identity::random_id(6)
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

/// GET over plain HTTP/1.1 on loopback (presigned URLs and the emulator's
/// inspection API point at the local stack). Returns status and body.
pub fn http_get(url: &str) -> (u16, Vec<u8>) {
    use std::io::{Read, Write};
    let rest = url.strip_prefix("http://").expect("a local http:// URL");
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let mut stream = std::net::TcpStream::connect(host).expect("the local stack is reachable");
    write!(
        stream,
        "GET /{path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("an HTTP response");
    let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = raw[split + 4..].to_vec();
    if head.contains("transfer-encoding: chunked") {
        return (status, dechunk(&body));
    }
    (status, body)
}

/// POST `body` as `content_type` over plain HTTP/1.1 on loopback (the
/// local fakes' APIs). Returns status and body.
pub fn http_post(url: &str, content_type: &str, body: &[u8]) -> (u16, Vec<u8>) {
    http_post_with(url, content_type, "", body)
}

/// [`http_post`] with extra header lines (`"Name: value\r\n"` each).
pub fn http_post_with(url: &str, content_type: &str, headers: &str, body: &[u8]) -> (u16, Vec<u8>) {
    use std::io::{Read, Write};
    let rest = url.strip_prefix("http://").expect("a local http:// URL");
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let mut stream = std::net::TcpStream::connect(host).expect("the local fake is reachable");
    write!(
        stream,
        "POST /{path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Type: {content_type}\r\n{headers}Content-Length: {}\r\n\r\n",
        body.len()
    )
    .unwrap();
    stream.write_all(body).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("an HTTP response");
    let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = raw[split + 4..].to_vec();
    if head.contains("transfer-encoding: chunked") {
        return (status, dechunk(&body));
    }
    (status, body)
}

/// The payment provider played by `scripts/fake-payments.py` (Stripe's wire
/// format) on a free loopback port, with the local stack's keys; it records
/// its events without delivering them, so a test hands them to the webhook
/// itself. Stopped by its pid when dropped.
pub struct FakePayments {
    child: std::process::Child,
    pub base: String,
}

impl FakePayments {
    pub async fn start() -> Self {
        let port = free_port();
        let child = std::process::Command::new(repo_root().join(".venv/bin/python"))
            .arg(repo_root().join("scripts/fake-payments.py"))
            .arg(port.to_string())
            .env("FAKE_PAYMENTS_SECRET_KEY", "sk_test_local")
            .env("FAKE_PAYMENTS_WEBHOOK_SECRET", "whsec_local")
            .env_remove("FAKE_PAYMENTS_WEBHOOK_URL")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("python from .venv (make setup)");
        let fake = FakePayments {
            child,
            base: format!("http://127.0.0.1:{port}"),
        };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                std::time::Instant::now() < deadline,
                "fake-payments did not start"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        fake
    }

    /// POST a form (`a=b&c=d`) to the fake with the secret key, as the API
    /// does: status and JSON body.
    pub fn post(&self, path: &str, form: &str) -> (u16, Value) {
        let (status, body) = http_post_with(
            &format!("{}{path}", self.base),
            "application/x-www-form-urlencoded",
            "Authorization: Bearer sk_test_local\r\n",
            form.as_bytes(),
        );
        (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
    }

    /// POST JSON to one of the fake's `/_fake/` controls.
    pub fn control(&self, path: &str, body: &Value) -> (u16, Value) {
        let (status, body) = http_post(
            &format!("{}{path}", self.base),
            "application/json",
            body.to_string().as_bytes(),
        );
        (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
    }

    /// GET from the fake: status and JSON body.
    pub fn get(&self, path: &str) -> (u16, Value) {
        let (status, body) = http_get(&format!("{}{path}", self.base));
        (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
    }
}

impl Drop for FakePayments {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn dechunk(mut body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(line_end) = body.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(
            std::str::from_utf8(&body[..line_end]).unwrap_or("0").trim(),
            16,
        )
        .unwrap_or(0);
        if size == 0 {
            break;
        }
        out.extend_from_slice(&body[line_end + 2..line_end + 2 + size]);
        body = &body[line_end + 4 + size..];
    }
    out
}

/// Every mail the SES emulator (moto) accepted: `{source, destinations, subject, body}`.
pub fn sent_mail() -> Vec<Value> {
    let endpoint =
        std::env::var("AWS_ENDPOINT_URL").expect("AWS_ENDPOINT_URL (run with `make test`)");
    let (status, body) = http_get(&format!("{endpoint}/moto-api/data.json"));
    assert_eq!(status, 200, "moto inspection API");
    let data: Value = serde_json::from_slice(&body).expect("moto data.json");
    data["ses"]["Message"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// A real 1×1 PNG, for upload tests.
pub const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0xDA, 0x63, 0xFC, 0xCF, 0xC0, 0x50,
    0x0F, 0x00, 0x04, 0x85, 0x01, 0x80, 0x84, 0xA9, 0x8C, 0x21, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
];

/// A TCP port free on 127.0.0.1 right now: for a server a test starts, or,
/// left unused, as a dependency that refuses every connection.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind(("127.0.0.1", 0))
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port()
}

/// A moto server owned by one test (DynamoDB, S3, SES, Secrets Manager on one
/// port), for fault tests: [`OwnMoto::pause`] stops the process (SIGSTOP:
/// connections are accepted by the kernel and then hang, as with a dead or
/// overloaded dependency) and [`OwnMoto::resume`] lets it go on with
/// everything it stored. Stopped by its pid when dropped.
pub struct OwnMoto {
    child: std::process::Child,
    pub endpoint: String,
}

impl OwnMoto {
    /// Starts moto on a free loopback port with the stack's table and a copy
    /// of the stack's secret (same names, so the stack's `Config` fits).
    pub async fn start() -> Self {
        let port = free_port();
        let child = std::process::Command::new(repo_root().join(".venv/bin/moto_server"))
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("moto_server from .venv (make setup)");
        let moto = OwnMoto {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
        };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                std::time::Instant::now() < deadline,
                "moto did not start on {port}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        moto.provision().await;
        moto
    }

    async fn provision(&self) {
        use aws_sdk_dynamodb::types::{
            AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
        };
        let stack = stack_app();
        let own = self.app(stack_config()).await;
        // Every secret the stack names (`SECRET_ID`, `<KIND>_SECRET_ID`).
        let ids = std::env::vars()
            .filter(|(name, _)| name == "SECRET_ID" || name.ends_with("_SECRET_ID"))
            .map(|(_, id)| id);
        for id in ids {
            let secret = stack
                .secrets_manager()
                .await
                .get_secret_value()
                .secret_id(&id)
                .send()
                .await
                .expect("the stack secret is readable");
            own.secrets_manager()
                .await
                .create_secret()
                .name(&id)
                .secret_string(secret.secret_string().unwrap())
                .send()
                .await
                .expect("copy the secret");
        }
        let attribute = |name: &str| {
            AttributeDefinition::builder()
                .attribute_name(name)
                .attribute_type(ScalarAttributeType::S)
                .build()
                .unwrap()
        };
        let key = |name: &str, kind| {
            KeySchemaElement::builder()
                .attribute_name(name)
                .key_type(kind)
                .build()
                .unwrap()
        };
        own.dynamodb()
            .await
            .create_table()
            .table_name(stack.config.table_name().unwrap())
            .attribute_definitions(attribute("pk"))
            .attribute_definitions(attribute("sk"))
            .key_schema(key("pk", KeyType::Hash))
            .key_schema(key("sk", KeyType::Range))
            .billing_mode(BillingMode::PayPerRequest)
            .send()
            .await
            .expect("create the table");
    }

    /// A fresh `App` with `config`, whose AWS calls all go to this moto.
    pub async fn app(&self, config: Config) -> App {
        App::with_aws_endpoint(config, &self.endpoint).await
    }

    fn signal(&self, signal: &str) -> bool {
        std::process::Command::new("kill")
            .args([signal, &self.child.id().to_string()])
            .status()
            .is_ok_and(|s| s.success())
    }

    /// SIGSTOP: every call to it now hangs until the caller's timeout.
    pub fn pause(&self) {
        assert!(self.signal("-STOP"), "could not stop moto");
    }

    /// SIGCONT: it answers again, with all it stored before.
    pub fn resume(&self) {
        assert!(self.signal("-CONT"), "could not resume moto");
    }
}

impl Drop for OwnMoto {
    fn drop(&mut self) {
        self.signal("-CONT");
        self.child.kill().ok();
        self.child.wait().ok();
    }
}
