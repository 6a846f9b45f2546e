//! This domain's routes in the OpenAPI document (merged by
//! `shared::http::openapi::document`).

use crate::account::PassengerUser;

/// The token pair is generic over its `user`: utoipa does not collect a
/// generic argument's schema by itself, so it is listed here.
#[derive(utoipa::OpenApi)]
#[openapi(
    components(schemas(PassengerUser)),
    paths(
        crate::register::register,
        crate::register::verify_email,
        crate::login::login,
        crate::password::forgot,
        crate::password::reset,
        crate::profile::get,
        crate::profile::update,
        crate::dashboard::get,
    )
)]
pub struct Api;
