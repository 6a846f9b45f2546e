//! This domain's routes in the OpenAPI document (merged by `shared::http::openapi::document`).

#[derive(utoipa::OpenApi)]
#[openapi(paths(
    crate::content::get,
    crate::content::put,
    crate::content::website,
    crate::content::admin_get,
    crate::content::admin_put,
    crate::uploads::upload_image,
    crate::uploads::cms_upload,
))]
pub struct Api;
