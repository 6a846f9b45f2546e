//! This domain's routes in the OpenAPI document (merged by `shared::http::openapi::document`).

use shared::http::openapi::Success;

use crate::forms::{Accepted, LeadReceipt};

/// The forms' responses come from `forms::FormResponses`, whose schemas
/// utoipa does not collect by itself, so they are listed here.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        crate::forms::contact,
        crate::forms::contact_form,
        crate::forms::meeting_request,
        crate::forms::pricing_inquiry,
        crate::sync::handle,
    ),
    components(schemas(Success<LeadReceipt>, Success<Accepted>))
)]
pub struct Api;
