//! Organization and user documents as the seed's types describe them
//! (`Organization`, `OrganizationUser`), and their public views (never a
//! password hash).

use mongodb::bson::{Document, doc};
use serde::{Deserialize, Serialize};
use shared::http::{ApiError, Violations};
use time::{
    Date, OffsetDateTime, format_description::well_known::Rfc3339, macros::format_description,
};
use utoipa::ToSchema;

pub const ORGANIZATIONS: &str = "organizations";
pub const USERS: &str = "users";
pub const LICENSE_STATUSES: [&str; 4] = ["active", "suspended", "paused", "expired"];
pub const ORG_ROLES: [&str; 3] = ["admin", "user", "employee"];

/// `userLimit` arrives as the seed's string ("25") or as a number.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum Limit {
    Text(String),
    Number(i64),
}

impl Limit {
    pub fn value(&self) -> Option<u32> {
        match self {
            Limit::Text(s) => s.trim().parse().ok(),
            Limit::Number(n) => u32::try_from(*n).ok(),
        }
        .filter(|n| (1..=100_000).contains(n))
    }
}

/// The organization's user limit as stored (a string per the seed).
pub fn user_limit(org: &Document) -> Option<u32> {
    match org.get("userLimit") {
        Some(mongodb::bson::Bson::String(s)) => s.trim().parse().ok(),
        Some(mongodb::bson::Bson::Int32(n)) => u32::try_from(*n).ok(),
        Some(mongodb::bson::Bson::Int64(n)) => u32::try_from(*n).ok(),
        _ => None,
    }
}

pub fn valid_date(value: &str) -> bool {
    OffsetDateTime::parse(value, &Rfc3339).is_ok()
        || Date::parse(value, format_description!("[year]-[month]-[day]")).is_ok()
}

/// Product names: 1-40 characters each (how many, the schema says).
pub fn products(v: &mut Violations, field: &str, value: &Option<Vec<String>>) {
    if let Some(items) = value {
        v.check(
            items.iter().all(|p| !p.trim().is_empty() && p.len() <= 40),
            field,
            "must contain product names of 1-40 characters",
        );
    }
}

/// An organization as clients see it: the seed's `Organization` without the
/// admin password hash. Built from the stored document; fields older
/// documents lack read as empty. (In both views `serde(default)` is for
/// reading stored documents; every field is always sent, so the schema
/// marks each one required.)
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct Organization {
    #[schema(required = true)]
    pub id: String,
    /// The organization's key: its database is `org_<accountId>`.
    #[schema(required = true)]
    pub account_id: String,
    #[schema(required = true)]
    pub name: String,
    #[schema(required = true)]
    pub email: String,
    #[schema(required = true)]
    pub phone: String,
    #[schema(required = true)]
    pub address: String,
    #[schema(required = true)]
    pub industry: String,
    #[schema(required = true)]
    pub employee_count: String,
    #[schema(required = true)]
    pub founded_year: String,
    #[schema(required = true)]
    pub website: String,
    #[schema(required = true)]
    pub description: String,
    #[schema(required = true)]
    pub admin_email: String,
    /// active, suspended, paused or expired.
    #[schema(required = true)]
    pub license_status: String,
    /// YYYY-MM-DD or an RFC 3339 timestamp.
    #[schema(required = true)]
    pub license_expiry: String,
    #[schema(required = true)]
    pub selected_products: Vec<String>,
    /// The subscription plan (e.g. `standard`, `business`); organizations
    /// stored before plans existed read as `standard`.
    #[serde(default = "standard_plan")]
    #[schema(required = true, example = "standard")]
    pub plan: String,
    /// The maximum number of users, as the seed stores it (a string).
    #[serde(deserialize_with = "limit_text")]
    #[schema(required = true)]
    pub user_limit: String,
    /// RFC 3339, UTC.
    #[serde(deserialize_with = "shared::clock::stored_instant")]
    #[schema(required = true)]
    pub created_at: Option<String>,
    /// RFC 3339, UTC.
    #[serde(deserialize_with = "shared::clock::stored_instant")]
    #[schema(required = true)]
    pub updated_at: Option<String>,
}

/// A user of an organization as clients see it: the seed's
/// `OrganizationUser` without the password hash.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct OrgUser {
    #[schema(required = true)]
    pub id: String,
    #[schema(required = true)]
    pub account_id: String,
    #[schema(required = true)]
    pub organization_id: String,
    #[schema(required = true)]
    pub organization_name: String,
    #[schema(required = true)]
    pub email: String,
    /// admin, user or employee.
    #[schema(required = true)]
    pub role: String,
    /// Absent in a stored document means active, as every query reads it.
    #[serde(default = "active")]
    #[schema(required = true)]
    pub is_active: bool,
    #[schema(required = true)]
    pub first_name: String,
    #[schema(required = true)]
    pub last_name: String,
    #[schema(required = true)]
    pub department: String,
    #[schema(required = true)]
    pub position: String,
    /// The organization's subscription plan (the seed's `WorkspaceUser.plan`),
    /// read from the organization, never stored on the user.
    #[serde(skip_deserializing)]
    #[schema(required = true, example = "standard")]
    pub plan: String,
    /// S3 key of the profile image, once one was uploaded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile_image_key: Option<String>,
    /// Where to show the profile image (`<img src>`), once one was uploaded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile_image_url: Option<String>,
    /// RFC 3339, UTC.
    #[serde(deserialize_with = "shared::clock::stored_instant")]
    #[schema(required = true)]
    pub created_at: Option<String>,
    /// RFC 3339, UTC.
    #[serde(deserialize_with = "shared::clock::stored_instant")]
    #[schema(required = true)]
    pub updated_at: Option<String>,
}

fn active() -> bool {
    true
}

/// The plan of organizations that name none.
pub const STANDARD_PLAN: &str = "standard";

fn standard_plan() -> String {
    STANDARD_PLAN.to_owned()
}

/// The plan an organization document names (the standard one when none).
pub fn plan_of(org: &Document) -> String {
    org.get_str("plan")
        .ok()
        .filter(|p| !p.is_empty())
        .unwrap_or(STANDARD_PLAN)
        .to_owned()
}

/// `userLimit` as stored: the seed's string, or a number from older imports.
fn limit_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(match Limit::deserialize(d)? {
        Limit::Text(s) => s,
        Limit::Number(n) => n.to_string(),
    })
}

/// A stored document as its public view. The view lists its fields, so a
/// secret stored next to them (a password hash) can never be returned.
fn view<T: serde::de::DeserializeOwned>(doc: Document) -> Result<T, ApiError> {
    mongodb::bson::from_document(doc).map_err(ApiError::internal)
}

pub fn org_view(org: Document) -> Result<Organization, ApiError> {
    view(org)
}

/// A resource as a client read it, to compare what it sends back with:
/// its view plus the stored `_id` as text (how JSON clients carry it).
pub fn as_read(
    view: &impl Serialize,
    stored: &Document,
) -> Result<serde_json::Map<String, serde_json::Value>, ApiError> {
    let mut read = match serde_json::to_value(view).map_err(ApiError::internal)? {
        serde_json::Value::Object(map) => map,
        _ => serde_json::Map::new(),
    };
    if let Ok(id) = stored.get_object_id("_id") {
        read.insert("_id".into(), id.to_hex().into());
    }
    Ok(read)
}

/// A stored user of `org` as its public view.
pub fn user_view(user: Document, org: &Document) -> Result<OrgUser, ApiError> {
    let mut user: OrgUser = view(user)?;
    user.plan = plan_of(org);
    Ok(user)
}
