//! This domain's routes in the OpenAPI document (merged by `shared::http::openapi::document`).

#[derive(utoipa::OpenApi)]
#[openapi(paths(
    crate::agent::handle,
    crate::speech::speech_to_text,
    crate::speech::text_to_speech,
))]
pub struct Api;
