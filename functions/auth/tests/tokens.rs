//! Token lifecycle against the real stack: verify, refresh rotation and
//! reuse detection, logout, JWKS, debug login, and the bearer fallback of
//! the principal extractor.

mod common;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use common::*;
use serde_json::{Value, json};
use shared::http::Role;
use test_support::{stack_app, stack_config, unique_ip};

/// Logs a fresh workspace user in; returns (access, refresh).
async fn session(app: &shared::App) -> (String, String, String) {
    let org = seed_org(app, "active", in_future()).await;
    let hash = shared::identity::passwords::hash("Pass-Word-7").unwrap();
    seed_user(app, &org.account_id, "sam@example.com", &hash, "user", true).await;
    let (status, body) =
        workspace_login(app, &org.account_id, "sam@example.com", "Pass-Word-7").await;
    assert_eq!(status, 200, "{body}");
    let d = &body["data"];
    (
        d["accessToken"].as_str().unwrap().into(),
        d["refreshToken"].as_str().unwrap().into(),
        org.account_id,
    )
}

async fn verify(app: &shared::App, token: &str) -> (u16, Value) {
    post(
        app,
        "verify-token",
        auth::session::verify_token,
        json!({"token": token}),
        &unique_ip(),
    )
    .await
}

async fn refresh(app: &shared::App, token: &str) -> (u16, Value) {
    post(
        app,
        "refresh-token",
        auth::session::refresh_token,
        json!({"refreshToken": token}),
        &unique_ip(),
    )
    .await
}

async fn logout(app: &shared::App, token: Option<&str>) -> (u16, Value) {
    let event = test_support::with_bearer(test_support::event("auth", "logout"), token);
    test_support::call(auth::SERVICE, app, auth::session::logout, &event).await
}

#[tokio::test]
async fn verify_token_returns_claims_or_401() {
    let app = stack_app();
    let (access, _, account_id) = session(&app).await;
    let (status, body) = verify(&app, &access).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["role"], "user");
    assert_eq!(body["data"]["organizationId"], account_id.as_str());
    // The seed's AuthTokenPayload fields: userId, organizationId, role,
    // permissions, exp.
    for field in ["userId", "role", "permissions", "exp"] {
        assert!(body["data"].get(field).is_some(), "{field}: {body}");
    }
    assert_eq!(body["data"]["exp"], body["data"]["expiresAt"]);

    let mut tampered = access.clone();
    tampered.insert(tampered.len() - 3, 'x');
    for bad in [tampered.as_str(), "garbage", "a.b.c"] {
        let (status, body) = verify(&app, bad).await;
        assert_eq!(status, 401, "{body}");
        assert_eq!(body["code"], "UNAUTHENTICATED");
    }
}

#[tokio::test]
async fn refresh_rotates_and_reuse_kills_the_family() {
    let app = stack_app();
    let (_, first, _) = session(&app).await;

    let (status, body) = refresh(&app, &first).await;
    assert_eq!(status, 200, "{body}");
    let second = body["data"]["refreshToken"].as_str().unwrap().to_owned();
    assert_ne!(second, first);
    assert_eq!(
        verify(&app, body["data"]["accessToken"].as_str().unwrap())
            .await
            .0,
        200
    );

    // Replaying the spent token: refused, and the whole family dies with it.
    let (status, body) = refresh(&app, &first).await;
    assert_eq!(status, 401, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("already used"),
        "{body}"
    );
    let (status, _) = refresh(&app, &second).await;
    assert_eq!(status, 401, "the legitimate successor is revoked too");

    assert_eq!(refresh(&app, "never-issued-token").await.0, 401);
}

#[tokio::test]
async fn refresh_is_refused_once_the_license_lapses() {
    let app = stack_app();
    let (_, refresh_token, account_id) = session(&app).await;
    app.main_db()
        .await
        .unwrap()
        .collection::<mongodb::bson::Document>("organizations")
        .update_one(
            mongodb::bson::doc! {"accountId": &account_id},
            mongodb::bson::doc! {"$set": {"licenseStatus": "suspended"}},
        )
        .await
        .unwrap();
    let (status, body) = refresh(&app, &refresh_token).await;
    assert_eq!(status, 403, "{body}");
}

#[tokio::test]
async fn logout_ends_the_session_not_only_the_token_presented() {
    let app = stack_app();
    let (first_access, refresh_token, _) = session(&app).await;
    assert_eq!(
        logout(&app, None).await.0,
        401,
        "logout needs a bearer token"
    );
    // A second access token of the same session (a refresh).
    let (status, body) = refresh(&app, &refresh_token).await;
    assert_eq!(status, 200, "{body}");
    let second_access = body["data"]["accessToken"].as_str().unwrap().to_owned();
    let second_refresh = body["data"]["refreshToken"].as_str().unwrap().to_owned();
    assert_eq!(verify(&app, &first_access).await.0, 200);

    let (status, body) = logout(&app, Some(&second_access)).await;
    assert_eq!(status, 200, "{body}");
    for token in [&second_access, &first_access] {
        assert_eq!(verify(&app, token).await.0, 401, "session ended");
    }
    assert_eq!(refresh(&app, &second_refresh).await.0, 401, "refresh ended");
    // The principal extractor applies it too (bearer fallback).
    let req = test_support::request(&test_support::with_bearer(
        test_support::event("auth", "logout"),
        Some(&first_access),
    ));
    assert_eq!(
        app.principal(&req).await.unwrap_err().status().as_u16(),
        401
    );
}

#[tokio::test]
async fn reuse_of_a_spent_refresh_token_ends_every_access_token_of_the_session() {
    let app = stack_app();
    let (access, first, _) = session(&app).await;
    let (_, body) = refresh(&app, &first).await;
    let rotated_access = body["data"]["accessToken"].as_str().unwrap().to_owned();
    assert_eq!(refresh(&app, &first).await.0, 401, "replay");
    for token in [&access, &rotated_access] {
        assert_eq!(verify(&app, token).await.0, 401);
    }
}

/// Logs a workspace user in and returns (access, refresh, org, email, user id).
async fn user_session(app: &shared::App, role: &str) -> (String, String, String, String) {
    let org = seed_org(app, "active", in_future()).await;
    let hash = shared::identity::passwords::hash("Pass-Word-7").unwrap();
    let email = "reload@example.com";
    seed_user(app, &org.account_id, email, &hash, role, true).await;
    let (status, body) = workspace_login(app, &org.account_id, email, "Pass-Word-7").await;
    assert_eq!(status, 200, "{body}");
    (
        body["data"]["accessToken"].as_str().unwrap().into(),
        body["data"]["refreshToken"].as_str().unwrap().into(),
        org.account_id,
        email.into(),
    )
}

async fn set_user(app: &shared::App, account_id: &str, email: &str, set: mongodb::bson::Document) {
    app.org_db(account_id)
        .await
        .unwrap()
        .collection::<mongodb::bson::Document>("users")
        .update_one(
            mongodb::bson::doc! {"email": email},
            mongodb::bson::doc! {"$set": set},
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn a_refresh_carries_the_role_the_account_has_now() {
    let app = stack_app();
    let (_, refresh_token, account_id, email) = user_session(&app, "admin").await;
    set_user(
        &app,
        &account_id,
        &email,
        mongodb::bson::doc! {"role": "employee"},
    )
    .await;
    let (status, body) = refresh(&app, &refresh_token).await;
    assert_eq!(status, 200, "{body}");
    let (_, claims) = verify(&app, body["data"]["accessToken"].as_str().unwrap()).await;
    assert_eq!(
        claims["data"]["role"], "employee",
        "not the role frozen at login"
    );
}

#[tokio::test]
async fn a_refresh_is_refused_for_a_deactivated_deleted_or_repassworded_account() {
    let app = stack_app();
    // Deactivated: 403, and the session (its access token too) ends.
    let (access, refresh_token, account_id, email) = user_session(&app, "user").await;
    set_user(
        &app,
        &account_id,
        &email,
        mongodb::bson::doc! {"isActive": false},
    )
    .await;
    let (status, body) = refresh(&app, &refresh_token).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(verify(&app, &access).await.0, 401, "session ended with it");

    // A changed password: 401, even though the refresh token is unspent.
    let (_, refresh_token, account_id, email) = user_session(&app, "user").await;
    let new_hash = shared::identity::passwords::hash("Another-Pass-8").unwrap();
    set_user(
        &app,
        &account_id,
        &email,
        mongodb::bson::doc! {"password": new_hash},
    )
    .await;
    let (status, body) = refresh(&app, &refresh_token).await;
    assert_eq!(status, 401, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("password"),
        "{body}"
    );

    // Deleted: 401.
    let (_, refresh_token, account_id, email) = user_session(&app, "user").await;
    app.org_db(&account_id)
        .await
        .unwrap()
        .collection::<mongodb::bson::Document>("users")
        .delete_one(mongodb::bson::doc! {"email": &email})
        .await
        .unwrap();
    assert_eq!(refresh(&app, &refresh_token).await.0, 401);
}

#[tokio::test]
async fn a_super_admin_refresh_is_refused_after_a_password_change() {
    let app = stack_app();
    ensure_super_admin(&app).await;
    let (status, body) = post(
        &app,
        "admin-login",
        auth::login::admin,
        json!({"password": SUPER_ADMIN_PASSWORD}),
        &unique_ip(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let refresh_token = body["data"]["refreshToken"].as_str().unwrap().to_owned();
    // Another hash of the same password (a new salt) counts as a change:
    // the session holder proved the old credential, not the new one.
    let changed =
        test_support::app_with_secret(shared::config::SecretKind::ADMIN_CREDENTIALS, |s| {
            s["superAdminPasswordHash"] =
                json!(shared::identity::passwords::hash(SUPER_ADMIN_PASSWORD).unwrap());
        })
        .await;
    assert_eq!(refresh(&changed, &refresh_token).await.0, 401);
}

#[tokio::test]
async fn principal_extractor_verifies_bearer_tokens_without_an_authorizer() {
    let app = stack_app();
    let (access, _, account_id) = session(&app).await;
    let req = test_support::request(&test_support::with_bearer(
        test_support::event("auth", "logout"),
        Some(&access),
    ));
    let principal = app.principal(&req).await.unwrap();
    assert_eq!(principal.role, Role::USER);
    assert_eq!(
        principal.organization_id.as_deref(),
        Some(account_id.as_str())
    );
}

#[tokio::test]
async fn jwks_publishes_the_key_that_signs_tokens() {
    let app = stack_app();
    let (access, _, _) = session(&app).await;
    let event = test_support::event("auth", "jwks");
    let resp = shared::http::dispatch(auth::SERVICE, test_support::request(&event), |req| {
        auth::session::jwks(&app, req)
    })
    .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["cache-control"], "public, max-age=300");
    let jwks: Value = serde_json::from_slice(resp.body().as_ref()).unwrap();
    let header: Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(access.split('.').next().unwrap())
            .unwrap(),
    )
    .unwrap();
    let keys = jwks["keys"].as_array().expect("a bare JWK Set");
    assert!(
        keys.iter()
            .any(|k| k["kid"] == header["kid"] && k["crv"] == "Ed25519"),
        "{jwks}"
    );
    assert!(!jwks.to_string().contains("PRIVATE"));
}

#[tokio::test]
async fn debug_login_only_in_local_stacks() {
    let body = json!({"role": "admin", "organizationId": "acme"});
    let app = stack_app(); // Stage=test
    let (status, resp) = post(
        &app,
        "debug-login",
        auth::debug_login::handle,
        body.clone(),
        &unique_ip(),
    )
    .await;
    assert_eq!(status, 404, "{resp}");
    // A deployed non-production environment is a real one: no debug login.
    for stage in [shared::Stage::Dev, shared::Stage::Prod] {
        let mut config = stack_config();
        config.stage = stage;
        let deployed = shared::App::new(config);
        let (status, resp) = post(
            &deployed,
            "debug-login",
            auth::debug_login::handle,
            body.clone(),
            &unique_ip(),
        )
        .await;
        assert_eq!(status, 404, "{stage:?}: {resp}");
    }

    let mut config = stack_config();
    config.stage = shared::Stage::Local;
    let dev = shared::App::new(config);
    let (status, resp) = post(
        &dev,
        "debug-login",
        auth::debug_login::handle,
        body,
        &unique_ip(),
    )
    .await;
    assert_eq!(status, 200, "{resp}");
    let claims = dev
        .verify_access_token(resp["data"]["accessToken"].as_str().unwrap())
        .await
        .unwrap();
    assert_eq!(claims.role, Role::ADMIN);
    let (status, resp) = post(
        &dev,
        "debug-login",
        auth::debug_login::handle,
        json!({"role": "user"}),
        &unique_ip(),
    )
    .await;
    assert_eq!(status, 400, "{resp}");
    assert_eq!(resp["details"][0]["field"], "organizationId");
}
