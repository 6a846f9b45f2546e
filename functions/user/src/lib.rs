//! User domain (DESIGN.md §3 `user` rows). The three listing routes answer
//! three different questions about the caller's organization:
//!
//! | route | question | who is in it | shape |
//! |---|---|---|---|
//! | GET /users/workspace-users | which accounts exist? | every user, active or not | full profile (no hash), paged |
//! | GET /users/team-members | who is on the team? | active users; `?department=` | name, role, department, position, paged |
//! | GET /users/team-users | whom can I assign? | active users | `{id, name, email, role}` for pickers, sorted by name |
//!
//! plus POST /users/workspace/ensure-user (admin; idempotent upsert, honours
//! `Idempotency-Key`), POST /users/workspace/profile-image (FormData or image
//! bytes → S3), GET /users/profile-images/{accountId}/{userId}/{file} (public
//! redirect to the current picture) and POST /users/add-sample-users (local
//! stacks only).
//!
//! Every route works on the caller's own organization; the super admin names
//! one with `?organizationId=` (or `organizationId` in the ensure-user body).
//! Organization and user documents are owned by the `org` crate.

pub mod directory;
pub mod ensure;
pub mod openapi;
pub mod profile_image;
pub mod samples;

pub const SERVICE: &str = "user-service";

use shared::http::{ApiError, Principal};

/// The organization a request acts on: the principal's own; the super admin
/// must name one. A non-super-admin naming another organization is refused.
pub fn scope(principal: &Principal, requested: Option<&str>) -> Result<String, ApiError> {
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
