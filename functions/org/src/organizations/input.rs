//! What a client may send to create or update an organization, and the
//! rules its schema cannot state (lengths are in the schema).

use serde::Deserialize;
use shared::http::{Validate, Violations};
use tenancy::model::{self, Limit};
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CreateOrganization {
    #[schema(max_length = 120)]
    pub name: String,
    #[schema(max_length = 254)]
    pub email: String,
    #[serde(default)]
    #[schema(max_length = 40)]
    pub phone: Option<String>,
    #[serde(default)]
    #[schema(max_length = 300)]
    pub address: Option<String>,
    #[serde(default)]
    #[schema(max_length = 100)]
    pub industry: Option<String>,
    #[serde(default)]
    #[schema(max_length = 40)]
    pub employee_count: Option<String>,
    #[serde(default)]
    pub founded_year: Option<String>,
    #[serde(default)]
    pub website: Option<String>,
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub description: Option<String>,
    #[schema(max_length = 254)]
    pub admin_email: String,
    #[schema(min_length = 12, max_length = 256)]
    pub admin_password: String,
    #[serde(default)]
    pub license_status: Option<String>,
    pub license_expiry: String,
    #[serde(default)]
    #[schema(max_items = 20)]
    pub selected_products: Option<Vec<String>>,
    /// The subscription plan; `standard` when left out.
    #[serde(default)]
    #[schema(max_length = 40, example = "business")]
    pub plan: Option<String>,
    pub user_limit: Limit,
}

/// The rules of the profile fields (which an organization's own admin may
/// edit) that their schema cannot state; their lengths are in the schema.
fn profile_checks(v: &mut Violations, founded_year: &Option<String>, website: &Option<String>) {
    if let Some(year) = founded_year {
        let ok = year.is_empty()
            || year
                .parse::<u16>()
                .is_ok_and(|y| (1800..=2100).contains(&y));
        v.check(ok, "foundedYear", "must be a year between 1800 and 2100");
    }
    if let Some(url) = website {
        let ok = url.is_empty()
            || ((url.starts_with("https://") || url.starts_with("http://")) && url.len() <= 300);
        v.check(
            ok,
            "website",
            "must be an http(s) URL of at most 300 characters",
        );
    }
}

/// The commercial fields, which only the super admin sets.
struct License<'a> {
    status: Option<&'a String>,
    expiry: Option<&'a String>,
    products: &'a Option<Vec<String>>,
    plan: Option<&'a String>,
    user_limit: Option<&'a Limit>,
}

fn license_checks(v: &mut Violations, l: License<'_>) {
    if let Some(status) = l.status {
        v.check(
            model::LICENSE_STATUSES.contains(&status.as_str()),
            "licenseStatus",
            "must be one of active, suspended, paused, expired",
        );
    }
    if let Some(expiry) = l.expiry {
        v.check(
            model::valid_date(expiry),
            "licenseExpiry",
            "must be a date (YYYY-MM-DD) or an RFC 3339 timestamp",
        );
    }
    model::products(v, "selectedProducts", l.products);
    if let Some(plan) = l.plan {
        v.required("plan", plan);
    }
    if let Some(limit) = l.user_limit {
        v.check(
            limit.value().is_some(),
            "userLimit",
            "must be a whole number from 1 to 100000",
        );
    }
}

impl Validate for CreateOrganization {
    fn validate(&self, v: &mut Violations) {
        v.required("name", &self.name);
        v.email("email", &self.email);
        profile_checks(v, &self.founded_year, &self.website);
        v.email("adminEmail", &self.admin_email);
        license_checks(
            v,
            License {
                status: self.license_status.as_ref(),
                expiry: Some(&self.license_expiry),
                products: &self.selected_products,
                plan: self.plan.as_ref(),
                user_limit: Some(&self.user_limit),
            },
        );
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct UpdateOrganization {
    #[schema(max_length = 120)]
    pub name: Option<String>,
    /// Super admin only: it is unique across organizations, so letting an
    /// organization's admin change it would tell them (by a 409) which
    /// addresses other organizations use.
    #[schema(max_length = 254)]
    pub email: Option<String>,
    #[schema(max_length = 40)]
    pub phone: Option<String>,
    #[schema(max_length = 300)]
    pub address: Option<String>,
    #[schema(max_length = 100)]
    pub industry: Option<String>,
    #[schema(max_length = 40)]
    pub employee_count: Option<String>,
    pub founded_year: Option<String>,
    pub website: Option<String>,
    #[schema(max_length = 2000)]
    pub description: Option<String>,
    // Super admin only:
    #[schema(max_length = 254)]
    pub admin_email: Option<String>,
    #[schema(min_length = 12, max_length = 256)]
    pub admin_password: Option<String>,
    pub license_status: Option<String>,
    pub license_expiry: Option<String>,
    #[schema(max_items = 20)]
    pub selected_products: Option<Vec<String>>,
    #[schema(max_length = 40)]
    pub plan: Option<String>,
    pub user_limit: Option<Limit>,
}

impl Validate for UpdateOrganization {
    fn validate(&self, v: &mut Violations) {
        if let Some(name) = &self.name {
            v.required("name", name);
        }
        if let Some(email) = &self.email {
            v.email("email", email);
        }
        profile_checks(v, &self.founded_year, &self.website);
        if let Some(email) = &self.admin_email {
            v.email("adminEmail", email);
        }
        license_checks(
            v,
            License {
                status: self.license_status.as_ref(),
                expiry: self.license_expiry.as_ref(),
                products: &self.selected_products,
                plan: self.plan.as_ref(),
                user_limit: self.user_limit.as_ref(),
            },
        );
    }
}
