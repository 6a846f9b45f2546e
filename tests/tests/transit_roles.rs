//! Transit's roles across products, through the real handlers of both:
//! a driver logs in with the suite's workspace login; a passenger signs up
//! with the mailed code; the suite's refresh, verify-token and logout take
//! their tokens; and every suite route refuses them (403), as every
//! company route refuses a driver. Tokens are sent as bearer headers with
//! no authorizer context, so each function verifies them itself.

// The handlers of eight domains nest deep async state machines.
#![recursion_limit = "256"]

use serde_json::{Value, json};
use shared::{App, http::Role};
use test_support::{
    as_principal, call, event, principal, sent_mail, stack_app, unique, unique_ip, with_bearer,
    with_body,
};

fn created(service: &str, value: (u16, Value)) -> Value {
    let (status, body) = value;
    assert_eq!(status, 201, "{service}: {body}");
    body["data"].clone()
}

/// A company and a driver of it: (accountId, driver email, password).
async fn company_with_driver(app: &App) -> (String, String, String) {
    let sa = principal(Role::SUPER_ADMIN, None, "super-admin");
    let mut ev = as_principal(event("org", "create-organization"), &sa);
    ev["body"] = json!({
        "name": "Rodo Norte", "email": format!("{}@bus.example", unique("c")),
        "adminEmail": "boss@bus.example", "adminPassword": "Boss-Password-1",
        "licenseStatus": "active", "licenseExpiry": "2099-01-01", "userLimit": "5",
        "selectedProducts": ["transit"]
    })
    .to_string()
    .into();
    let org = created(
        "org",
        call(org::SERVICE, app, org::organizations::create, &ev).await,
    );
    let account = org["accountId"].as_str().unwrap().to_owned();
    let admin = principal(Role::ADMIN, Some(&account), "u-admin");
    let email = format!("{}@drivers.example", unique("d"));
    let password = "Driver-Pass-123".to_owned();
    let mut ev = as_principal(event("company", "create-driver"), &admin);
    ev["body"] =
        json!({"email": email, "password": password, "firstName": "Rui", "lastName": "Costa",
                        "phone": "", "licenseNumber": "L-1", "licenseExpiresOn": "2099-01-01"})
        .to_string()
        .into();
    created(
        "company",
        call(company::SERVICE, app, company::drivers::create, &ev).await,
    );
    (account, email, password)
}

/// A verified passenger's (access, refresh) tokens, through the real routes.
async fn passenger_tokens(app: &App) -> (String, String) {
    let email = format!("{}@travel.example", unique("p"));
    let ev = with_body(
        event("passenger", "passenger-register"),
        &json!({"email": email, "password": "Long-Passw0rd!", "name": "Ana"}),
        &unique_ip(),
    );
    assert_eq!(
        call(passenger::SERVICE, app, passenger::register::register, &ev)
            .await
            .0,
        202
    );
    let subject = sent_mail()
        .into_iter()
        .filter(|m| m["destinations"]["ToAddresses"][0] == email.as_str())
        .filter_map(|m| m["subject"].as_str().map(str::to_owned))
        .next_back()
        .expect("the code mail");
    let code = subject.rsplit(' ').next().unwrap();
    let ev = with_body(
        event("passenger", "passenger-verify-email"),
        &json!({"email": email, "code": code}),
        &unique_ip(),
    );
    let (status, body) = call(
        passenger::SERVICE,
        app,
        passenger::register::verify_email,
        &ev,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    (
        body["data"]["accessToken"].as_str().unwrap().to_owned(),
        body["data"]["refreshToken"].as_str().unwrap().to_owned(),
    )
}

/// Calls `handler` of `domain` with the bearer `token`.
macro_rules! with_token {
    ($app:expr, $token:expr, $domain:literal, $name:literal, $service:expr, $handler:path) => {{
        let ev = with_bearer(event($domain, $name), Some($token));
        let (status, body) = call($service, $app, $handler, &ev).await;
        ($name, status, body)
    }};
}

/// Every suite route kind that authorizes a caller, called with `token`.
async fn suite_answers(app: &App, token: &str) -> Vec<(&'static str, u16, Value)> {
    vec![
        with_token!(
            app,
            token,
            "user",
            "team-members",
            user::SERVICE,
            user::directory::team_members
        ),
        with_token!(
            app,
            token,
            "user",
            "workspace-users",
            user::SERVICE,
            user::directory::workspace_users
        ),
        with_token!(
            app,
            token,
            "analytics",
            "workspace-analytics",
            analytics::SERVICE,
            analytics::workspace::handle
        ),
        with_token!(
            app,
            token,
            "voice",
            "voice-agent",
            voice::SERVICE,
            voice::agent::handle
        ),
        with_token!(
            app,
            token,
            "org",
            "list-organizations",
            org::SERVICE,
            org::organizations::list
        ),
        with_token!(
            app,
            token,
            "cms",
            "get-admin-website-content",
            cms::SERVICE,
            cms::content::admin_get
        ),
        with_token!(
            app,
            token,
            "admin",
            "admin-leads",
            admin::SERVICE,
            admin::leads::handle
        ),
        with_token!(
            app,
            token,
            "comm",
            "sync-to-crm",
            comm::SERVICE,
            comm::sync::handle
        ),
    ]
}

#[tokio::test]
async fn transit_tokens_work_with_the_suite_sessions_and_are_refused_by_its_routes() {
    let app = stack_app();

    // A driver logs in with the workspace login and gets the driver role.
    let (account, email, password) = company_with_driver(&app).await;
    let ev = with_body(
        event("auth", "workspace-login"),
        &json!({"organizationId": account, "email": email, "password": password}),
        &unique_ip(),
    );
    let (status, body) = call(auth::SERVICE, &app, auth::login::workspace, &ev).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["user"]["role"], "driver");
    let driver = body["data"]["accessToken"].as_str().unwrap().to_owned();

    let (passenger, refresh) = passenger_tokens(&app).await;

    for (who, token) in [("driver", &driver), ("passenger", &passenger)] {
        for (route, status, body) in suite_answers(&app, token).await {
            assert_eq!(status, 403, "{who} on {route}: {body}");
            assert_eq!(body["code"], "FORBIDDEN", "{who} on {route}: {body}");
        }
        let (route, status, body) = with_token!(
            &app,
            token,
            "company",
            "list-buses",
            company::SERVICE,
            company::buses::list
        );
        assert_eq!(status, 403, "{who} on {route}: {body}");
    }
    // Each product's own routes take their own roles only.
    let (_, status, _) = with_token!(
        &app,
        &driver,
        "passenger",
        "passenger-profile",
        passenger::SERVICE,
        passenger::profile::get
    );
    assert_eq!(status, 403);
    let (_, status, body) = with_token!(
        &app,
        &passenger,
        "passenger",
        "passenger-profile",
        passenger::SERVICE,
        passenger::profile::get
    );
    assert_eq!(status, 200, "{body}");

    // The suite's session routes take a passenger's tokens unchanged.
    let ev = with_body(
        event("auth", "verify-token"),
        &json!({"token": passenger}),
        &unique_ip(),
    );
    let (status, body) = call(auth::SERVICE, &app, auth::session::verify_token, &ev).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["role"], "passenger");
    assert_eq!(body["data"]["organizationId"], Value::Null);
    let ev = with_body(
        event("auth", "refresh-token"),
        &json!({"refreshToken": refresh}),
        &unique_ip(),
    );
    let (status, body) = call(auth::SERVICE, &app, auth::session::refresh_token, &ev).await;
    assert_eq!(status, 200, "{body}");
    let renewed = body["data"]["accessToken"].as_str().unwrap().to_owned();
    let ev = with_bearer(event("auth", "logout"), Some(&renewed));
    assert_eq!(
        call(auth::SERVICE, &app, auth::session::logout, &ev)
            .await
            .0,
        200
    );
    let (_, status, _) = with_token!(
        &app,
        &passenger,
        "passenger",
        "passenger-profile",
        passenger::SERVICE,
        passenger::profile::get
    );
    assert_eq!(status, 401, "logout ended the passenger's session");
}
