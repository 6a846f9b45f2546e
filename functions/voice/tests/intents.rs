//! The intent engine's table: phrasings → intent and action, per role.

use shared::http::Role;
use voice::intents::{Action, respond};

fn nav(path: &str) -> Action {
    Action::Navigate { path: path.into() }
}

#[test]
fn phrasings_map_to_the_right_intent_and_page() {
    const EMPLOYEE: Role = Role::EMPLOYEE;
    const USER: Role = Role::USER;
    const ADMIN: Role = Role::ADMIN;
    const SUPER_ADMIN: Role = Role::SUPER_ADMIN;
    let cases: Vec<(&str, &str, Role, &str, Action)> = vec![
        (
            "Open analytics",
            "/dashboard",
            EMPLOYEE,
            "navigate",
            nav("/analytics"),
        ),
        (
            "go to the dashboard",
            "/team",
            USER,
            "navigate",
            nav("/dashboard"),
        ),
        (
            "take me home",
            "/settings",
            ADMIN,
            "navigate",
            nav("/dashboard"),
        ),
        (
            "show me the stats",
            "/dashboard",
            USER,
            "navigate",
            nav("/analytics"),
        ),
        (
            "Show me my team!",
            "/dashboard",
            EMPLOYEE,
            "navigate",
            nav("/team"),
        ),
        (
            "navigate to settings",
            "/dashboard",
            EMPLOYEE,
            "navigate",
            nav("/settings"),
        ),
        (
            "open preferences please",
            "/dashboard",
            USER,
            "navigate",
            nav("/settings"),
        ),
        (
            "I want to see the chatbot analytics",
            "/analytics",
            ADMIN,
            "navigate",
            nav("/analytics/chatbot"),
        ),
        (
            "bring up the reports",
            "/team",
            ADMIN,
            "navigate",
            nav("/analytics"),
        ),
        (
            "switch to my profile",
            "/dashboard",
            USER,
            "navigate",
            nav("/profile"),
        ),
        (
            "where are my colleagues",
            "/dashboard",
            EMPLOYEE,
            "navigate",
            nav("/team"),
        ),
        ("metrics", "/dashboard", USER, "navigate", nav("/analytics")),
        (
            "open organizations",
            "/dashboard",
            SUPER_ADMIN,
            "navigate",
            nav("/organizations"),
        ),
        (
            "show all tenants",
            "/dashboard",
            SUPER_ADMIN,
            "navigate",
            nav("/organizations"),
        ),
        (
            "open the CMS",
            "/dashboard",
            SUPER_ADMIN,
            "navigate",
            nav("/content"),
        ),
        (
            "go to website content",
            "/organizations",
            SUPER_ADMIN,
            "navigate",
            nav("/content"),
        ),
        (
            "show the sales leads",
            "/dashboard",
            SUPER_ADMIN,
            "navigate",
            nav("/leads"),
        ),
        (
            "manage users",
            "/dashboard",
            ADMIN,
            "navigate",
            nav("/users"),
        ),
        // Role restrictions: never navigate where the role cannot go.
        (
            "open organizations",
            "/dashboard",
            ADMIN,
            "navigate_denied",
            Action::None,
        ),
        (
            "show me the leads",
            "/dashboard",
            EMPLOYEE,
            "navigate_denied",
            Action::None,
        ),
        (
            "open the cms",
            "/dashboard",
            USER,
            "navigate_denied",
            Action::None,
        ),
        (
            "manage users",
            "/dashboard",
            EMPLOYEE,
            "navigate_denied",
            Action::None,
        ),
        (
            "open my team",
            "/dashboard",
            SUPER_ADMIN,
            "navigate_denied",
            Action::None,
        ),
        // Already there.
        (
            "open analytics",
            "/analytics",
            USER,
            "navigate",
            Action::None,
        ),
        (
            "go to settings",
            "/settings/",
            ADMIN,
            "navigate",
            Action::None,
        ),
        // Back, where, help, small talk, unknown.
        ("go back", "/team", USER, "navigate", nav("/dashboard")),
        (
            "where am I?",
            "/analytics/chatbot",
            USER,
            "where",
            Action::None,
        ),
        (
            "what page is this",
            "/settings",
            ADMIN,
            "where",
            Action::None,
        ),
        ("help", "/dashboard", EMPLOYEE, "help", Action::None),
        (
            "What can you do?",
            "/dashboard",
            SUPER_ADMIN,
            "help",
            Action::None,
        ),
        ("hello there", "/dashboard", USER, "greeting", Action::None),
        ("thanks!", "/dashboard", USER, "thanks", Action::None),
        ("order a pizza", "/dashboard", USER, "unknown", Action::None),
        ("", "/dashboard", USER, "unknown", Action::None),
    ];
    assert!(cases.len() >= 30);
    for (message, path, role, intent, action) in cases {
        let answer = respond(message, path, &role);
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
    let employee = respond("help", "/dashboard", &Role::EMPLOYEE).reply;
    assert!(
        employee.contains("analytics")
            && !employee.contains("organizations")
            && !employee.contains("leads"),
        "{employee}"
    );
    let sa = respond("help", "/dashboard", &Role::SUPER_ADMIN).reply;
    assert!(sa.contains("organizations") && sa.contains("leads"), "{sa}");
}
