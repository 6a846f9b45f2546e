//! The voice routes against the real stack, with Gemini played by a local
//! HTTP server that speaks Gemini's REST format (request shape checked,
//! responses as Google sends them).

use std::sync::{Arc, Mutex};

use base64::{Engine, engine::general_purpose::STANDARD};
use serde_json::{Value, json};
use shared::{App, http::Role};
use test_support::{app_with_secret, as_principal, call, event, principal, stack_app, unique};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpListener,
};

/// Requests the fake received: (path, x-goog-api-key, JSON body).
type Seen = Arc<Mutex<Vec<(String, Option<String>, Value)>>>;

/// What the fake answers, and what it saw.
#[derive(Clone)]
struct FakeGemini {
    base_url: String,
    seen: Seen,
}

/// Starts a fake Gemini that answers every request with `status` and `body`.
async fn fake_gemini(status: u16, body: Value) -> FakeGemini {
    fake_gemini_with(status, body, String::new()).await
}

/// [`fake_gemini`] with extra header lines (each ending in `\r\n`).
async fn fake_gemini_with(status: u16, body: Value, extra_headers: String) -> FakeGemini {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base_url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let mut raw = Vec::new();
            let mut buf = [0u8; 8192];
            // Read headers, then Content-Length bytes of body.
            let (head, body_start) = loop {
                let n = socket.read(&mut buf).await.unwrap();
                raw.extend_from_slice(&buf[..n]);
                if let Some(p) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
                    break (String::from_utf8_lossy(&raw[..p]).to_string(), p + 4);
                }
            };
            let length: usize = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse().unwrap())
                })
                .unwrap_or(0);
            while raw.len() < body_start + length {
                let n = socket.read(&mut buf).await.unwrap();
                raw.extend_from_slice(&buf[..n]);
            }
            let path = head
                .split_whitespace()
                .nth(1)
                .unwrap_or_default()
                .to_owned();
            let key = head.lines().find_map(|l| {
                l.to_ascii_lowercase()
                    .strip_prefix("x-goog-api-key:")
                    .map(|v| v.trim().to_owned())
            });
            let request: Value = serde_json::from_slice(&raw[body_start..body_start + length])
                .unwrap_or(Value::Null);
            log.lock().unwrap().push((path, key, request));
            let text = body.to_string();
            let reply = format!(
                "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\n{extra_headers}content-length: {}\r\nconnection: close\r\n\r\n{text}",
                text.len()
            );
            socket.write_all(reply.as_bytes()).await.unwrap();
        }
    });
    FakeGemini { base_url, seen }
}

/// A Gemini generateContent response carrying `text`.
fn candidate_text(text: &str) -> Value {
    json!({"candidates": [{"content": {"parts": [{"text": text}], "role": "model"}, "finishReason": "STOP", "index": 0}],
           "usageMetadata": {"promptTokenCount": 120, "candidatesTokenCount": 18, "totalTokenCount": 138}, "modelVersion": "gemini-2.5-flash"})
}

/// An App whose secret has a Gemini key and whose Gemini is `base_url`.
async fn app_with_gemini(base_url: &str) -> App {
    let app = app_with_secret(voice::gemini::SECRET, |secret| {
        secret["geminiApiKey"] = json!("test-gemini-key-0123456789")
    })
    .await;
    let mut config = app.config.clone();
    config.set("GEMINI_BASE_URL", Some(base_url));
    config.set("PROVIDER_TIMEOUT_MS", Some("1500"));
    App::new(config)
}

fn agent_event(role: Role, message: &str, path: &str) -> Value {
    let mut ev = as_principal(
        event("voice", "voice-agent"),
        &principal(role.clone(), Some("acme"), &unique("u-")),
    );
    if role == Role::SUPER_ADMIN {
        ev = as_principal(
            event("voice", "voice-agent"),
            &principal(role, None, "super-admin"),
        );
    }
    ev["body"] = Value::String(json!({"message": message, "currentPath": path}).to_string());
    ev
}

#[tokio::test]
async fn without_a_key_the_agent_uses_the_intent_engine() {
    let app = stack_app();
    let (status, resp) = call(
        voice::SERVICE,
        &app,
        voice::agent::handle,
        &agent_event(Role::EMPLOYEE, "Open analytics", "/dashboard"),
    )
    .await;
    assert_eq!(status, 200, "{resp}");
    assert_eq!(resp["data"]["provider"], "rules");
    assert_eq!(
        resp["data"]["action"],
        json!({"type": "navigate", "path": "/analytics"})
    );
    let mut ev = agent_event(Role::EMPLOYEE, "", "dashboard");
    ev["body"] = Value::String(json!({"message": "", "currentPath": "dashboard"}).to_string());
    let (status, resp) = call(voice::SERVICE, &app, voice::agent::handle, &ev).await;
    assert_eq!(status, 400);
    let fields: Vec<&str> = resp["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["message", "currentPath"]);
}

#[tokio::test]
async fn gemini_answers_in_its_format_and_navigation_is_still_role_checked() {
    let fake = fake_gemini(
        200,
        candidate_text(r#"{"reply": "Opening the analytics page.", "navigate": "/analytics"}"#),
    )
    .await;
    let app = app_with_gemini(&fake.base_url).await;
    let (status, resp) = call(
        voice::SERVICE,
        &app,
        voice::agent::handle,
        &agent_event(Role::EMPLOYEE, "numbers please", "/dashboard"),
    )
    .await;
    assert_eq!(status, 200, "{resp}");
    assert_eq!(resp["data"]["provider"], "gemini");
    assert_eq!(resp["data"]["reply"], "Opening the analytics page.");
    assert_eq!(resp["data"]["action"]["path"], "/analytics");
    {
        let seen = fake.seen.lock().unwrap();
        let (path, key, request) = &seen[0];
        assert_eq!(path, "/v1beta/models/gemini-2.5-flash:generateContent");
        assert_eq!(key.as_deref(), Some("test-gemini-key-0123456789"));
        assert_eq!(request["contents"][0]["role"], "user");
        assert!(
            request["contents"][0]["parts"][0]["text"]
                .as_str()
                .unwrap()
                .contains("numbers please")
        );
        assert_eq!(
            request["generationConfig"]["responseMimeType"],
            "application/json"
        );
        let system = request["systemInstruction"]["parts"][0]["text"]
            .as_str()
            .unwrap();
        assert!(
            !system.contains("/organizations"),
            "the prompt offers only pages the role may open"
        );
    }

    // The model proposes a page the role may not open: no action.
    let fake = fake_gemini(
        200,
        candidate_text(r#"{"reply": "Sure.", "navigate": "/organizations"}"#),
    )
    .await;
    let app = app_with_gemini(&fake.base_url).await;
    let (_, resp) = call(
        voice::SERVICE,
        &app,
        voice::agent::handle,
        &agent_event(Role::EMPLOYEE, "open orgs", "/dashboard"),
    )
    .await;
    assert_eq!(resp["data"]["action"], json!({"type": "none"}));
}

#[tokio::test]
async fn the_api_key_never_follows_a_redirect() {
    let elsewhere = fake_gemini(200, candidate_text("Hello!")).await;
    let redirecting = fake_gemini_with(
        307,
        json!({}),
        format!("location: {}/collect\r\n", elsewhere.base_url),
    )
    .await;
    let app = app_with_gemini(&redirecting.base_url).await;
    let (status, resp) = call(
        voice::SERVICE,
        &app,
        voice::agent::handle,
        &agent_event(Role::USER, "hi", "/dashboard"),
    )
    .await;
    assert_eq!(status, 502, "a redirect is a provider failure: {resp}");
    assert_eq!(redirecting.seen.lock().unwrap().len(), 1);
    assert!(
        elsewhere.seen.lock().unwrap().is_empty(),
        "the request (and its x-goog-api-key) went to the redirect target"
    );
}

#[tokio::test]
async fn provider_failures_are_502_or_503_never_500() {
    let fake = fake_gemini(429, json!({"error": {"code": 429, "message": "Resource has been exhausted (e.g. check quota).", "status": "RESOURCE_EXHAUSTED"}})).await;
    let app = app_with_gemini(&fake.base_url).await;
    let (status, resp) = call(
        voice::SERVICE,
        &app,
        voice::agent::handle,
        &agent_event(Role::USER, "hi", "/dashboard"),
    )
    .await;
    assert_eq!(
        (status, resp["code"].as_str()),
        (502, Some("DEPENDENCY_UNAVAILABLE")),
        "{resp}"
    );
    assert!(
        !resp.to_string().contains("quota"),
        "provider details stay in the log"
    );

    let fake = fake_gemini(
        200,
        json!({"candidates": [{"finishReason": "SAFETY", "index": 0}]}),
    )
    .await;
    let app = app_with_gemini(&fake.base_url).await;
    assert_eq!(
        call(
            voice::SERVICE,
            &app,
            voice::agent::handle,
            &agent_event(Role::USER, "hi", "/dashboard")
        )
        .await
        .0,
        502
    );

    let closed = test_support::free_port();
    let app = app_with_gemini(&format!("http://127.0.0.1:{closed}")).await;
    let (status, resp) = call(
        voice::SERVICE,
        &app,
        voice::agent::handle,
        &agent_event(Role::USER, "hi", "/dashboard"),
    )
    .await;
    assert_eq!(
        (status, resp["code"].as_str()),
        (503, Some("DEPENDENCY_UNAVAILABLE")),
        "{resp}"
    );
}

const WAV: &[u8] = b"RIFF$\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00\x80>\x00\x00\x00}\x00\x00\x02\x00\x10\x00data\x00\x00\x00\x00";

// Each event is a new user: every Gemini call counts against its caller's
// quota, and these tests must not spend one shared user's.
fn stt_event(body: Value) -> Value {
    let mut ev = as_principal(
        event("voice", "speech-to-text"),
        &principal(Role::USER, Some("acme"), &unique("u-")),
    );
    ev["body"] = Value::String(body.to_string());
    ev
}

fn tts_event(body: Value) -> Value {
    let mut ev = as_principal(
        event("voice", "text-to-speech"),
        &principal(Role::USER, Some("acme"), &unique("u-")),
    );
    ev["body"] = Value::String(body.to_string());
    ev
}

#[tokio::test]
async fn speech_without_a_provider_is_503_naming_the_setting() {
    let app = stack_app();
    let (status, resp) = call(
        voice::SERVICE,
        &app,
        voice::speech::speech_to_text,
        &stt_event(json!({"audioData": STANDARD.encode(WAV)})),
    )
    .await;
    assert_eq!(
        (status, resp["code"].as_str()),
        (503, Some("DEPENDENCY_UNAVAILABLE"))
    );
    assert!(
        resp["error"].as_str().unwrap().contains("geminiApiKey"),
        "{resp}"
    );
    let (status, resp) = call(
        voice::SERVICE,
        &app,
        voice::speech::text_to_speech,
        &tts_event(json!({"text": "hello"})),
    )
    .await;
    assert_eq!(status, 503);
    assert!(resp["error"].as_str().unwrap().contains("geminiApiKey"));
}

#[tokio::test]
async fn speech_inputs_are_validated_before_any_provider_call() {
    let app = stack_app();
    for (body, status, field) in [
        (
            json!({"audioData": "!!!not base64!!!"}),
            400,
            Some("audioData"),
        ),
        (
            json!({"audioData": STANDARD.encode(b"plain text, not audio")}),
            415,
            None,
        ),
        (
            json!({"audioData": STANDARD.encode(WAV), "mimeType": "audio/ogg"}),
            400,
            Some("mimeType"),
        ),
        (json!({"audioData": ""}), 400, Some("audioData")),
        (json!({"audio": "x"}), 400, Some("audio")),
    ] {
        let (got, resp) = call(
            voice::SERVICE,
            &app,
            voice::speech::speech_to_text,
            &stt_event(body.clone()),
        )
        .await;
        assert_eq!(got, status, "{body} → {resp}");
        if let Some(f) = field {
            assert!(
                resp["details"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|d| d["field"] == f),
                "{resp}"
            );
        }
    }
    let big = STANDARD.encode(vec![0u8; voice::speech::MAX_AUDIO_BYTES + 1]);
    assert_eq!(
        call(
            voice::SERVICE,
            &app,
            voice::speech::speech_to_text,
            &stt_event(json!({"audioData": big}))
        )
        .await
        .0,
        413
    );
    for body in [
        json!({"text": ""}),
        json!({"text": "x".repeat(voice::speech::MAX_SPEECH_CHARS + 1)}),
        json!({"text": "hi", "voice": "Robot"}),
    ] {
        assert_eq!(
            call(
                voice::SERVICE,
                &app,
                voice::speech::text_to_speech,
                &tts_event(body.clone())
            )
            .await
            .0,
            400,
            "{body}"
        );
    }
}

#[tokio::test]
async fn speech_through_gemini() {
    let fake = fake_gemini(200, candidate_text("Open the analytics page")).await;
    let app = app_with_gemini(&fake.base_url).await;
    let (status, resp) = call(
        voice::SERVICE,
        &app,
        voice::speech::speech_to_text,
        &stt_event(json!({"audioData": format!("data:audio/wav;base64,{}", STANDARD.encode(WAV))})),
    )
    .await;
    assert_eq!(status, 200, "{resp}");
    assert_eq!(resp["data"]["text"], "Open the analytics page");
    {
        let seen = fake.seen.lock().unwrap();
        let inline = &seen[0].2["contents"][0]["parts"][1]["inlineData"];
        assert_eq!(inline["mimeType"], "audio/wav");
        assert_eq!(
            STANDARD.decode(inline["data"].as_str().unwrap()).unwrap(),
            WAV
        );
    }

    let pcm = STANDARD.encode([0u8, 1, 2, 3]);
    let fake = fake_gemini(200, json!({"candidates": [{"content": {"parts": [{"inlineData": {"mimeType": "audio/L16;codec=pcm;rate=24000", "data": pcm}}], "role": "model"}, "finishReason": "STOP"}]})).await;
    let app = app_with_gemini(&fake.base_url).await;
    let (status, resp) = call(
        voice::SERVICE,
        &app,
        voice::speech::text_to_speech,
        &tts_event(json!({"text": "Your dashboard is ready.", "voice": "Puck"})),
    )
    .await;
    assert_eq!(status, 200, "{resp}");
    assert_eq!(resp["data"]["audioData"], pcm);
    let seen = fake.seen.lock().unwrap();
    assert_eq!(
        seen[0].0,
        "/v1beta/models/gemini-2.5-flash-preview-tts:generateContent"
    );
    assert_eq!(
        seen[0].2["generationConfig"]["speechConfig"]["voiceConfig"]["prebuiltVoiceConfig"]["voiceName"],
        "Puck"
    );
}

#[tokio::test]
async fn each_user_has_a_quota_of_provider_calls() {
    // Counting up to a limit: stay inside one rate-limit window.
    test_support::within_one_window(
        voice::gemini::PER_USER_PER_MINUTE,
        std::time::Duration::from_secs(15),
    )
    .await;
    let fake = fake_gemini(
        200,
        candidate_text(r#"{"reply": "Hello!", "navigate": null}"#),
    )
    .await;
    let app = app_with_gemini(&fake.base_url).await;
    let spender = principal(Role::USER, Some("acme"), &unique("u-"));
    let ask = |who: &shared::http::Principal| {
        let mut ev = as_principal(event("voice", "voice-agent"), who);
        ev["body"] =
            Value::String(json!({"message": "hi", "currentPath": "/dashboard"}).to_string());
        ev
    };
    let max = voice::gemini::PER_USER_PER_MINUTE.max;
    for _ in 0..max {
        let (status, resp) = call(voice::SERVICE, &app, voice::agent::handle, &ask(&spender)).await;
        assert_eq!(status, 200, "{resp}");
    }
    let (status, resp) = call(voice::SERVICE, &app, voice::agent::handle, &ask(&spender)).await;
    assert_eq!(
        (status, resp["code"].as_str()),
        (429, Some("RATE_LIMITED")),
        "{resp}"
    );
    assert_eq!(
        fake.seen.lock().unwrap().len(),
        max as usize,
        "the refused call never reached Gemini"
    );
    // Someone else is unaffected.
    let other = principal(Role::USER, Some("acme"), &unique("u-"));
    assert_eq!(
        call(voice::SERVICE, &app, voice::agent::handle, &ask(&other))
            .await
            .0,
        200
    );
}

#[tokio::test]
async fn speech_too_long_for_one_response_is_refused_not_sent() {
    // Gemini answers with more audio than a Lambda response can carry.
    let huge = "A".repeat(voice::gemini::MAX_SPEECH_BASE64 + 4);
    let fake = fake_gemini(200, json!({"candidates": [{"content": {"parts": [{"inlineData": {"mimeType": "audio/L16;codec=pcm;rate=24000", "data": huge}}], "role": "model"}, "finishReason": "STOP"}]})).await;
    let app = app_with_gemini(&fake.base_url).await;
    let event = tts_event(json!({"text": "x".repeat(voice::speech::MAX_SPEECH_CHARS)}));
    let resp = shared::http::dispatch(voice::SERVICE, test_support::request(&event), |req| {
        voice::speech::text_to_speech(&app, req)
    })
    .await;
    assert_eq!(resp.status().as_u16(), 502);
    assert!(resp.body().len() < 6 * 1024 * 1024);
}
