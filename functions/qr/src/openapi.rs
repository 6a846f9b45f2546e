//! This domain's routes in the OpenAPI document (merged by
//! `shared::http::openapi::document`).

#[derive(utoipa::OpenApi)]
#[openapi(paths(
    crate::keys::list,
    crate::tickets::get,
    crate::tickets::qr,
    crate::scan::scan,
    crate::scan::sync,
    crate::manifest::get,
))]
pub struct Api;
