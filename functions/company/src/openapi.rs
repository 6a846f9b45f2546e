//! This domain's routes in the OpenAPI document (merged by
//! `shared::http::openapi::document`).

#[derive(utoipa::OpenApi)]
#[openapi(paths(
    crate::settings::get,
    crate::dashboard::get,
    crate::settings::update,
    crate::stops::search,
    crate::stops::create,
    crate::stops::update,
    crate::stops::delete,
    crate::buses::list,
    crate::buses::create,
    crate::buses::update,
    crate::buses::delete,
    crate::routes::list,
    crate::routes::create,
    crate::routes::update,
    crate::routes::delete,
    crate::drivers::list,
    crate::drivers::create,
    crate::drivers::update,
    crate::drivers::delete,
    crate::schedules::list,
    crate::schedules::create,
    crate::schedules::delete,
    crate::trips::list,
    crate::trips::create,
    crate::trips::get,
    crate::trips::update,
    crate::trips::cancel,
))]
pub struct Api;
