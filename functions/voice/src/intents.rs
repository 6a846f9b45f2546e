//! The built-in intent engine: deterministic, instant, free.
//!
//! Intents:
//! - **navigate**: "go to / open / show / take me to / navigate to / switch
//!   to / bring up … <page>", or just a page name ("analytics"). The page is
//!   found by its names in [`crate::pages::PAGES`], longest name first
//!   ("chatbot analytics" beats "analytics"). If the caller's role may not
//!   open it, the reply says so and no action is taken; if they are already
//!   there, the reply says that.
//! - **back**: "go back", "previous page" → navigate to the dashboard unless
//!   already there (the client owns real history).
//! - **where**: "where am I", "what page is this".
//! - **help**: "help", "what can you do", "commands" → lists the pages the
//!   caller may open.
//! - **greeting** / **thanks**: short replies.
//! - anything else: **unknown**, with a hint.

use serde::Serialize;
use shared::http::Role;

use crate::pages::{self, PAGES, Page};

/// What the client should do after the reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Action {
    /// Open the page at `path` (an app path such as `/analytics`).
    Navigate { path: String },
    /// Stay where you are.
    None,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Answer {
    pub reply: String,
    pub action: Action,
    pub intent: &'static str,
}

fn normalize(text: &str) -> String {
    let lowered: String = text
        .to_lowercase()
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == ' ' {
                c
            } else {
                ' '
            }
        })
        .collect();
    format!(
        " {} ",
        lowered.split_whitespace().collect::<Vec<_>>().join(" ")
    )
}

fn contains_phrase(text: &str, phrase: &str) -> bool {
    text.contains(&format!(" {phrase} "))
}

/// The page a sentence names, preferring the longest matching name.
fn find_page(text: &str) -> Option<&'static Page> {
    PAGES
        .iter()
        .flat_map(|p| p.names.iter().map(move |n| (p, *n)))
        .filter(|(_, name)| contains_phrase(text, name))
        .max_by_key(|(_, name)| name.len())
        .map(|(p, _)| p)
}

fn navigate(page: &'static Page, current_path: &str, role: &Role) -> Answer {
    if !page.allows(role) {
        return Answer {
            reply: format!(
                "Sorry, your account can't open {}. Say \"help\" to hear what you can open.",
                page.title
            ),
            action: Action::None,
            intent: "navigate_denied",
        };
    }
    if current_path.trim_end_matches('/') == page.path {
        return Answer {
            reply: format!("You're already on {}.", page.title),
            action: Action::None,
            intent: "navigate",
        };
    }
    Answer {
        reply: format!("Opening {}.", page.title),
        action: Action::Navigate {
            path: page.path.to_owned(),
        },
        intent: "navigate",
    }
}

pub fn respond(message: &str, current_path: &str, role: &Role) -> Answer {
    let text = normalize(message);
    let any = |phrases: &[&str]| phrases.iter().any(|p| contains_phrase(&text, p));

    if any(&[
        "help",
        "what can you do",
        "what can i say",
        "commands",
        "how does this work",
    ]) {
        let titles: Vec<&str> = pages::open_to(role).map(|p| p.title).collect();
        return Answer {
            reply: format!(
                "I can take you to {}. Try \"open analytics\" or \"where am I\".",
                titles.join(", ")
            ),
            action: Action::None,
            intent: "help",
        };
    }
    if any(&[
        "where am i",
        "what page is this",
        "which page",
        "current page",
    ]) {
        let reply = match pages::by_path(current_path.trim_end_matches('/')) {
            Some(p) => format!("You're on {}.", p.title),
            None => format!("You're on {current_path}."),
        };
        return Answer {
            reply,
            action: Action::None,
            intent: "where",
        };
    }
    if any(&["go back", "previous page", "back"]) && find_page(&text).is_none() {
        let home = pages::by_path("/dashboard").expect("the dashboard is a page");
        return navigate(home, current_path, role);
    }
    if let Some(page) = find_page(&text) {
        // A page name, with or without "open"/"go to"/"show me", navigates.
        return navigate(page, current_path, role);
    }
    if any(&[
        "hello",
        "hi",
        "hey",
        "good morning",
        "good afternoon",
        "good evening",
    ]) {
        return Answer {
            reply: "Hello! Where would you like to go?".into(),
            action: Action::None,
            intent: "greeting",
        };
    }
    if any(&["thanks", "thank you", "cheers"]) {
        return Answer {
            reply: "You're welcome.".into(),
            action: Action::None,
            intent: "thanks",
        };
    }
    Answer {
        reply: "I didn't catch that. Say \"help\" to hear what I can do.".into(),
        action: Action::None,
        intent: "unknown",
    }
}
