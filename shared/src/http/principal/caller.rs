//! Who the caller is and what they may do: their [`Role`] (data, not a
//! closed list) and the [`Principal`]'s checks every handler authorizes with.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::http::ApiError;

/// A principal's role, as it appears in tokens and responses.
///
/// Roles are data, not a closed list: a token may carry a role this build
/// has never heard of (a product added later, e.g. transit's `passenger`
/// and `driver`), and every check below simply refuses it, so adding a role
/// never forces every function to be redeployed in lockstep. A role name is
/// 1-32 characters of lowercase letters, digits and `_`, starting with a
/// letter; anything else is not a role at all.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Role(Cow<'static, str>);

/// A principal's role, as it appears in tokens and responses.
// The OpenAPI document lists the roles this build issues.
#[derive(utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)] // documentation only
enum IssuedRole {
    SuperAdmin,
    Admin,
    User,
    Employee,
    Driver,
    Passenger,
}

impl utoipa::PartialSchema for Role {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        IssuedRole::schema()
    }
}

impl utoipa::ToSchema for Role {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Role")
    }
}

impl Role {
    /// The platform's operator (`sa` routes).
    pub const SUPER_ADMIN: Role = Role(Cow::Borrowed("super_admin"));
    /// Organization roles, from the seed's `OrganizationUser.role`.
    pub const ADMIN: Role = Role(Cow::Borrowed("admin"));
    pub const USER: Role = Role(Cow::Borrowed("user"));
    pub const EMPLOYEE: Role = Role(Cow::Borrowed("employee"));
    /// Transit: an organization user who scans tickets and reads the
    /// manifests of the trips assigned to them, and nothing else.
    pub const DRIVER: Role = Role(Cow::Borrowed("driver"));
    /// Transit: a self-registered traveller, in no organization.
    pub const PASSENGER: Role = Role(Cow::Borrowed("passenger"));

    /// Who may call the suite's routes (and transit's `ou` routes): the
    /// super admin and an organization's admin, users and employees. A
    /// driver or passenger token is refused on every one of them.
    pub const SUITE: &'static [Role] =
        &[Role::SUPER_ADMIN, Role::ADMIN, Role::USER, Role::EMPLOYEE];

    /// A well-formed role name, known to this build or not.
    pub fn parse(s: &str) -> Option<Role> {
        let bytes = s.as_bytes();
        let well_formed = (1..=32).contains(&bytes.len())
            && bytes[0].is_ascii_lowercase()
            && bytes
                .iter()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'_');
        well_formed.then(|| Role(Cow::Owned(s.to_owned())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Role {
    type Error = String;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Role::parse(&value).ok_or_else(|| {
            "a role is 1-32 lowercase letters, digits or '_', starting with a letter".to_owned()
        })
    }
}

impl From<Role> for String {
    fn from(role: Role) -> String {
        role.0.into_owned()
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Principal {
    pub user_id: String,
    pub role: Role,
    /// The organization the principal belongs to; `None` for the super admin.
    pub organization_id: Option<String>,
    pub permissions: Vec<String>,
}

impl Principal {
    pub fn is_super_admin(&self) -> bool {
        self.role == Role::SUPER_ADMIN
    }

    /// Whether the principal holds one of `roles`.
    pub fn has_any_role(&self, roles: &[Role]) -> bool {
        roles.contains(&self.role)
    }

    /// Whether the principal's permissions grant `permission` (`*` grants all).
    pub fn has_permission(&self, permission: &str) -> bool {
        self.permissions.iter().any(|p| p == "*" || p == permission)
    }

    /// Routes open to some roles only (e.g. transit's `d`: drivers). A
    /// role this build does not know is refused here like any other.
    pub fn require_any_role(&self, roles: &[Role]) -> Result<(), ApiError> {
        if self.has_any_role(roles) {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "The role {} may not do this.",
                self.role
            )))
        }
    }

    /// Routes marked `sa`.
    pub fn require_super_admin(&self) -> Result<(), ApiError> {
        if self.is_super_admin() {
            Ok(())
        } else {
            Err(ApiError::forbidden("Only the super admin may do this."))
        }
    }

    /// Routes marked `ou`: any member of `account_id` (or the super admin).
    /// Tenant isolation lives here: every org-scoped handler calls this (or
    /// [`Principal::require_org_admin`]) with the organization it is about
    /// to touch, whatever the request named.
    pub fn require_member_of(&self, account_id: &str) -> Result<(), ApiError> {
        if self.is_super_admin() || self.organization_id.as_deref() == Some(account_id) {
            Ok(())
        } else {
            Err(ApiError::forbidden(
                "You do not have access to this organization.",
            ))
        }
    }

    /// Routes marked `oa`: an admin of `account_id` (or the super admin).
    pub fn require_org_admin(&self, account_id: &str) -> Result<(), ApiError> {
        self.require_member_of(account_id)?;
        if self.is_super_admin() || self.role == Role::ADMIN {
            Ok(())
        } else {
            Err(ApiError::forbidden(
                "Only an admin of this organization may do this.",
            ))
        }
    }
}
