//! The Lambda authorizer against the real stack: allows valid tokens with
//! the principal as context, denies everything else, and fails closed when
//! the revocation store cannot be asked.

use aws_lambda_events::apigw::ApiGatewayV2CustomAuthorizerV2Request;
use serde_json::Value;
use shared::{
    App,
    http::{Principal, Role},
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

fn member() -> Principal {
    Principal {
        user_id: "u-42".into(),
        role: Role::Employee,
        organization_id: Some("acme".into()),
        permissions: vec!["chat:read".into()],
    }
}

#[tokio::test]
async fn a_valid_token_is_allowed_with_the_principal_as_context() {
    let app = stack_app();
    let (token, _) = app.issue_access_token(&member(), None).await.unwrap();
    let resp = authorizer::authorize(&app, &request(Some(&token))).await;
    assert!(resp.is_authorized);
    assert_eq!(resp.context["userId"], "u-42");
    assert_eq!(resp.context["role"], "employee");
    assert_eq!(resp.context["organizationId"], "acme");
    assert_eq!(resp.context["permissions"][0], "chat:read");

    // What the authorizer hands on is what functions read back.
    let mut ev = event("auth", "logout");
    ev["requestContext"]["authorizer"] = serde_json::json!({"lambda": resp.context});
    let req = test_support::request(&ev);
    assert_eq!(app.principal(&req).await.unwrap(), member());
}

#[tokio::test]
async fn missing_bad_and_revoked_tokens_are_denied() {
    let app = stack_app();
    let (token, claims) = app.issue_access_token(&member(), None).await.unwrap();
    let mut tampered = token.clone();
    tampered.pop();
    for t in [None, Some("not-a-jwt"), Some(tampered.as_str())] {
        let resp = authorizer::authorize(&app, &request(t)).await;
        assert!(!resp.is_authorized, "{t:?}");
        assert_eq!(resp.context, serde_json::json!({}));
    }
    app.revoke_access_token(&claims).await.unwrap();
    assert!(
        !authorizer::authorize(&app, &request(Some(&token)))
            .await
            .is_authorized
    );
}

#[tokio::test]
async fn an_unreachable_revocation_store_fails_closed() {
    let app = stack_app();
    let (token, _) = app.issue_access_token(&member(), None).await.unwrap();
    // Same keys (the secret is read first), but DynamoDB's table is gone:
    // revocation cannot be checked, so the token is not trusted.
    let mut config = stack_config();
    config.table_name = Some("avaone-no-such-table".into());
    let blind = App::new(config);
    assert!(
        !authorizer::authorize(&blind, &request(Some(&token)))
            .await
            .is_authorized
    );
}

/// DynamoDB stops answering (its process is stopped): the authorizer denies
/// even a valid token within the dependency timeout (fail closed), and when
/// it answers again the same warm App allows it, while a revocation written
/// before the fault still denies its token.
#[tokio::test]
async fn dynamodb_down_fails_closed_and_recovers_with_revocations_kept() {
    let moto = OwnMoto::start().await;
    let mut config = stack_config();
    config.dependency_timeout = std::time::Duration::from_millis(1000);
    let app = moto.app(config).await;
    let (kept, _) = app.issue_access_token(&member(), None).await.unwrap();
    let (revoked, claims) = app.issue_access_token(&member(), None).await.unwrap();
    app.revoke_access_token(&claims).await.unwrap();
    let allowed = async |token: &str| {
        authorizer::authorize(&app, &request(Some(token)))
            .await
            .is_authorized
    };
    assert!(allowed(&kept).await);
    assert!(!allowed(&revoked).await);

    moto.pause();
    let started = std::time::Instant::now();
    assert!(
        !allowed(&kept).await,
        "allowed while revocation was unknowable"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(5));

    moto.resume();
    assert!(allowed(&kept).await, "the same warm App did not recover");
    assert!(
        !allowed(&revoked).await,
        "a revocation was lost in the fault"
    );
}
