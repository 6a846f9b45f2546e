//! What each login sends, and the rules its schema cannot state.

use serde::Deserialize;
use shared::{
    http::{Validate, Violations},
    stores::mongo::org_db_name,
};

/// The super admin's credentials.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdminLogin {
    #[schema(min_length = 1, max_length = 256, format = Password)]
    pub password: String,
}

impl Validate for AdminLogin {
    fn validate(&self, v: &mut Violations) {
        v.required("password", &self.password);
    }
}

/// An organization admin's credentials.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct OrganizationLogin {
    /// The organization's accountId.
    #[schema(pattern = "^[A-Za-z0-9_-]{1,48}$", example = "acme")]
    pub account_id: String,
    /// Compared case-insensitively.
    #[schema(format = "email", max_length = 254)]
    pub admin_email: String,
    #[schema(min_length = 1, max_length = 256, format = Password)]
    pub admin_password: String,
}

impl Validate for OrganizationLogin {
    fn validate(&self, v: &mut Violations) {
        account_id(v, "accountId", &self.account_id);
        v.email("adminEmail", &self.admin_email);
        v.required("adminPassword", &self.admin_password);
    }
}

/// A workspace user's credentials.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct WorkspaceLogin {
    /// The organization's accountId.
    #[schema(pattern = "^[A-Za-z0-9_-]{1,48}$", example = "acme")]
    pub organization_id: String,
    /// Compared case-insensitively.
    #[schema(format = "email", max_length = 254)]
    pub email: String,
    #[schema(min_length = 1, max_length = 256, format = Password)]
    pub password: String,
}

impl Validate for WorkspaceLogin {
    fn validate(&self, v: &mut Violations) {
        account_id(v, "organizationId", &self.organization_id);
        v.email("email", &self.email);
        v.required("password", &self.password);
    }
}

fn account_id(v: &mut Violations, field: &str, value: &str) {
    if let Err(e) = org_db_name(value) {
        for d in e.details() {
            v.add(field, d.message.clone());
        }
    }
}
