//! This domain's routes in the OpenAPI document (merged by
//! `shared::http::openapi::document`).

#[derive(utoipa::OpenApi)]
#[openapi(paths(
    crate::search::search,
    crate::seats::get,
    crate::bookings::create,
    crate::bookings::get,
    crate::cancel::cancel,
    crate::bookings::list_mine,
    crate::bookings::list_company,
    crate::counter::sell,
))]
pub struct Api;
