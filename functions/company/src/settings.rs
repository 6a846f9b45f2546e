//! The company's transit settings (`transit.companies`, one per company):
//! its zone (the default for new routes and the zone of its reports), its
//! currency, how long a hold lasts and its cancellation policy.

use mongodb::{bson::doc, options::ReturnDocument};
use serde::Deserialize;
use shared::{
    App,
    http::{
        ApiError, Reply, Request, Validate, Violations,
        openapi::{Failure, Success},
        parse_json,
    },
    stores::mongo::unavailable,
};
use transit::{
    companies::view,
    store::{COMPANIES, collection},
};

pub use transit::companies::{CompanySettings, RefundRule, load};
use utoipa::ToSchema;

use crate::access::{Need, company};

/// The company's transit settings.
///
/// Any member of the company (`ou`); the super admin names it with
/// `?organizationId=`. An organization not licensed for transit is 403
/// `PRODUCT_NOT_LICENSED`.
#[utoipa::path(
    get,
    path = "/transit/company",
    operation_id = "get-company-settings",
    tag = "transit",
    params(("organizationId" = Option<String>, Query, description = "The super admin names the company.")),
    responses(
        (status = 200, description = "The settings.", body = Success<CompanySettings>),
        (status = 403, description = "FORBIDDEN (not a member; a driver or passenger token) or PRODUCT_NOT_LICENSED.", body = Failure),
        (status = 400, description = "VALIDATION_FAILED: the super admin must name the company (`organizationId`), or a field or query parameter is malformed.", body = Failure),
        (status = 404, description = "NOT_FOUND: the named organization does not exist.", body = Failure),
    ),
    security(("bearerAuth" = [])),
)]
pub async fn get(app: &App, req: Request) -> Result<Reply, ApiError> {
    let company = company(app, &req, Need::Staff).await?;
    Reply::ok(load(app, &company.id, &company.org).await?)
}

/// Changes to the settings: the fields given.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct UpdateSettings {
    #[serde(default)]
    #[schema(max_length = 64, example = "Europe/Lisbon")]
    pub timezone: Option<String>,
    #[serde(default)]
    #[schema(pattern = "^[A-Z]{3}$", example = "EUR")]
    pub currency: Option<String>,
    #[serde(default)]
    #[schema(minimum = 1, maximum = 60)]
    pub hold_minutes: Option<u32>,
    #[serde(default)]
    #[schema(max_items = 10)]
    pub cancellation_policy: Option<Vec<RefundRule>>,
    #[serde(default)]
    #[schema(min_length = 1, max_length = 80)]
    pub display_name: Option<String>,
}

impl Validate for UpdateSettings {
    fn validate(&self, v: &mut Violations) {
        if let Some(zone) = &self.timezone {
            transit::zone::check(v, "timezone", zone);
        }
        if let Some(currency) = &self.currency {
            v.check(
                currency.len() == 3 && currency.bytes().all(|b| b.is_ascii_uppercase()),
                "currency",
                "must be an ISO 4217 code, e.g. EUR",
            );
        }
        if let Some(name) = &self.display_name {
            v.required("displayName", name);
        }
        if let Some(rules) = &self.cancellation_policy {
            // The rule's own limits (a component's schema is not walked).
            for (i, rule) in rules.iter().enumerate() {
                v.check(
                    rule.refund_percent <= 100,
                    &format!("cancellationPolicy[{i}].refundPercent"),
                    "must be from 0 to 100",
                );
                v.check(
                    rule.hours_before <= 8760,
                    &format!("cancellationPolicy[{i}].hoursBefore"),
                    "must be from 0 to 8760 (a year)",
                );
            }
            let mut hours: Vec<u32> = rules.iter().map(|r| r.hours_before).collect();
            hours.sort_unstable();
            v.check(
                hours.windows(2).all(|w| w[0] != w[1]),
                "cancellationPolicy",
                "must not repeat an hoursBefore",
            );
        }
    }
}

/// Change the company's transit settings.
///
/// The company's admin (`oa`). Changes the fields given; `holdMinutes`
/// applies to holds made after the change, the zone to routes created
/// after it.
#[utoipa::path(
    put,
    path = "/transit/company",
    operation_id = "update-company-settings",
    tag = "transit",
    params(("organizationId" = Option<String>, Query, description = "The super admin names the company.")),
    request_body = UpdateSettings,
    responses(
        (status = 200, description = "The settings after the change.", body = Success<CompanySettings>),
        (status = 400, description = "VALIDATION_FAILED naming the field.", body = Failure),
        (status = 403, description = "FORBIDDEN (not the company's admin) or PRODUCT_NOT_LICENSED.", body = Failure),
        (status = 404, description = "NOT_FOUND: the named organization does not exist.", body = Failure),
    ),
    security(("bearerAuth" = [])),
)]
pub async fn update(app: &App, req: Request) -> Result<Reply, ApiError> {
    let company = company(app, &req, Need::Admin).await?;
    let body: UpdateSettings = parse_json(&req)?;
    let mut set = doc! {"updatedAt": shared::clock::now()};
    if let Some(zone) = body.timezone {
        set.insert("timezone", zone);
    }
    if let Some(currency) = body.currency {
        set.insert("currency", currency);
    }
    if let Some(minutes) = body.hold_minutes {
        set.insert("holdMinutes", i32::try_from(minutes).unwrap_or(10));
    }
    if let Some(mut rules) = body.cancellation_policy {
        rules.sort_by_key(|r| std::cmp::Reverse(r.hours_before));
        set.insert(
            "cancellationPolicy",
            mongodb::bson::to_bson(&rules).map_err(ApiError::internal)?,
        );
    }
    if let Some(name) = body.display_name {
        set.insert("displayName", name.trim());
    }
    let stored = collection(app, COMPANIES)
        .await?
        .find_one_and_update(
            doc! {"companyId": &company.id},
            doc! {"$set": set, "$setOnInsert": {"companyId": &company.id}},
        )
        .upsert(true)
        .return_document(ReturnDocument::After)
        .await
        .map_err(unavailable)?;
    Reply::ok(view(&company.id, &company.org, stored.as_ref()))
}
