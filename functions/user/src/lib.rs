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
//! Organization and user documents, and which organization a request may act
//! on, come from the `tenancy` crate.

pub mod directory;
pub mod ensure;
pub mod openapi;
pub mod profile_image;
pub mod samples;

pub const SERVICE: &str = "user-service";
