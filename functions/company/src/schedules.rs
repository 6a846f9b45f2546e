//! Schedules: a route run by a bus at a local time on some weekdays within
//! a validity period. Creating one materializes its trips for today and
//! the next 29 days at once; `generate-trips` keeps that horizon daily.

use futures_util::TryStreamExt;
use jiff::Timestamp;
use mongodb::bson::{Bson, Document, doc};
use serde::{Deserialize, Serialize};
use shared::{
    App,
    http::{
        ApiError, Paging, Reply, Request, Validate, Violations,
        openapi::{Failure, Listed, Success},
        parse_json, path_param,
    },
    stores::mongo::unavailable,
};
use transit::{
    store::{SCHEDULES, collection, ensure_fleet_indexes},
    zone,
};
use utoipa::ToSchema;

use crate::{
    access::{Need, company, new_id},
    drivers, generate,
    owned::{self, FleetItemDeleted},
};

/// A schedule.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Schedule {
    pub id: String,
    pub company_id: String,
    pub route_id: String,
    pub bus_id: String,
    #[schema(required = true)]
    pub driver_id: Option<String>,
    /// `HH:MM` in the route's zone.
    pub departure_local_time: String,
    /// ISO weekdays, 1 = Monday … 7 = Sunday.
    pub days_of_week: Vec<i64>,
    /// `YYYY-MM-DD`, local to the route.
    pub valid_from: String,
    pub valid_until: String,
    /// `false` once deleted: no more trips are generated.
    pub active: bool,
}

pub fn view(d: &Document) -> Schedule {
    let text = |k: &str| d.get_str(k).unwrap_or_default().to_owned();
    Schedule {
        id: text("id"),
        company_id: text("companyId"),
        route_id: text("routeId"),
        bus_id: text("busId"),
        driver_id: d.get_str("driverId").ok().map(str::to_owned),
        departure_local_time: text("departureLocalTime"),
        days_of_week: d
            .get_array("daysOfWeek")
            .into_iter()
            .flatten()
            .filter_map(|x| x.as_i64().or_else(|| x.as_i32().map(i64::from)))
            .collect(),
        valid_from: text("validFrom"),
        valid_until: text("validUntil"),
        active: d.get_bool("active").unwrap_or(false),
    }
}

/// 409 while an active schedule of the company matches `filter` (a route
/// or bus about to be deleted), naming the schedules.
pub async fn ensure_unused(
    app: &App,
    company_id: &str,
    mut filter: Document,
    what: &str,
) -> Result<(), ApiError> {
    filter.insert("companyId", company_id);
    filter.insert("active", true);
    let using: Vec<Document> = collection(app, SCHEDULES)
        .await?
        .find(filter)
        .projection(doc! {"id": 1})
        .await
        .map_err(unavailable)?
        .try_collect()
        .await
        .map_err(unavailable)?;
    if using.is_empty() {
        return Ok(());
    }
    let ids: Vec<&str> = using.iter().filter_map(|s| s.get_str("id").ok()).collect();
    Err(ApiError::conflict(format!(
        "{what} is used by the schedules {}; delete them first.",
        ids.join(", ")
    ))
    .with_data(serde_json::json!({"schedules": ids})))
}

/// The company's schedules.
///
/// Any member of the company (`ou`). Paged (default 50); deleted schedules
/// included (`active: false`).
#[utoipa::path(
    get,
    path = "/transit/schedules",
    operation_id = "list-schedules",
    tag = "transit",
    params(Paging, ("organizationId" = Option<String>, Query, description = "The super admin names the company.")),
    responses(
        (status = 200, description = "One page of schedules.", body = Listed<Schedule>),
        (status = 403, description = "FORBIDDEN or PRODUCT_NOT_LICENSED.", body = Failure),
        (status = 400, description = "VALIDATION_FAILED: the super admin must name the company (`organizationId`), or a field or query parameter is malformed.", body = Failure),
        (status = 404, description = "NOT_FOUND: the named organization does not exist.", body = Failure),
    ),
    security(("bearerAuth" = [])),
)]
pub async fn list(app: &App, req: Request) -> Result<Reply, ApiError> {
    let company = company(app, &req, Need::Staff).await?;
    let paging = Paging::from_query(&req, 50)?;
    let (items, total) = owned::SCHEDULES
        .page(app, &company.id, doc! {"createdAt": -1}, paging)
        .await?;
    Reply::page(paging.page_of(items.iter().map(view).collect(), total))
}

/// A new schedule.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NewSchedule {
    pub route_id: String,
    pub bus_id: String,
    #[serde(default)]
    pub driver_id: Option<String>,
    /// `HH:MM` in the route's zone. A time the clock skips on a
    /// spring-forward day runs that day after the gap (02:30 → 03:30); a
    /// time repeated in autumn runs once, at its first occurrence.
    #[schema(example = "08:30")]
    pub departure_local_time: String,
    /// ISO weekdays, 1 = Monday … 7 = Sunday.
    #[schema(min_items = 1, max_items = 7)]
    pub days_of_week: Vec<u8>,
    /// `YYYY-MM-DD`, local to the route; may be past.
    pub valid_from: String,
    /// `YYYY-MM-DD`, local to the route, on or after `validFrom`.
    pub valid_until: String,
}

impl Validate for NewSchedule {
    fn validate(&self, v: &mut Violations) {
        v.required("routeId", &self.route_id);
        v.required("busId", &self.bus_id);
        v.check(
            zone::parse_time(&self.departure_local_time).is_some(),
            "departureLocalTime",
            "must be a time, HH:MM (00:00-23:59)",
        );
        let mut days = self.days_of_week.clone();
        days.sort_unstable();
        days.dedup();
        v.check(
            days.len() == self.days_of_week.len() && days.iter().all(|d| (1..=7).contains(d)),
            "daysOfWeek",
            "must be distinct ISO weekdays from 1 (Monday) to 7 (Sunday)",
        );
        let from = zone::parse_date(&self.valid_from);
        let until = zone::parse_date(&self.valid_until);
        v.check(from.is_some(), "validFrom", "must be a date, YYYY-MM-DD");
        v.check(until.is_some(), "validUntil", "must be a date, YYYY-MM-DD");
        if let (Some(from), Some(until)) = (from, until) {
            v.check(until >= from, "validUntil", "must not be before validFrom");
        }
    }
}

/// Create a schedule and its trips for the next 30 days.
///
/// The company's admin (`oa`). The route, bus and driver are the
/// company's; a driver whose licence has expired by `validFrom` (or today)
/// is 400. Trips are materialized at once for service dates today …
/// today+29 in the route's zone, within validity, skipping departures that
/// have left; `meta.tripsGenerated` says how many. A trip on a date past
/// the driver's licence is generated without a driver.
#[utoipa::path(
    post,
    path = "/transit/schedules",
    operation_id = "create-schedule",
    tag = "transit",
    params(("organizationId" = Option<String>, Query, description = "The super admin names the company.")),
    request_body = NewSchedule,
    responses(
        (status = 201, description = "The schedule; `meta.tripsGenerated` counts its new trips.", body = Success<Schedule>),
        (status = 400, description = "VALIDATION_FAILED naming the field (an unknown route, bus or driver; an expired licence).", body = Failure),
        (status = 403, description = "FORBIDDEN or PRODUCT_NOT_LICENSED.", body = Failure),
        (status = 404, description = "NOT_FOUND: the named organization does not exist.", body = Failure),
    ),
    security(("bearerAuth" = [])),
)]
pub async fn create(app: &App, req: Request) -> Result<Reply, ApiError> {
    let company = company(app, &req, Need::Admin).await?;
    let body: NewSchedule = parse_json(&req)?;
    ensure_fleet_indexes(app).await?;
    let route = owned::ROUTES
        .referenced(app, &company.id, &body.route_id, "routeId")
        .await?;
    owned::BUSES
        .referenced(app, &company.id, &body.bus_id, "busId")
        .await?;
    if let Some(driver) = &body.driver_id {
        let zone = zone::stored(route.get_str("timezone").unwrap_or_default())?;
        let today = zone::date_at(Timestamp::now(), &zone);
        let from = zone::parse_date(&body.valid_from).unwrap_or(today);
        drivers::assignable(app, &company.id, driver, from.max(today), "driverId").await?;
    }
    let schedule = doc! {
        "id": new_id(),
        "companyId": &company.id,
        "routeId": &body.route_id,
        "busId": &body.bus_id,
        "driverId": body.driver_id.clone().map_or(Bson::Null, Bson::String),
        "departureLocalTime": &body.departure_local_time,
        "daysOfWeek": body.days_of_week.iter().map(|d| i32::from(*d)).collect::<Vec<_>>(),
        "validFrom": &body.valid_from,
        "validUntil": &body.valid_until,
        "active": true,
        "createdAt": shared::clock::now(),
    };
    owned::SCHEDULES.insert(app, &schedule).await?;
    let generated = generate::materialize(app, &schedule, Timestamp::now()).await?;
    Reply::created(view(&schedule))?.meta("tripsGenerated", generated)
}

/// Delete a schedule.
///
/// The company's admin (`oa`). No more trips are generated from it; the
/// trips it already generated stay (cancel them one by one if needed).
#[utoipa::path(
    delete,
    path = "/transit/schedules/{id}",
    operation_id = "delete-schedule",
    tag = "transit",
    params(("id" = String, Path), ("organizationId" = Option<String>, Query, description = "The super admin names the company.")),
    responses(
        (status = 200, description = "Deleted (deactivated).", body = Success<FleetItemDeleted>),
        (status = 404, description = "No such schedule in this company.", body = Failure),
        (status = 400, description = "VALIDATION_FAILED: the super admin must name the company (`organizationId`), or a field or query parameter is malformed.", body = Failure),
        (status = 403, description = "FORBIDDEN (not allowed; a driver or passenger token) or PRODUCT_NOT_LICENSED.", body = Failure),
    ),
    security(("bearerAuth" = [])),
)]
pub async fn delete(app: &App, req: Request) -> Result<Reply, ApiError> {
    let company = company(app, &req, Need::Admin).await?;
    let id = path_param(&req, "id")?;
    owned::SCHEDULES
        .set(
            app,
            &company.id,
            &id,
            doc! {"active": false, "updatedAt": shared::clock::now()},
        )
        .await?;
    Reply::ok(FleetItemDeleted { id, deleted: true })
}
