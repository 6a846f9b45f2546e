//! The three logins against the real stack: success, every failure mode,
//! hash upgrades and rate limits.

mod common;

use common::*;
use serde_json::{Value, json};
use shared::telemetry::Business;
use test_support::{stack_app, stack_config, unique_ip};

fn without_volatile(mut v: Value) -> Value {
    for k in ["timestamp", "requestId"] {
        v.as_object_mut().unwrap().remove(k);
    }
    v
}

#[tokio::test]
async fn admin_login_accepts_the_secret_hash_and_refuses_others() {
    let app = stack_app();
    ensure_super_admin(&app).await;
    let app = stack_app(); // fresh secret cache
    let ip = unique_ip();
    let (status, body) = post(
        &app,
        "admin-login",
        auth::login::admin,
        json!({"password": "wrong"}),
        &ip,
    )
    .await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["code"], "UNAUTHENTICATED");

    let (status, body) = post(
        &app,
        "admin-login",
        auth::login::admin,
        json!({"password": SUPER_ADMIN_PASSWORD}),
        &ip,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["tokenType"], "Bearer");
    assert_eq!(body["data"]["user"]["role"], "super_admin");
    // The frontend stores `data.token`: the access token.
    assert_eq!(body["data"]["token"], body["data"]["accessToken"]);
    let claims = app
        .verify_access_token(body["data"]["accessToken"].as_str().unwrap())
        .await
        .unwrap();
    assert!(claims.org.is_none());
    assert!(!body.to_string().contains("argon2"), "no hash in responses");
}

#[tokio::test]
async fn organization_login_and_its_failures() {
    let app = stack_app();
    let org = seed_org(&app, "active", in_future()).await;
    let login = |account: &str, email: &str, password: &str| json!({"accountId": account, "adminEmail": email, "adminPassword": password});
    let (status, body) = post(
        &app,
        "organization-login",
        auth::login::organization,
        login(
            &org.account_id,
            &org.admin_email.to_uppercase(),
            &org.admin_password,
        ),
        &unique_ip(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let claims = app
        .verify_access_token(body["data"]["accessToken"].as_str().unwrap())
        .await
        .unwrap();
    assert_eq!(claims.org.as_deref(), Some(org.account_id.as_str()));
    assert_eq!(claims.role, shared::http::Role::ADMIN);

    // Wrong password, wrong email, unknown organization: one indistinguishable answer.
    let mut answers = Vec::new();
    for body in [
        login(&org.account_id, &org.admin_email, "not-the-password"),
        login(&org.account_id, "someone@else.example", &org.admin_password),
        login("no-such-org", &org.admin_email, &org.admin_password),
    ] {
        let (status, body) = post(
            &app,
            "organization-login",
            auth::login::organization,
            body,
            &unique_ip(),
        )
        .await;
        assert_eq!(status, 401, "{body}");
        answers.push(without_volatile(body));
    }
    assert!(answers.windows(2).all(|w| w[0] == w[1]), "{answers:?}");

    for (status_value, expiry, says) in [
        ("suspended", in_future(), "suspended"),
        ("active", "2020-01-31", "expired on 2020-01-31"),
    ] {
        let org = seed_org(&app, status_value, expiry).await;
        let (status, body) = post(
            &app,
            "organization-login",
            auth::login::organization,
            login(&org.account_id, &org.admin_email, &org.admin_password),
            &unique_ip(),
        )
        .await;
        assert_eq!(status, 403, "{body}");
        assert_eq!(body["code"], "FORBIDDEN");
        assert!(body["error"].as_str().unwrap().contains(says), "{body}");
    }
}

#[tokio::test]
async fn workspace_login_and_its_failures() {
    let app = stack_app();
    let org = seed_org(&app, "active", in_future()).await;
    let hash = shared::identity::passwords::hash("User-Pass-1").unwrap();
    seed_user(
        &app,
        &org.account_id,
        "maya@example.com",
        &hash,
        "employee",
        true,
    )
    .await;
    seed_user(
        &app,
        &org.account_id,
        "gone@example.com",
        &hash,
        "user",
        false,
    )
    .await;

    let (status, body) =
        workspace_login(&app, &org.account_id, "Maya@Example.com", "User-Pass-1").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["user"]["role"], "employee");
    assert_eq!(
        body["data"]["user"]["organizationId"],
        org.account_id.as_str()
    );

    let metrics = shared::telemetry::capture();
    let (status, wrong) = workspace_login(&app, &org.account_id, "maya@example.com", "nope").await;
    assert_eq!(status, 401);
    assert_eq!(metrics.count(Business::FailedLogin), 1, "a wrong password");
    let (status, unknown) =
        workspace_login(&app, &org.account_id, "nobody@example.com", "User-Pass-1").await;
    assert_eq!(status, 401);
    assert_eq!(metrics.count(Business::FailedLogin), 2, "an unknown user");
    drop(metrics);
    assert_eq!(
        without_volatile(wrong),
        without_volatile(unknown),
        "no user enumeration"
    );

    let (status, body) =
        workspace_login(&app, &org.account_id, "gone@example.com", "User-Pass-1").await;
    assert_eq!(status, 403, "{body}");
    assert!(body["error"].as_str().unwrap().contains("deactivated"));

    let expired = seed_org(&app, "active", "2021-06-30").await;
    seed_user(
        &app,
        &expired.account_id,
        "maya@example.com",
        &hash,
        "user",
        true,
    )
    .await;
    let (status, body) =
        workspace_login(&app, &expired.account_id, "maya@example.com", "User-Pass-1").await;
    assert_eq!(status, 403, "{body}");
    assert!(body["error"].as_str().unwrap().contains("expired"));
}

#[tokio::test]
async fn malformed_bodies_and_operator_injection_are_400_naming_the_field() {
    let app = stack_app();
    let cases = [
        (
            json!({"organizationId": "acme", "email": {"$ne": null}, "password": "x"}),
            "email",
        ),
        (
            json!({"organizationId": "acme", "email": "a@b.co", "password": {"$gt": ""}}),
            "password",
        ),
        (
            json!({"organizationId": {"$regex": ".*"}, "email": "a@b.co", "password": "x"}),
            "organizationId",
        ),
        (
            json!({"organizationId": "acme", "email": "a@b.co"}),
            "password",
        ),
        (
            json!({"organizationId": "acme", "email": "not-an-email", "password": "x"}),
            "email",
        ),
        (
            json!({"organizationId": "../admin", "email": "a@b.co", "password": "x"}),
            "organizationId",
        ),
        (
            json!({"organizationId": "acme", "email": "a@b.co", "password": "x", "role": "super_admin"}),
            "role",
        ),
    ];
    for (body, field) in cases {
        let (status, resp) = post(
            &app,
            "workspace-login",
            auth::login::workspace,
            body.clone(),
            &unique_ip(),
        )
        .await;
        assert_eq!(status, 400, "{body} → {resp}");
        assert_eq!(resp["code"], "VALIDATION_FAILED");
        assert!(
            resp["details"]
                .as_array()
                .unwrap()
                .iter()
                .any(|d| d["field"] == field),
            "{body} → {resp}"
        );
    }
    let mut event = test_support::event("auth", "admin-login");
    event["body"] = json!("{\"password\": ");
    let (status, resp) = test_support::call(auth::SERVICE, &app, auth::login::admin, &event).await;
    assert_eq!(status, 400, "{resp}");
    assert_eq!(resp["details"][0]["field"], "body");
}

#[tokio::test]
async fn a_bcrypt_user_logs_in_and_is_upgraded_to_argon2id() {
    let app = stack_app();
    let org = seed_org(&app, "active", in_future()).await;
    let legacy = bcrypt::hash("Legacy-Pass-9", 4).unwrap();
    seed_user(
        &app,
        &org.account_id,
        "legacy@example.com",
        &legacy,
        "user",
        true,
    )
    .await;

    let (status, body) =
        workspace_login(&app, &org.account_id, "legacy@example.com", "Legacy-Pass-9").await;
    assert_eq!(status, 200, "{body}");
    let stored = stored_password(&app, &org.account_id, "legacy@example.com").await;
    assert!(
        stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{stored}"
    );
    // And the upgraded hash works.
    assert_eq!(
        workspace_login(&app, &org.account_id, "legacy@example.com", "Legacy-Pass-9")
            .await
            .0,
        200
    );
}

#[tokio::test]
async fn plaintext_legacy_passwords_need_the_migration_flag() {
    let app = stack_app();
    let org = seed_org(&app, "active", in_future()).await;
    seed_user(
        &app,
        &org.account_id,
        "plain@example.com",
        "Plain-Pass-3",
        "user",
        true,
    )
    .await;
    assert_eq!(
        workspace_login(&app, &org.account_id, "plain@example.com", "Plain-Pass-3")
            .await
            .0,
        401
    );

    let mut config = stack_config();
    config.identity.allow_plaintext_passwords = true;
    let migrating = shared::App::new(config);
    let (status, body) = workspace_login(
        &migrating,
        &org.account_id,
        "plain@example.com",
        "Plain-Pass-3",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(
        stored_password(&app, &org.account_id, "plain@example.com")
            .await
            .starts_with("$argon2id$")
    );
}

/// Tests that count attempts up to a limit start inside one login window,
/// so the counters cannot reset half-way.
async fn inside_one_login_window() {
    let window = stack_config().identity.login_window;
    test_support::within_one_window(
        shared::rate_limit::Limit { max: 0, window },
        std::time::Duration::from_secs(40),
    )
    .await;
}

/// A workspace login from `ip`, with a device token if given: (status, body, Retry-After).
async fn login_from(
    app: &shared::App,
    account_id: &str,
    email: &str,
    password: &str,
    ip: &str,
    device: Option<&str>,
) -> (u16, Value, Option<u64>) {
    let mut event = test_support::with_body(
        test_support::event("auth", "workspace-login"),
        &json!({"organizationId": account_id, "email": email, "password": password}),
        ip,
    );
    if let Some(token) = device {
        event["headers"]["x-device-token"] = json!(token);
    }
    let resp = shared::http::dispatch(auth::SERVICE, test_support::request(&event), |req| {
        auth::login::workspace(app, req)
    })
    .await;
    let retry_after = resp
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok()?.parse().ok());
    (
        resp.status().as_u16(),
        serde_json::from_slice(resp.body().as_ref()).unwrap(),
        retry_after,
    )
}

async fn target(app: &shared::App) -> String {
    let org = seed_org(app, "active", in_future()).await;
    let hash = shared::identity::passwords::hash("Right-Pass-1").unwrap();
    seed_user(
        app,
        &org.account_id,
        "target@example.com",
        &hash,
        "user",
        true,
    )
    .await;
    org.account_id
}

#[tokio::test]
async fn a_guesser_on_one_address_is_stopped_there_and_cannot_lock_the_owner_out() {
    inside_one_login_window().await;
    let app = stack_app();
    let max = app.config.identity.login_max_per_account;
    let account = target(&app).await;
    let attacker = unique_ip();
    let login = |pw: &'static str, ip: String| {
        let (app, account) = (&app, account.clone());
        async move { login_from(app, &account, "target@example.com", pw, &ip, None).await }
    };

    // max-1 failures, then a success from the same address: it starts over.
    for _ in 0..max - 1 {
        assert_eq!(login("bad", attacker.clone()).await.0, 401);
    }
    assert_eq!(login("Right-Pass-1", attacker.clone()).await.0, 200);
    for _ in 0..max {
        assert_eq!(login("bad", attacker.clone()).await.0, 401);
    }
    // That address is now refused, even with the right password...
    let (status, body, retry_after) = login("Right-Pass-1", attacker.clone()).await;
    assert_eq!(status, 429, "{body}");
    assert_eq!(body["code"], "RATE_LIMITED");
    let retry_after = retry_after.expect("Retry-After");
    assert!(retry_after >= 1 && retry_after <= app.config.identity.login_window.as_secs());
    // ...but the owner, elsewhere, logs in.
    let (status, body, _) = login("Right-Pass-1", unique_ip()).await;
    assert_eq!(status, 200, "the owner was locked out: {body}");

    // The counters (and the log lines naming them) carry a hash of the
    // account, never its e-mail address.
    let mut pages = app
        .dynamodb()
        .await
        .scan()
        .table_name(app.config.table_name().unwrap())
        .filter_expression("contains(pk, :address)")
        .expression_attribute_values(
            ":address",
            aws_sdk_dynamodb::types::AttributeValue::S("target@example.com".into()),
        )
        .into_paginator()
        .items()
        .send();
    // The paginator walks every page until a match: any match fails.
    if let Some(item) = pages.next().await {
        panic!("a key carries the address: {:?}", item.unwrap());
    }
}

#[tokio::test]
async fn a_guesser_on_many_addresses_is_bounded_and_the_owners_device_still_gets_in() {
    inside_one_login_window().await;
    let mut config = stack_config();
    config.identity.login_max_untrusted = 6;
    let app = shared::App::new(config);
    let account = target(&app).await;

    // The owner logged in before, from their laptop: it has a device token.
    let laptop = unique_ip();
    let (status, body, _) = login_from(
        &app,
        &account,
        "target@example.com",
        "Right-Pass-1",
        &laptop,
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let device = body["data"]["deviceToken"].as_str().unwrap().to_owned();

    // A guesser spread over many addresses, one attempt each: with the
    // owner's first login, 6 attempts from clients without a device token.
    for _ in 0..5 {
        let (status, _, _) = login_from(
            &app,
            &account,
            "target@example.com",
            "guess",
            &unique_ip(),
            None,
        )
        .await;
        assert_eq!(status, 401);
    }
    // Brute force stays bounded: clients without a device token are refused
    // for this account, even with the right password.
    let (status, body, _) = login_from(
        &app,
        &account,
        "target@example.com",
        "Right-Pass-1",
        &unique_ip(),
        None,
    )
    .await;
    assert_eq!(status, 429, "{body}");
    // A stolen-looking token (another account's, or made up) does not help.
    let (status, _, _) = login_from(
        &app,
        &account,
        "target@example.com",
        "guess",
        &unique_ip(),
        Some("made-up-device-token"),
    )
    .await;
    assert_eq!(status, 429);
    // The owner's device gets in, from any address, and keeps its token.
    let (status, body, _) = login_from(
        &app,
        &account,
        "target@example.com",
        "Right-Pass-1",
        &unique_ip(),
        Some(&device),
    )
    .await;
    assert_eq!(status, 200, "the owner's device was locked out: {body}");
    assert_eq!(body["data"]["deviceToken"], device.as_str());
}

#[tokio::test]
async fn one_ip_is_limited_across_accounts() {
    inside_one_login_window().await;
    let mut config = stack_config();
    config.identity.login_max_per_ip = 3;
    let app = shared::App::new(config);
    let ip = unique_ip();
    for i in 0..3 {
        let body = json!({"organizationId": "acme", "email": format!("spray{i}@example.com"), "password": "x"});
        assert_eq!(
            post(&app, "workspace-login", auth::login::workspace, body, &ip)
                .await
                .0,
            401
        );
    }
    let body = json!({"organizationId": "acme", "email": "spray9@example.com", "password": "x"});
    let metrics = shared::telemetry::capture();
    let (status, resp) = post(&app, "workspace-login", auth::login::workspace, body, &ip).await;
    assert_eq!(status, 429, "{resp}");
    assert_eq!(metrics.count(Business::RateLimited), 1);
    assert_eq!(
        metrics.count(Business::FailedLogin),
        0,
        "refused before any password check"
    );
}

/// DynamoDB (the rate-limit store) stops answering: logins fail closed with
/// 503 within the dependency timeout rather than go on unlimited; when it
/// answers again the same warm App recovers, and the failed-attempt count
/// written before the fault is still there (the next attempt is limited).
#[tokio::test]
async fn logins_fail_closed_while_dynamodb_is_down_and_keep_their_counts() {
    inside_one_login_window().await;
    ensure_super_admin(&stack_app()).await;
    let moto = test_support::OwnMoto::start().await;
    let mut config = stack_config();
    config.dependency_timeout = std::time::Duration::from_millis(1000);
    config.identity.login_max_per_account = 2;
    let app = moto.app(config).await;
    let ip = unique_ip();
    let wrong = || json!({"password": "wrong"});
    for _ in 0..2 {
        let (status, body) = post(&app, "admin-login", auth::login::admin, wrong(), &ip).await;
        assert_eq!(status, 401, "{body}");
    }

    moto.pause();
    let started = std::time::Instant::now();
    let (status, body) = post(&app, "admin-login", auth::login::admin, wrong(), &ip).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["code"], "DEPENDENCY_UNAVAILABLE");
    assert!(
        body["error"].as_str().unwrap().contains("DynamoDB"),
        "{body}"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(5));

    moto.resume();
    let (status, body) = post(&app, "admin-login", auth::login::admin, wrong(), &ip).await;
    assert_eq!(
        status, 429,
        "the two failures before the fault still count: {body}"
    );
}
