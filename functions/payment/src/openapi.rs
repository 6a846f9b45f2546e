//! This domain's routes in the OpenAPI document (merged by
//! `shared::http::openapi::document`).

#[derive(utoipa::OpenApi)]
#[openapi(paths(crate::intents::create, crate::webhook::receive,))]
pub struct Api;
