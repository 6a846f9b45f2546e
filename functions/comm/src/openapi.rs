//! This domain's routes in the OpenAPI document (merged by `shared::http::openapi::document`).

#[derive(utoipa::OpenApi)]
#[openapi(paths(
    crate::forms::contact,
    crate::forms::contact_form,
    crate::forms::meeting_request,
    crate::forms::pricing_inquiry,
    crate::sync::handle,
))]
pub struct Api;
