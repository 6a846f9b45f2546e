//! Google Gemini over its REST API (`POST {base}/v1beta/models/{model}:generateContent`,
//! key in the `x-goog-api-key` header). Calls are bounded by
//! `PROVIDER_TIMEOUT_MS`; an unreachable or slow provider is 503, an error or
//! unusable answer from it is 502, both with code DEPENDENCY_UNAVAILABLE.

use std::{sync::OnceLock, time::Duration};

use lambda_http::http::StatusCode;
use serde_json::{Value, json};
use shared::{
    App, Config,
    config::SecretKind,
    http::{ApiError, ErrorCode, Principal},
    rate_limit::Limit,
};

/// Each user's share of the paid provider, per minute and per day (every
/// voice route that reaches Gemini counts; the built-in intent engine does
/// not). Over either: 429 with `Retry-After`.
pub const PER_USER_PER_MINUTE: Limit = Limit {
    max: 20,
    window: Duration::from_secs(60),
};
pub const PER_USER_PER_DAY: Limit = Limit {
    max: 500,
    window: Duration::from_secs(24 * 3600),
};

/// The largest base64 audio a text-to-speech answer may carry: Lambda's
/// response limit is 6 MB (6,291,456 bytes) for the whole API Gateway
/// response; the rest is room for the envelope.
pub const MAX_SPEECH_BASE64: usize = 6 * 1024 * 1024 - 64 * 1024;

/// Gemini's secret (`geminiApiKey`): only the voice functions may read it.
pub const SECRET: SecretKind = SecretKind::new("GEMINI_SECRET_ID");

/// Where and how Gemini is called.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `GEMINI_BASE_URL` (default Google's endpoint).
    pub base_url: String,
    /// `GEMINI_MODEL` (default gemini-2.5-flash).
    pub model: String,
    /// `GEMINI_TTS_MODEL` (default gemini-2.5-flash-preview-tts).
    pub tts_model: String,
    /// `PROVIDER_TIMEOUT_MS` (default 8000).
    pub timeout: Duration,
}

impl Settings {
    pub fn of(config: &Config) -> Result<Self, ApiError> {
        Ok(Settings {
            base_url: config
                .setting("GEMINI_BASE_URL")
                .unwrap_or_else(|| "https://generativelanguage.googleapis.com".into())
                .trim_end_matches('/')
                .to_owned(),
            model: config
                .setting("GEMINI_MODEL")
                .unwrap_or_else(|| "gemini-2.5-flash".into()),
            tts_model: config
                .setting("GEMINI_TTS_MODEL")
                .unwrap_or_else(|| "gemini-2.5-flash-preview-tts".into()),
            timeout: config.millis("PROVIDER_TIMEOUT_MS", 8000)?,
        })
    }
}

pub struct Gemini {
    settings: Settings,
    key: String,
}

fn unavailable(what: &str) -> ApiError {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        ErrorCode::DependencyUnavailable,
        format!("The AI provider (Gemini) {what}; please retry shortly."),
    )
}

fn bad_gateway(what: String) -> ApiError {
    tracing::warn!(problem = %what, "gemini call failed");
    ApiError::new(
        StatusCode::BAD_GATEWAY,
        ErrorCode::DependencyUnavailable,
        "The AI provider (Gemini) could not answer this request.",
    )
}

fn client(timeout: Duration) -> &'static reqwest::Client {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    CLIENT.get_or_init(|| {
        reqwest::Client::builder()
            // The API key travels in a header; a redirect (to wherever a
            // compromised or misconfigured endpoint points) must not carry
            // it along. Gemini's API never redirects.
            .redirect(reqwest::redirect::Policy::none())
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(2)))
            .build()
            .expect("an HTTP client")
    })
}

impl Gemini {
    /// The provider for one call of `who`, if `geminiApiKey` is configured:
    /// the call is counted against their quota first (429 when spent).
    pub async fn for_user(app: &App, who: &Principal) -> Result<Option<Gemini>, ApiError> {
        let settings = Settings::of(&app.config)?;
        let secret = app.secret_of(SECRET).await?;
        let Some(key) = secret.str("geminiApiKey") else {
            return Ok(None);
        };
        let user = format!(
            "{}#{}",
            who.organization_id.as_deref().unwrap_or("platform"),
            who.user_id
        );
        app.rate_limit(&format!("gemini-minute#{user}"), PER_USER_PER_MINUTE)
            .await?;
        app.rate_limit(&format!("gemini-day#{user}"), PER_USER_PER_DAY)
            .await?;
        Ok(Some(Gemini {
            settings,
            key: key.to_owned(),
        }))
    }

    async fn generate(&self, model: &str, body: Value) -> Result<Value, ApiError> {
        let url = format!(
            "{}/v1beta/models/{model}:generateContent",
            self.settings.base_url
        );
        let response = client(self.settings.timeout)
            .post(url)
            .header("x-goog-api-key", &self.key)
            .json(&body)
            .send()
            .await
            .map_err(|e| {
                tracing::warn!(cause = %e, "gemini unreachable");
                if e.is_timeout() {
                    unavailable("did not answer in time")
                } else {
                    unavailable("is unreachable")
                }
            })?;
        let status = response.status();
        let payload: Value = response
            .json()
            .await
            .map_err(|e| bad_gateway(format!("unreadable body: {e}")))?;
        if !status.is_success() {
            let message = payload["error"]["message"].as_str().unwrap_or("no message");
            return Err(bad_gateway(format!("status {status}: {message}")));
        }
        Ok(payload)
    }

    /// First candidate's parts, or 502 (blocked, empty, malformed).
    fn parts(payload: &Value) -> Result<&Vec<Value>, ApiError> {
        payload["candidates"][0]["content"]["parts"]
            .as_array()
            .ok_or_else(|| {
                let reason = payload["candidates"][0]["finishReason"]
                    .as_str()
                    .or(payload["promptFeedback"]["blockReason"].as_str())
                    .unwrap_or("no candidates");
                bad_gateway(format!("no content ({reason})"))
            })
    }

    fn text(payload: &Value) -> Result<String, ApiError> {
        let text: String = Self::parts(payload)?
            .iter()
            .filter_map(|p| p["text"].as_str())
            .collect();
        if text.trim().is_empty() {
            Err(bad_gateway("empty text".into()))
        } else {
            Ok(text)
        }
    }

    /// A JSON answer to `prompt` under `system` instructions.
    pub async fn json_answer(&self, system: &str, prompt: &str) -> Result<Value, ApiError> {
        let body = json!({
            "systemInstruction": {"parts": [{"text": system}]},
            "contents": [{"role": "user", "parts": [{"text": prompt}]}],
            "generationConfig": {"responseMimeType": "application/json", "temperature": 0.2, "maxOutputTokens": 512},
        });
        let text = Self::text(&self.generate(&self.settings.model, body).await?)?;
        serde_json::from_str(&text).map_err(|_| bad_gateway("answer is not JSON".into()))
    }

    /// Transcribes base64 audio of `mime_type`.
    pub async fn transcribe(
        &self,
        mime_type: &str,
        audio_base64: &str,
    ) -> Result<String, ApiError> {
        let body = json!({
            "contents": [{"role": "user", "parts": [
                {"text": "Transcribe this audio verbatim. Answer with the transcript only."},
                {"inlineData": {"mimeType": mime_type, "data": audio_base64}},
            ]}],
            "generationConfig": {"temperature": 0.0},
        });
        Ok(
            Self::text(&self.generate(&self.settings.model, body).await?)?
                .trim()
                .to_owned(),
        )
    }

    /// Speech for `text` in `voice`: (base64 audio, mime type).
    pub async fn speak(&self, text: &str, voice: &str) -> Result<(String, String), ApiError> {
        let body = json!({
            "contents": [{"role": "user", "parts": [{"text": text}]}],
            "generationConfig": {
                "responseModalities": ["AUDIO"],
                "speechConfig": {"voiceConfig": {"prebuiltVoiceConfig": {"voiceName": voice}}},
            },
        });
        let payload = self.generate(&self.settings.tts_model, body).await?;
        let audio = Self::parts(&payload)?
            .iter()
            .find_map(|p| p.get("inlineData"))
            .ok_or_else(|| bad_gateway("no audio in the answer".into()))?;
        let data = audio["data"]
            .as_str()
            .ok_or_else(|| bad_gateway("audio without data".into()))?;
        // The input bound keeps speech well under this; the check makes
        // "never over Lambda's response limit" hold whatever the model does.
        if data.len() > MAX_SPEECH_BASE64 {
            return Err(bad_gateway(format!(
                "{} bytes of base64 audio, over the {MAX_SPEECH_BASE64} a response can carry",
                data.len()
            )));
        }
        let mime = audio["mimeType"]
            .as_str()
            .unwrap_or("audio/L16;codec=pcm;rate=24000");
        Ok((data.to_owned(), mime.to_owned()))
    }
}
