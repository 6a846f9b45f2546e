//! Speech routes, through Gemini. Without `geminiApiKey` in the secret they
//! answer 503 DEPENDENCY_UNAVAILABLE saying which setting enables them.
//!
//! - speech-to-text `{audioData, mimeType?}`: base64 audio (WAV, MP3, OGG,
//!   WebM, FLAC — recognised by its bytes; a declared `mimeType` must agree),
//!   at most 3 MiB decoded → `{text}`.
//! - text-to-speech `{text, voice?}`: 1-3000 characters → `{audioData,
//!   mimeType}` (Gemini returns 24 kHz 16-bit PCM).

use base64::{Engine, engine::general_purpose::STANDARD};
use lambda_http::http::StatusCode;
use serde::Deserialize;
use serde_json::json;
use shared::{
    App,
    http::{ApiError, ErrorCode, Reply, Request, Validate, Violations, parse_json_with_limit},
};

use crate::gemini::Gemini;

pub const MAX_AUDIO_BYTES: usize = 3 * 1024 * 1024;
pub const VOICES: [&str; 6] = ["Kore", "Puck", "Charon", "Fenrir", "Aoede", "Leda"];

/// Audio formats by signature.
pub fn sniff_audio(bytes: &[u8]) -> Option<&'static str> {
    if bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WAVE" {
        Some("audio/wav")
    } else if bytes.starts_with(b"ID3")
        || (bytes.len() >= 2 && bytes[0] == 0xFF && bytes[1] & 0xE0 == 0xE0)
    {
        Some("audio/mpeg")
    } else if bytes.starts_with(b"OggS") {
        Some("audio/ogg")
    } else if bytes.starts_with(&[0x1A, 0x45, 0xDF, 0xA3]) {
        Some("audio/webm")
    } else if bytes.starts_with(b"fLaC") {
        Some("audio/flac")
    } else {
        None
    }
}

fn not_configured(what: &str) -> ApiError {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        ErrorCode::DependencyUnavailable,
        format!(
            "{what} is not enabled: set `geminiApiKey` in the configuration secret to turn it on."
        ),
    )
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SpeechToText {
    pub audio_data: String,
    #[serde(default)]
    pub mime_type: Option<String>,
}

impl Validate for SpeechToText {
    fn validate(&self, v: &mut Violations) {
        v.check(
            !self.audio_data.is_empty(),
            "audioData",
            "is required (base64 audio)",
        );
    }
}

pub async fn speech_to_text(app: &App, req: Request) -> Result<Reply, ApiError> {
    app.principal(&req).await?;
    // base64 grows data by 4/3; leave room for the JSON around it.
    let body: SpeechToText = parse_json_with_limit(&req, MAX_AUDIO_BYTES * 4 / 3 + 4096)?;
    let data = body
        .audio_data
        .split_once("base64,")
        .map_or(body.audio_data.as_str(), |(_, d)| d)
        .trim();
    let audio = STANDARD
        .decode(data)
        .map_err(|_| ApiError::validation("audioData", "is not valid base64"))?;
    if audio.len() > MAX_AUDIO_BYTES {
        return Err(ApiError::payload_too_large(MAX_AUDIO_BYTES));
    }
    let detected = sniff_audio(&audio).ok_or_else(|| {
        ApiError::unsupported_media_type("audioData is not WAV, MP3, OGG, WebM or FLAC audio.")
    })?;
    if let Some(declared) = &body.mime_type {
        let declared = declared.split(';').next().unwrap_or_default().trim();
        let agrees = declared == detected
            || (detected == "audio/wav" && declared == "audio/x-wav")
            || (detected == "audio/mpeg" && declared == "audio/mp3");
        if !agrees {
            return Err(ApiError::validation(
                "mimeType",
                format!("says {declared} but the audio is {detected}"),
            ));
        }
    }
    let gemini = Gemini::configured(app)
        .await?
        .ok_or_else(|| not_configured("Speech-to-text"))?;
    let text = gemini.transcribe(detected, data).await?;
    Reply::ok(json!({"text": text, "mimeType": detected}))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TextToSpeech {
    pub text: String,
    #[serde(default)]
    pub voice: Option<String>,
}

impl Validate for TextToSpeech {
    fn validate(&self, v: &mut Violations) {
        v.text("text", &self.text, 3000);
        if let Some(voice) = &self.voice {
            v.check(
                VOICES.contains(&voice.as_str()),
                "voice",
                "must be one of Kore, Puck, Charon, Fenrir, Aoede, Leda",
            );
        }
    }
}

pub async fn text_to_speech(app: &App, req: Request) -> Result<Reply, ApiError> {
    app.principal(&req).await?;
    let body: TextToSpeech = parse_json_with_limit(&req, 16 * 1024)?;
    let gemini = Gemini::configured(app)
        .await?
        .ok_or_else(|| not_configured("Text-to-speech"))?;
    let (audio, mime) = gemini
        .speak(body.text.trim(), body.voice.as_deref().unwrap_or("Kore"))
        .await?;
    Reply::ok(json!({"audioData": audio, "mimeType": mime}))
}
