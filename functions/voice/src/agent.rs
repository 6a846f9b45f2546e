//! POST /voice/agent `{message, currentPath}` → `{reply, action, intent, provider}`.

use serde::{Deserialize, Serialize};
use shared::{
    App,
    http::{
        ApiError, Principal, Reply, Request, Validate, Violations,
        openapi::{Failure, Success},
        parse_json,
    },
};

use crate::{
    gemini::Gemini,
    intents::{self, Action, Answer},
    pages,
};

/// What the user said, and the page they are on.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AgentRequest {
    /// The user's words (transcribed or typed), 1-1000 characters.
    #[schema(min_length = 1, max_length = 1000, example = "open analytics")]
    pub message: String,
    /// The app path the user is on: starts with `/`, no whitespace, at most 200 characters.
    #[schema(max_length = 200, pattern = r"^/\S*$", example = "/dashboard")]
    pub current_path: String,
}

/// The assistant's answer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AgentReply {
    /// One or two sentences to show or speak.
    pub reply: String,
    /// What the client should do: navigate to a page the caller may open, or nothing.
    pub action: Action,
    /// What was understood: `navigate`, `navigate_denied`, `where`, `help`,
    /// `greeting`, `thanks`, `unknown` (built-in engine) or `conversation` (Gemini).
    #[schema(example = "navigate")]
    pub intent: &'static str,
    /// Who answered: `rules` (the built-in intent engine) or `gemini`.
    #[schema(example = "rules")]
    pub provider: &'static str,
}

impl Validate for AgentRequest {
    fn validate(&self, v: &mut Violations) {
        v.required("message", &self.message);
        v.check(
            self.current_path.starts_with('/')
                && self.current_path.len() <= 200
                && !self.current_path.contains(char::is_whitespace),
            "currentPath",
            "must be an app path such as /dashboard",
        );
    }
}

/// Ask the voice assistant.
///
/// Any signed-in user. Answers with the built-in intent engine, or with Gemini
/// when `geminiApiKey` is configured; a navigation is only ever to a page the
/// caller's role may open (and not the page they are on).
#[utoipa::path(
    post,
    path = "/voice/agent",
    operation_id = "voice-agent",
    tag = "voice",
    request_body = AgentRequest,
    responses(
        (status = 200, description = "The reply and the action to take.", body = Success<AgentReply>),
        (status = 502, description = "DEPENDENCY_UNAVAILABLE: Gemini answered with an error or an unusable answer.", body = Failure),
        (status = 503, description = "DEPENDENCY_UNAVAILABLE: Gemini is unreachable or did not answer in time.", body = Failure),
    ),
    security(("bearerAuth" = [])),
)]
pub async fn handle(app: &App, req: Request) -> Result<Reply, ApiError> {
    let principal = app.principal(&req).await?;
    let body: AgentRequest = parse_json(&req)?;
    let (answer, provider) = match Gemini::for_user(app, &principal).await? {
        Some(gemini) => (ask_gemini(&gemini, &principal, &body).await?, "gemini"),
        None => (
            intents::respond(&body.message, &body.current_path, &principal.role),
            "rules",
        ),
    };
    Reply::ok(AgentReply {
        reply: answer.reply,
        action: answer.action,
        intent: answer.intent,
        provider,
    })
}

/// Gemini writes the reply and may propose a page; the proposal is kept only
/// if it is one of the pages this role may open.
async fn ask_gemini(
    gemini: &Gemini,
    principal: &Principal,
    body: &AgentRequest,
) -> Result<Answer, ApiError> {
    let allowed: Vec<String> = pages::open_to(&principal.role)
        .map(|p| format!("{} ({})", p.path, p.title))
        .collect();
    let system = format!(
        "You are the voice assistant of the AvaOne Suite web app. Be brief (one or two sentences). \
         The user may open only these pages: {}. Answer as JSON: {{\"reply\": string, \"navigate\": path or null}}. \
         Set navigate only when the user asks to go somewhere, and only to a listed path.",
        allowed.join(", ")
    );
    let prompt = format!(
        "Current page: {}\nUser said: {}",
        body.current_path, body.message
    );
    let answer = gemini.json_answer(&system, &prompt).await?;
    let reply = answer["reply"]
        .as_str()
        .unwrap_or_default()
        .trim()
        .to_owned();
    if reply.is_empty() {
        return Err(ApiError::new(
            lambda_http::http::StatusCode::BAD_GATEWAY,
            shared::http::ErrorCode::DependencyUnavailable,
            "The AI provider (Gemini) could not answer this request.",
        ));
    }
    let action = answer["navigate"]
        .as_str()
        .and_then(pages::by_path)
        .filter(|p| p.allows(&principal.role))
        .filter(|p| p.path != body.current_path.trim_end_matches('/'))
        .map(|p| Action::Navigate {
            path: p.path.to_owned(),
        })
        .unwrap_or(Action::None);
    let intent = if matches!(action, Action::Navigate { .. }) {
        "navigate"
    } else {
        "conversation"
    };
    Ok(Answer {
        reply,
        action,
        intent,
    })
}
