//! Voice assistant domain (DESIGN.md §3 `voice` rows).
//!
//! | route | handler | auth |
//! |---|---|---|
//! | POST /voice/agent `{message, currentPath}` | [`agent::handle`] | any |
//! | POST /voice/speech-to-text `{audioData, mimeType?}` | [`speech::speech_to_text`] | any |
//! | POST /voice/text-to-speech `{text, voice?}` | [`speech::text_to_speech`] | any |
//!
//! The agent answers with the built-in intent engine ([`intents`]) unless a
//! Gemini key is configured (`geminiApiKey` in the secret), in which case
//! Gemini writes the reply and proposes the action. Either way, a navigation
//! is only ever to a page of [`pages`] that the caller's role may open.
//! Speech needs the Gemini key; without it those routes answer 503 saying so.

pub mod agent;
pub mod gemini;
pub mod intents;
pub mod openapi;
pub mod pages;
pub mod speech;

pub const SERVICE: &str = "voice-service";
