//! The `user` object of a login answer: who logged in, one shape per login
//! route. Its own module so the logins and the token code share it without
//! importing each other.

use serde::Serialize;
use shared::http::Role;

/// The `user` of a login response: who logged in. Which shape depends on
/// the login route.
///
/// Each variant denies unknown fields in its schema (`additionalProperties:
/// false`) so exactly one `oneOf` branch matches a response.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum LoginUser {
    SuperAdmin(SuperAdminUser),
    OrganizationAdmin(OrganizationAdminUser),
    Workspace(WorkspaceUser),
    Debug(DebugUser),
}

/// The `user` of POST /auth/admin/login.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SuperAdminUser {
    /// Always `super-admin`.
    #[schema(example = "super-admin")]
    pub id: &'static str,
    /// Always `super_admin`.
    pub role: Role,
}

/// The `user` of POST /auth/organization/login.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct OrganizationAdminUser {
    /// The organization document's id.
    pub id: String,
    /// Always `admin`.
    pub role: Role,
    /// The admin email, lowercased.
    pub email: String,
    /// The organization's accountId.
    pub organization_id: String,
    /// Empty when the organization has no name.
    pub organization_name: String,
}

/// The `user` of POST /auth/workspace/login. Profile fields the stored
/// user lacks are empty strings.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct WorkspaceUser {
    /// The user document's id.
    pub id: String,
    /// The email, lowercased.
    pub email: String,
    /// `admin`, `user` or `employee`.
    pub role: Role,
    /// The organization's accountId.
    pub organization_id: String,
    pub organization_name: String,
    pub first_name: String,
    pub last_name: String,
    pub department: String,
    pub position: String,
}

/// The `user` of POST /auth/debug/login.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DebugUser {
    pub id: String,
    pub role: Role,
    /// `null` for `super_admin` (always present).
    #[schema(required = true)]
    pub organization_id: Option<String>,
    /// Always `true`: these tokens come from the debug login.
    pub debug: bool,
}
