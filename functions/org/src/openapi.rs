//! This domain's routes in the OpenAPI document (merged by
//! `shared::http::openapi::document`).

#[derive(utoipa::OpenApi)]
#[openapi(paths(
    crate::organizations::list,
    crate::organizations::create,
    crate::organizations::get,
    crate::organizations::update,
    crate::organizations::delete,
    crate::members::list,
    crate::members::create,
    crate::databases::status,
))]
pub struct Api;
