//! The intent engine's table: phrasings → intent and action, per role.

use shared::http::Role;
use voice::intents::{Action, respond};

fn nav(path: &str) -> Action {
    Action::Navigate { path: path.into() }
}

#[test]
fn phrasings_map_to_the_right_intent_and_page() {
    use Role::*;
    let cases: Vec<(&str, &str, Role, &str, Action)> = vec![
        (
            "Open analytics",
            "/dashboard",
            Employee,
            "navigate",
            nav("/analytics"),
        ),
        (
            "go to the dashboard",
            "/team",
            User,
            "navigate",
            nav("/dashboard"),
        ),
        (
            "take me home",
            "/settings",
            Admin,
            "navigate",
            nav("/dashboard"),
        ),
        (
            "show me the stats",
            "/dashboard",
            User,
            "navigate",
            nav("/analytics"),
        ),
        (
            "Show me my team!",
            "/dashboard",
            Employee,
            "navigate",
            nav("/team"),
        ),
        (
            "navigate to settings",
            "/dashboard",
            Employee,
            "navigate",
            nav("/settings"),
        ),
        (
            "open preferences please",
            "/dashboard",
            User,
            "navigate",
            nav("/settings"),
        ),
        (
            "I want to see the chatbot analytics",
            "/analytics",
            Admin,
            "navigate",
            nav("/analytics/chatbot"),
        ),
        (
            "bring up the reports",
            "/team",
            Admin,
            "navigate",
            nav("/analytics"),
        ),
        (
            "switch to my profile",
            "/dashboard",
            User,
            "navigate",
            nav("/profile"),
        ),
        (
            "where are my colleagues",
            "/dashboard",
            Employee,
            "navigate",
            nav("/team"),
        ),
        ("metrics", "/dashboard", User, "navigate", nav("/analytics")),
        (
            "open organizations",
            "/dashboard",
            SuperAdmin,
            "navigate",
            nav("/organizations"),
        ),
        (
            "show all tenants",
            "/dashboard",
            SuperAdmin,
            "navigate",
            nav("/organizations"),
        ),
        (
            "open the CMS",
            "/dashboard",
            SuperAdmin,
            "navigate",
            nav("/content"),
        ),
        (
            "go to website content",
            "/organizations",
            SuperAdmin,
            "navigate",
            nav("/content"),
        ),
        (
            "show the sales leads",
            "/dashboard",
            SuperAdmin,
            "navigate",
            nav("/leads"),
        ),
        (
            "manage users",
            "/dashboard",
            Admin,
            "navigate",
            nav("/users"),
        ),
        // Role restrictions: never navigate where the role cannot go.
        (
            "open organizations",
            "/dashboard",
            Admin,
            "navigate_denied",
            Action::None,
        ),
        (
            "show me the leads",
            "/dashboard",
            Employee,
            "navigate_denied",
            Action::None,
        ),
        (
            "open the cms",
            "/dashboard",
            User,
            "navigate_denied",
            Action::None,
        ),
        (
            "manage users",
            "/dashboard",
            Employee,
            "navigate_denied",
            Action::None,
        ),
        (
            "open my team",
            "/dashboard",
            SuperAdmin,
            "navigate_denied",
            Action::None,
        ),
        // Already there.
        (
            "open analytics",
            "/analytics",
            User,
            "navigate",
            Action::None,
        ),
        (
            "go to settings",
            "/settings/",
            Admin,
            "navigate",
            Action::None,
        ),
        // Back, where, help, small talk, unknown.
        ("go back", "/team", User, "navigate", nav("/dashboard")),
        (
            "where am I?",
            "/analytics/chatbot",
            User,
            "where",
            Action::None,
        ),
        (
            "what page is this",
            "/settings",
            Admin,
            "where",
            Action::None,
        ),
        ("help", "/dashboard", Employee, "help", Action::None),
        (
            "What can you do?",
            "/dashboard",
            SuperAdmin,
            "help",
            Action::None,
        ),
        ("hello there", "/dashboard", User, "greeting", Action::None),
        ("thanks!", "/dashboard", User, "thanks", Action::None),
        ("order a pizza", "/dashboard", User, "unknown", Action::None),
        ("", "/dashboard", User, "unknown", Action::None),
    ];
    assert!(cases.len() >= 30);
    for (message, path, role, intent, action) in cases {
        let answer = respond(message, path, role);
        assert_eq!(
            (answer.intent, &answer.action),
            (intent, &action),
            "{message:?} on {path} as {role:?}: {}",
            answer.reply
        );
        assert!(!answer.reply.is_empty());
    }
}

#[test]
fn help_lists_only_what_the_role_may_open() {
    let employee = respond("help", "/dashboard", Role::Employee).reply;
    assert!(
        employee.contains("analytics")
            && !employee.contains("organizations")
            && !employee.contains("leads"),
        "{employee}"
    );
    let sa = respond("help", "/dashboard", Role::SuperAdmin).reply;
    assert!(sa.contains("organizations") && sa.contains("leads"), "{sa}");
}
