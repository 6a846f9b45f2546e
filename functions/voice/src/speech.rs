//! Speech routes, through Gemini. Without `geminiApiKey` in the secret they
//! answer 503 DEPENDENCY_UNAVAILABLE saying which setting enables them.
//!
//! - speech-to-text `{audioData, mimeType?}`: base64 audio (WAV, MP3, OGG,
//!   WebM, FLAC — recognised by its bytes; a declared `mimeType` must agree),
//!   at most 3 MiB decoded → `{text}`.
//! - text-to-speech `{text, voice?}`: 1-800 characters → `{audioData,
//!   mimeType}` (Gemini returns 24 kHz 16-bit PCM).

use base64::{Engine, engine::general_purpose::STANDARD};
use lambda_http::http::StatusCode;
use serde::{Deserialize, Serialize};
use shared::{
    App,
    http::{
        ApiError, ErrorCode, Reply, Request, Validate, Violations,
        openapi::{Failure, Success},
        parse_json_with_limit,
    },
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
            "{what} is not enabled: set `geminiApiKey` in the Gemini secret (GEMINI_SECRET_ID) to turn it on."
        ),
    )
}

/// Audio to transcribe.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SpeechToText {
    /// Base64 audio (WAV, MP3, OGG, WebM or FLAC, recognised by its bytes),
    /// at most 3 MiB decoded; a `data:<type>;base64,` prefix is accepted.
    #[schema(min_length = 1)]
    pub audio_data: String,
    /// The declared type (`audio/wav`, `audio/mpeg`, ...); when given it must
    /// agree with the audio's bytes. Parameters after `;` are ignored.
    #[serde(default)]
    #[schema(example = "audio/wav")]
    pub mime_type: Option<String>,
}

/// A transcript.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Transcript {
    /// What was said, verbatim.
    pub text: String,
    /// The audio's type as recognised from its bytes.
    #[schema(example = "audio/wav")]
    pub mime_type: &'static str,
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

/// Transcribe audio (Gemini).
///
/// Any signed-in user. Needs `geminiApiKey` in the Gemini secret (`GEMINI_SECRET_ID`);
/// without it the route answers 503 saying it is not enabled. The audio is
/// checked (base64, size, format) before Gemini is asked.
#[utoipa::path(
    post,
    path = "/voice/speech-to-text",
    operation_id = "speech-to-text",
    tag = "voice",
    request_body = SpeechToText,
    responses(
        (status = 200, description = "The transcript.", body = Success<Transcript>),
        (status = 413, description = "PAYLOAD_TOO_LARGE: the audio is over 3 MiB.", body = Failure),
        (status = 415, description = "UNSUPPORTED_MEDIA_TYPE: the bytes are not WAV, MP3, OGG, WebM or FLAC audio.", body = Failure),
        (status = 502, description = "DEPENDENCY_UNAVAILABLE: Gemini answered with an error or an unusable answer.", body = Failure),
        (status = 503, description = "DEPENDENCY_UNAVAILABLE: speech-to-text is not enabled (no `geminiApiKey` configured), or Gemini is unreachable or did not answer in time.", body = Failure),
    ),
    security(("bearerAuth" = [])),
)]
pub async fn speech_to_text(app: &App, req: Request) -> Result<Reply, ApiError> {
    let principal = app.principal(&req).await?;
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
    let gemini = Gemini::for_user(app, &principal)
        .await?
        .ok_or_else(|| not_configured("Speech-to-text"))?;
    let text = gemini.transcribe(detected, data).await?;
    Reply::ok(Transcript {
        text,
        mime_type: detected,
    })
}

/// The longest text text-to-speech takes. Its speech comes back as 24 kHz
/// 16-bit PCM, 64,000 bytes of base64 a second: at a slow 10 characters a
/// second, 800 characters are 80 s, 5.1 MB, under Lambda's 6 MB response
/// limit. Anything slower is refused by the size check in
/// [`crate::gemini::Gemini::speak`] (502) rather than answered over the limit.
pub const MAX_SPEECH_CHARS: usize = 800;

/// Text to speak.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TextToSpeech {
    /// 1-800 characters (so the speech fits one response, see `MAX_SPEECH_CHARS`).
    #[schema(min_length = 1, max_length = 800, example = "Your dashboard is ready.")]
    pub text: String,
    /// One of Kore (the default), Puck, Charon, Fenrir, Aoede, Leda.
    #[serde(default)]
    #[schema(example = "Kore")]
    pub voice: Option<String>,
}

/// Synthesized speech.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Speech {
    /// Base64 audio.
    #[schema(content_encoding = "base64")]
    pub audio_data: String,
    /// The audio's type as Gemini reports it (24 kHz 16-bit PCM by default).
    #[schema(example = "audio/L16;codec=pcm;rate=24000")]
    pub mime_type: String,
}

impl Validate for TextToSpeech {
    fn validate(&self, v: &mut Violations) {
        v.required("text", &self.text);
        if let Some(voice) = &self.voice {
            v.check(
                VOICES.contains(&voice.as_str()),
                "voice",
                "must be one of Kore, Puck, Charon, Fenrir, Aoede, Leda",
            );
        }
    }
}

/// Synthesize speech (Gemini).
///
/// Any signed-in user. Needs `geminiApiKey` in the Gemini secret (`GEMINI_SECRET_ID`);
/// without it the route answers 503 saying it is not enabled.
#[utoipa::path(
    post,
    path = "/voice/text-to-speech",
    operation_id = "text-to-speech",
    tag = "voice",
    request_body = TextToSpeech,
    responses(
        (status = 200, description = "The speech as base64 audio.", body = Success<Speech>),
        (status = 502, description = "DEPENDENCY_UNAVAILABLE: Gemini answered with an error or without audio.", body = Failure),
        (status = 503, description = "DEPENDENCY_UNAVAILABLE: text-to-speech is not enabled (no `geminiApiKey` configured), or Gemini is unreachable or did not answer in time.", body = Failure),
    ),
    security(("bearerAuth" = [])),
)]
pub async fn text_to_speech(app: &App, req: Request) -> Result<Reply, ApiError> {
    let principal = app.principal(&req).await?;
    let body: TextToSpeech = parse_json_with_limit(&req, 16 * 1024)?;
    let gemini = Gemini::for_user(app, &principal)
        .await?
        .ok_or_else(|| not_configured("Text-to-speech"))?;
    let (audio, mime) = gemini
        .speak(body.text.trim(), body.voice.as_deref().unwrap_or("Kore"))
        .await?;
    Reply::ok(Speech {
        audio_data: audio,
        mime_type: mime,
    })
}
