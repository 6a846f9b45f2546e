//! This domain's routes in the OpenAPI document (merged by `shared::http::openapi::document`).

#[derive(utoipa::OpenApi)]
#[openapi(paths(crate::workspace::handle, crate::chatbot::handle,))]
pub struct Api;
