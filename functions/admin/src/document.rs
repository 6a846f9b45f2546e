//! GET /openapi.json: the API's OpenAPI 3.1 document.
//!
//! The document is generated from the route descriptions by `make openapi`
//! and checked in next to this crate; the binary embeds that file, so what
//! a deployment serves is exactly what was reviewed, and serving it needs
//! no store and no secret.

use lambda_http::http::{HeaderValue, header};
use serde_json::Value;
use shared::http::{ApiError, Reply, Request};

/// The checked-in document (`tests/tests/openapi.rs` keeps it current).
pub const DOCUMENT: &str = include_str!("../openapi.json");

/// Parsed once per execution environment, in `main`.
pub fn parse() -> Result<Value, serde_json::Error> {
    serde_json::from_str(DOCUMENT)
}

/// The OpenAPI document.
///
/// Public. The document itself is the body (no envelope), as OpenAPI tools
/// expect; clients may cache it for five minutes.
#[utoipa::path(
    get,
    path = "/openapi.json",
    operation_id = "openapi",
    tag = "admin",
    responses((status = 200, description = "The OpenAPI 3.1 document.", body = Object)),
)]
pub async fn get(document: &Value, _req: Request) -> Result<Reply, ApiError> {
    Ok(Reply::standard_document(document)?.header(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    ))
}
