//! The Lambda authorizer against the real stack: a valid token goes on with
//! the principal as context; anything else goes on with a refusal that the
//! function answers as 401 (503 when the session store cannot be asked:
//! fail closed), never with a principal.

use aws_lambda_events::apigw::ApiGatewayV2CustomAuthorizerV2Request;
use serde_json::Value;
use shared::{
    App,
    http::{Principal, Role},
    identity::sessions::AccountKind,
    telemetry::Business,
};
use test_support::{OwnMoto, event, stack_app, stack_config};

fn request(token: Option<&str>) -> ApiGatewayV2CustomAuthorizerV2Request {
    let mut ev = event("authorizer", "authorizer");
    match token {
        Some(t) => {
            ev["headers"]["authorization"] = Value::String(format!("Bearer {t}"));
            ev["identitySource"] = serde_json::json!([format!("Bearer {t}")]);
        }
        None => {
            ev["headers"]
                .as_object_mut()
                .unwrap()
                .remove("authorization");
            ev["identitySource"] = serde_json::json!([]);
        }
    }
    serde_json::from_value(ev).unwrap()
}

/// A token of a fresh session of `member()`, and the session's id.
async fn session_token(app: &App) -> (String, String) {
    let session = app
        .start_session(&member(), AccountKind::Debug, "")
        .await
        .unwrap();
    let (token, _) = app
        .issue_access_token(&member(), &session.id)
        .await
        .unwrap();
    (token, session.id)
}

/// What a function answers for the context the authorizer handed on:
/// `Ok(principal)` or the status of its refusal.
async fn function_sees(app: &App, context: &Value) -> Result<Principal, u16> {
    let mut ev = event("auth", "logout");
    ev["requestContext"]["authorizer"] = serde_json::json!({"lambda": context});
    app.principal(&test_support::request(&ev))
        .await
        .map_err(|e| e.status().as_u16())
}

fn member() -> Principal {
    Principal {
        user_id: "u-42".into(),
        role: Role::EMPLOYEE,
        organization_id: Some("acme".into()),
        permissions: vec!["chat:read".into()],
    }
}

#[tokio::test]
async fn a_valid_token_is_allowed_with_the_principal_as_context() {
    let app = stack_app();
    let (token, _) = session_token(&app).await;
    let resp = authorizer::authorize(&app, &request(Some(&token))).await;
    assert!(resp.is_authorized);
    assert_eq!(resp.context["userId"], "u-42");
    assert_eq!(resp.context["role"], "employee");
    assert_eq!(resp.context["organizationId"], "acme");
    assert_eq!(resp.context["permissions"][0], "chat:read");

    // What the authorizer hands on is what functions read back.
    assert_eq!(function_sees(&app, &resp.context).await, Ok(member()));
}

#[tokio::test]
async fn missing_bad_and_revoked_tokens_reach_the_function_as_a_401_refusal() {
    let app = stack_app();
    let (token, session) = session_token(&app).await;
    let mut tampered = token.clone();
    tampered.pop();
    // A token signed with the real key but belonging to no session.
    let (sessionless, _) = app
        .issue_access_token(&member(), "never-started")
        .await
        .unwrap();
    for t in [
        None,
        Some("not-a-jwt"),
        Some(tampered.as_str()),
        Some(sessionless.as_str()),
    ] {
        let resp = authorizer::authorize(&app, &request(t)).await;
        // Allowed through API Gateway, so the function answers our 401...
        assert!(resp.is_authorized, "{t:?}");
        // ...with nothing but the refusal in the context.
        assert_eq!(resp.context.as_object().unwrap().len(), 1, "{t:?}");
        assert_eq!(function_sees(&app, &resp.context).await, Err(401), "{t:?}");
    }
    // Ending the session ends the token on the very next check.
    let before = authorizer::authorize(&app, &request(Some(&token))).await;
    assert!(function_sees(&app, &before.context).await.is_ok());
    app.revoke_session(&session).await.unwrap();
    let after = authorizer::authorize(&app, &request(Some(&token))).await;
    assert_eq!(function_sees(&app, &after.context).await, Err(401));
}

#[tokio::test]
async fn an_unreachable_session_store_fails_closed() {
    let app = stack_app();
    let (token, _) = session_token(&app).await;
    // Same keys (the secret is read first), but DynamoDB's table is gone:
    // the session cannot be checked, so the token is not trusted.
    let mut config = stack_config();
    config.table_name = Some("avaone-no-such-table".into());
    let blind = App::new(config);
    let metrics = shared::telemetry::capture();
    let resp = authorizer::authorize(&blind, &request(Some(&token))).await;
    assert_eq!(resp.context["refusal"], "unavailable");
    // Counted for AuthorizerAlarm: the refusal is the platform's fault.
    assert_eq!(metrics.count(Business::AuthorizerUnavailable), 1);
    // A caller's bad token is not.
    authorizer::authorize(&app, &request(Some("not-a-token"))).await;
    assert_eq!(metrics.count(Business::AuthorizerUnavailable), 1);
    assert_eq!(function_sees(&app, &resp.context).await, Err(503));
}

/// DynamoDB stops answering (its process is stopped): the authorizer
/// refuses even a valid token within the dependency timeout (fail closed),
/// and when it answers again the same warm App accepts it, while a session
/// ended before the fault stays ended.
#[tokio::test]
async fn dynamodb_down_fails_closed_and_recovers_with_revocations_kept() {
    let moto = OwnMoto::start().await;
    let mut config = stack_config();
    config.dependency_timeout = std::time::Duration::from_millis(1000);
    let app = moto.app(config).await;
    let (kept, _) = session_token(&app).await;
    let (revoked, session) = session_token(&app).await;
    app.revoke_session(&session).await.unwrap();
    let allowed = async |token: &str| {
        let resp = authorizer::authorize(&app, &request(Some(token))).await;
        resp.context.get("refusal").is_none()
    };
    assert!(allowed(&kept).await);
    assert!(!allowed(&revoked).await);

    moto.pause();
    let started = std::time::Instant::now();
    assert!(
        !allowed(&kept).await,
        "allowed while the session was unknowable"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(5));

    moto.resume();
    assert!(allowed(&kept).await, "the same warm App did not recover");
    assert!(
        !allowed(&revoked).await,
        "a revocation was lost in the fault"
    );
}
