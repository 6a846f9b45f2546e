//! GET /api/v1/openapi.json serves the checked-in document, outside the
//! envelope, cacheable.

use std::path::PathBuf;

use serde_json::Value;
use shared::http::dispatch;

#[tokio::test]
async fn serves_the_checked_in_document() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../events/admin/openapi.json");
    let req = lambda_http::request::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let document = admin::document::parse().expect("openapi.json is JSON");
    let resp = dispatch(admin::SERVICE, req, |req| {
        admin::document::get(&document, req)
    })
    .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "application/json");
    assert_eq!(resp.headers()["cache-control"], "public, max-age=300");
    let body: Value = serde_json::from_slice(resp.body().as_ref()).unwrap();
    assert_eq!(
        body, document,
        "the body is the document itself, not an envelope"
    );
    assert_eq!(body["openapi"], "3.1.0");
    assert!(body["paths"]["/openapi.json"]["get"].is_object());
}
