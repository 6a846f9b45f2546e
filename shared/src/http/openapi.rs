//! The OpenAPI 3.1 description of what every route shares: the envelope, the
//! error responses and the bearer scheme.
//!
//! Each domain crate describes its routes with `#[utoipa::path]` on the
//! handler (request body, parameters, success body as [`Success<T>`], the
//! route-specific errors) and collects them in its `openapi::Api`.
//! [`document`] merges those into the one document and adds what is true of
//! every route, so no handler has to repeat it:
//! - `default`: the error envelope ([`Failure`]) for any other status
//!   (413, 415, 429, 500, 503, ...);
//! - 400 on every route that takes a body or parameters;
//! - 401 and 403 on every route that requires a token.
//!
//! `tests/` writes the result to `functions/admin/openapi.json` (checked in,
//! served by GET /api/v1/openapi.json) and fails when it is out of date.

use utoipa::{
    PartialSchema, ToSchema,
    openapi::{
        Components, ContentBuilder, InfoBuilder, OpenApi, Ref, RefOr, Response, ResponseBuilder,
        ServerBuilder,
        path::Operation,
        security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
    },
};

use super::error::{ErrorCode, FieldError};

/// The security scheme name routes use in `security(("bearerAuth" = []))`.
pub const BEARER: &str = "bearerAuth";

/// Every successful response (DESIGN.md §4); `data` is the route's type.
/// Mirrors the envelope `serve` renders; the contract test
/// (`make test-contract`) checks real responses against it.
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
#[allow(dead_code)] // a schema only: responses are rendered by `serve`
pub struct Success<T> {
    /// Always `true`.
    success: bool,
    data: T,
    /// When the response was rendered (RFC 3339).
    timestamp: String,
    /// The service domain that answered (`org`, `auth`, ...).
    service: String,
    /// The request id (also in the `x-request-id` header and every log line).
    request_id: String,
}

/// Every list's response: `data` is the array of one page of items, `meta`
/// the paging (what the AvaOne frontend reads: `data` as the list).
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
#[allow(dead_code)] // a schema only: responses are rendered by `serve`
pub struct Listed<T> {
    /// Always `true`.
    success: bool,
    /// This page's items (empty past the last page).
    data: Vec<T>,
    meta: super::PageMeta,
    /// When the response was rendered (RFC 3339).
    timestamp: String,
    /// The service domain that answered (`org`, `auth`, ...).
    service: String,
    /// The request id (also in the `x-request-id` header and every log line).
    request_id: String,
}

/// Every error response: a sentence a person can act on, a stable code and,
/// for validation errors, one entry per invalid field.
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
#[allow(dead_code)] // a schema only: errors are rendered by `serve`
pub struct Failure {
    /// Always `false`.
    success: bool,
    error: String,
    code: ErrorCode,
    /// The invalid fields (VALIDATION_FAILED only).
    details: Option<Vec<FieldError>>,
    /// Extra machine-readable context some errors carry.
    #[schema(value_type = Option<Object>)]
    data: Option<serde_json::Value>,
    timestamp: String,
    service: String,
    request_id: String,
}

fn error_response(description: &str) -> RefOr<Response> {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Failure")))
                .build(),
        )
        .build()
        .into()
}

/// Adds the shared responses to one operation (see the module comment).
fn add_shared_responses(op: &mut Operation) {
    let responses = &mut op.responses.responses;
    let has_input =
        op.request_body.is_some() || op.parameters.as_ref().is_some_and(|p| !p.is_empty());
    if has_input {
        responses.entry("400".into()).or_insert_with(|| {
            error_response("VALIDATION_FAILED: the body or a parameter is invalid; `details` names each field.")
        });
    }
    if op.security.as_ref().is_some_and(|s| !s.is_empty()) {
        responses.entry("401".into()).or_insert_with(|| {
            error_response(
                "UNAUTHENTICATED: no token, or a token that is invalid, expired or revoked.",
            )
        });
        responses.entry("403".into()).or_insert_with(|| {
            error_response("FORBIDDEN: the token's role or organization may not do this.")
        });
    }
    responses.entry("default".into()).or_insert_with(|| {
        error_response(
            "Any other error, always in the error envelope: PAYLOAD_TOO_LARGE (413), \
             UNSUPPORTED_MEDIA_TYPE (415), RATE_LIMITED (429, with Retry-After), \
             DEPENDENCY_UNAVAILABLE (503), INTERNAL (500).",
        )
    });
}

/// The whole API's document from the domains' parts.
pub fn document(version: &str, parts: impl IntoIterator<Item = OpenApi>) -> OpenApi {
    let mut doc = OpenApi::new(
        InfoBuilder::new()
            .title("AvaOne Suite API")
            .version(version)
            .description(Some(
                "One AWS Lambda function per route behind API Gateway (DESIGN.md). \
                 Every body is JSON in the envelope `{success, data | error+code, timestamp, \
                 service, requestId}`. Protected routes take `Authorization: Bearer <access token>` \
                 from one of the /auth/*/login routes.",
            ))
            .build(),
        utoipa::openapi::Paths::new(),
    );
    for part in parts {
        doc.merge(part);
    }
    doc.servers = Some(vec![ServerBuilder::new().url("/api/v1").build()]);
    let components = doc.components.get_or_insert_with(Components::new);
    components
        .schemas
        .insert("Failure".into(), Failure::schema());
    let mut nested = Vec::new();
    <Failure as ToSchema>::schemas(&mut nested);
    for (name, schema) in nested {
        components.schemas.entry(name).or_insert(schema);
    }
    components.security_schemes.insert(
        BEARER.into(),
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("JWT")
                .description(Some("An access token (EdDSA JWT) from a login route."))
                .build(),
        )
        .into(),
    );
    for item in doc.paths.paths.values_mut() {
        for op in [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ]
        .into_iter()
        .flatten()
        {
            add_shared_responses(op);
        }
    }
    doc
}
