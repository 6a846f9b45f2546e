//! This domain's routes in the OpenAPI document (merged by
//! `shared::http::openapi::document`).

#[derive(utoipa::OpenApi)]
#[openapi(paths(
    crate::register::register,
    crate::register::verify_email,
    crate::login::login,
    crate::password::forgot,
    crate::password::reset,
    crate::profile::get,
    crate::profile::update,
    crate::dashboard::get,
))]
pub struct Api;
