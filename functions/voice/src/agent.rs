//! POST /voice/agent `{message, currentPath}` → `{reply, action, intent, provider}`.

use serde::Deserialize;
use serde_json::json;
use shared::{
    App,
    http::{ApiError, Principal, Reply, Request, Validate, Violations, parse_json},
};

use crate::{
    gemini::Gemini,
    intents::{self, Action, Answer},
    pages,
};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AgentRequest {
    pub message: String,
    pub current_path: String,
}

impl Validate for AgentRequest {
    fn validate(&self, v: &mut Violations) {
        v.text("message", &self.message, 1000);
        v.check(
            self.current_path.starts_with('/')
                && self.current_path.len() <= 200
                && !self.current_path.contains(char::is_whitespace),
            "currentPath",
            "must be an app path such as /dashboard",
        );
    }
}

pub async fn handle(app: &App, req: Request) -> Result<Reply, ApiError> {
    let principal = app.principal(&req).await?;
    let body: AgentRequest = parse_json(&req)?;
    let (answer, provider) = match Gemini::configured(app).await? {
        Some(gemini) => (ask_gemini(&gemini, &principal, &body).await?, "gemini"),
        None => (
            intents::respond(&body.message, &body.current_path, principal.role),
            "rules",
        ),
    };
    Reply::ok(
        json!({"reply": answer.reply, "action": answer.action, "intent": answer.intent, "provider": provider}),
    )
}

/// Gemini writes the reply and may propose a page; the proposal is kept only
/// if it is one of the pages this role may open.
async fn ask_gemini(
    gemini: &Gemini<'_>,
    principal: &Principal,
    body: &AgentRequest,
) -> Result<Answer, ApiError> {
    let allowed: Vec<String> = pages::open_to(principal.role)
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
        .filter(|p| p.allows(principal.role))
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
