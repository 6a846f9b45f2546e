//! This domain's routes in the OpenAPI document (merged by `shared::http::openapi::document`).

#[derive(utoipa::OpenApi)]
#[openapi(paths(
    crate::directory::workspace_users,
    crate::directory::team_members,
    crate::directory::team_users,
    crate::ensure::handle,
    crate::profile_image::handle,
    crate::profile_image::serve,
    crate::samples::handle,
))]
pub struct Api;
