//! This domain's routes in the OpenAPI document (merged by `shared::http::openapi::document`).

#[derive(utoipa::OpenApi)]
#[openapi(paths(
    crate::leads::handle,
    crate::debug::debug,
    crate::debug::credentials,
    crate::debug::db_health,
    crate::dev::setup_test_data,
    crate::dev::run_check,
    crate::health::handle,
    crate::document::get,
))]
pub struct Api;
