//! The whole API's OpenAPI 3.1 document, generated from the route
//! descriptions (`#[utoipa::path]` on each handler, collected in each domain
//! crate's `openapi::Api`) and the shared envelope
//! (`shared::http::openapi`). `make openapi` writes it to [`PATH`], where
//! the `openapi` function embeds it; `tests/tests/openapi.rs` fails when the
//! checked-in file is out of date.

use utoipa::OpenApi;

/// The checked-in document, relative to the repository root.
pub const PATH: &str = "functions/admin/openapi.json";

pub fn document() -> utoipa::openapi::OpenApi {
    shared::http::openapi::document(env!("CARGO_PKG_VERSION"), parts())
}

/// Each domain's part of the document.
pub fn parts() -> Vec<utoipa::openapi::OpenApi> {
    vec![
        auth::openapi::Api::openapi(),
        org::openapi::Api::openapi(),
        user::openapi::Api::openapi(),
        voice::openapi::Api::openapi(),
        cms::openapi::Api::openapi(),
        comm::openapi::Api::openapi(),
        analytics::openapi::Api::openapi(),
        admin::openapi::Api::openapi(),
        passenger::openapi::Api::openapi(),
        company::openapi::Api::openapi(),
        payment::openapi::Api::openapi(),
        qr::openapi::Api::openapi(),
        ticketing::openapi::Api::openapi(),
    ]
}

/// The document as checked in: pretty JSON with a final newline.
pub fn render() -> String {
    let mut text = document()
        .to_pretty_json()
        .expect("the OpenAPI document serializes");
    text.push('\n');
    text
}
