//! This domain's routes in the OpenAPI document (merged by `shared::http::openapi::document`).

#[derive(utoipa::OpenApi)]
#[openapi(paths(
    crate::login::admin,
    crate::login::organization,
    crate::login::workspace,
    crate::debug_login::handle,
    crate::session::verify_token,
    crate::session::refresh_token,
    crate::session::logout,
    crate::session::jwks,
))]
pub struct Api;
