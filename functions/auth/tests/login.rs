//! The three logins against the real stack: success, every failure mode,
//! hash upgrades and rate limits.

mod common;

use common::*;
use serde_json::{Value, json};
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
    assert_eq!(claims.role, shared::http::Role::Admin);

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

    let (status, wrong) = workspace_login(&app, &org.account_id, "maya@example.com", "nope").await;
    assert_eq!(status, 401);
    let (status, unknown) =
        workspace_login(&app, &org.account_id, "nobody@example.com", "User-Pass-1").await;
    assert_eq!(status, 401);
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

#[tokio::test]
async fn failed_logins_are_limited_per_account_and_a_success_resets_the_count() {
    let app = stack_app();
    let max = app.config.identity.login_max_per_account;
    let org = seed_org(&app, "active", in_future()).await;
    let hash = shared::identity::passwords::hash("Right-Pass-1").unwrap();
    seed_user(
        &app,
        &org.account_id,
        "target@example.com",
        &hash,
        "user",
        true,
    )
    .await;

    // max-1 failures, then a success: the account counter starts over.
    for _ in 0..max - 1 {
        assert_eq!(
            workspace_login(&app, &org.account_id, "target@example.com", "bad")
                .await
                .0,
            401
        );
    }
    assert_eq!(
        workspace_login(&app, &org.account_id, "target@example.com", "Right-Pass-1")
            .await
            .0,
        200
    );

    // Now `max` failures are allowed (each from a different IP) and the next is refused.
    for _ in 0..max {
        assert_eq!(
            workspace_login(&app, &org.account_id, "target@example.com", "bad")
                .await
                .0,
            401
        );
    }
    let event = test_support::with_body(
        test_support::event("auth", "workspace-login"),
        &json!({"organizationId": org.account_id, "email": "target@example.com", "password": "Right-Pass-1"}),
        &unique_ip(),
    );
    let resp = shared::http::dispatch(auth::SERVICE, test_support::request(&event), |req| {
        auth::login::workspace(&app, req)
    })
    .await;
    assert_eq!(
        resp.status(),
        429,
        "even the right password is refused while locked"
    );
    let retry_after: u64 = resp.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry_after >= 1 && retry_after <= app.config.identity.login_window.as_secs());
    let body: Value = serde_json::from_slice(resp.body().as_ref()).unwrap();
    assert_eq!(body["code"], "RATE_LIMITED");
}

#[tokio::test]
async fn one_ip_is_limited_across_accounts() {
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
    let (status, resp) = post(&app, "workspace-login", auth::login::workspace, body, &ip).await;
    assert_eq!(status, 429, "{resp}");
}

/// DynamoDB (the rate-limit store) stops answering: logins fail closed with
/// 503 within the dependency timeout rather than go on unlimited; when it
/// answers again the same warm App recovers, and the failed-attempt count
/// written before the fault is still there (the next attempt is limited).
#[tokio::test]
async fn logins_fail_closed_while_dynamodb_is_down_and_keep_their_counts() {
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
