//! Which organization a request acts on.

use shared::http::{ApiError, Principal};

/// The organization a request acts on: the principal's own; the super admin
/// must name one. A non-super-admin naming another organization is refused.
pub fn organization(principal: &Principal, requested: Option<&str>) -> Result<String, ApiError> {
    match (
        principal.is_super_admin(),
        requested,
        principal.organization_id.as_deref(),
    ) {
        (true, Some(org), _) => Ok(org.to_owned()),
        (true, None, _) => Err(ApiError::validation(
            "organizationId",
            "is required for the super admin",
        )),
        (false, Some(org), _) => {
            principal.require_member_of(org)?;
            Ok(org.to_owned())
        }
        (false, None, Some(own)) => Ok(own.to_owned()),
        (false, None, None) => Err(ApiError::forbidden(
            "This token is not bound to an organization.",
        )),
    }
}
