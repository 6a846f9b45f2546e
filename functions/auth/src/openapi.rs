//! This domain's routes in the OpenAPI document (merged by `shared::http::openapi::document`).

use crate::login_user::LoginUser;

/// The token pair is generic over its `user`: utoipa does not collect a
/// generic argument's schema by itself, so it is listed here.
#[derive(utoipa::OpenApi)]
#[openapi(
    components(schemas(LoginUser)),
    paths(
        crate::login::admin,
        crate::login::organization,
        crate::login::workspace,
        crate::debug_login::handle,
        crate::session::verify_token,
        crate::session::refresh_token,
        crate::session::logout,
        crate::session::jwks,
    )
)]
pub struct Api;
