//! Routes: an ordered list of the company's stops with travel offsets, a
//! time zone and a fare per leg (a leg is a consecutive stop pair), in the
//! company's currency. Edits reach trips generated afterwards; a trip keeps
//! the route it was generated with.

use std::collections::BTreeSet;

use futures_util::TryStreamExt;
use mongodb::bson::{Document, doc};
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
use transit::store::{STOPS, collection, ensure_fleet_indexes};
use utoipa::ToSchema;

use crate::{
    access::{Need, company, new_id},
    owned::{self, FleetItemDeleted},
    settings,
};

/// A stop of a route, in order. Offsets are minutes after the departure
/// from the first stop (whose departure offset is 0).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RouteStop {
    pub stop_id: String,
    #[schema(minimum = 0, maximum = 10080)]
    pub arrive_offset_min: u32,
    #[schema(minimum = 0, maximum = 10080)]
    pub depart_offset_min: u32,
}

/// A stop of a route as answered: with the stop's name and city.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RouteStopView {
    pub stop_id: String,
    pub name: String,
    pub city: String,
    pub arrive_offset_min: i64,
    pub depart_offset_min: i64,
}

/// A route.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Route {
    pub id: String,
    pub company_id: String,
    pub code: String,
    pub name: String,
    /// IANA zone of the route's local times.
    pub timezone: String,
    /// The company's currency when the route was last saved (ISO 4217).
    pub currency: String,
    pub stops: Vec<RouteStopView>,
    /// Minor units per leg (stop pair), in `currency`.
    pub leg_fares: Vec<i64>,
}

fn number(d: &Document, k: &str) -> i64 {
    d.get_i64(k)
        .or_else(|_| d.get_i32(k).map(i64::from))
        .unwrap_or(0)
}

pub fn view(d: &Document) -> Route {
    let text = |d: &Document, k: &str| d.get_str(k).unwrap_or_default().to_owned();
    Route {
        id: text(d, "id"),
        company_id: text(d, "companyId"),
        code: text(d, "code"),
        name: text(d, "name"),
        timezone: text(d, "timezone"),
        currency: text(d, "currency"),
        stops: d
            .get_array("stops")
            .into_iter()
            .flatten()
            .filter_map(|s| s.as_document())
            .map(|s| RouteStopView {
                stop_id: text(s, "stopId"),
                name: text(s, "name"),
                city: text(s, "city"),
                arrive_offset_min: number(s, "arriveOffsetMin"),
                depart_offset_min: number(s, "departOffsetMin"),
            })
            .collect(),
        leg_fares: d
            .get_array("legFares")
            .into_iter()
            .flatten()
            .filter_map(|f| f.as_i64().or_else(|| f.as_i32().map(i64::from)))
            .collect(),
    }
}

/// The company's routes.
///
/// Any member of the company (`ou`). Paged (default 50), by code.
#[utoipa::path(
    get,
    path = "/transit/routes",
    operation_id = "list-routes",
    tag = "transit",
    params(Paging, ("organizationId" = Option<String>, Query, description = "The super admin names the company.")),
    responses(
        (status = 200, description = "One page of routes.", body = Listed<Route>),
        (status = 403, description = "FORBIDDEN or PRODUCT_NOT_LICENSED.", body = Failure),
        (status = 400, description = "VALIDATION_FAILED: the super admin must name the company (`organizationId`), or a field or query parameter is malformed.", body = Failure),
        (status = 404, description = "NOT_FOUND: the named organization does not exist.", body = Failure),
    ),
    security(("bearerAuth" = [])),
)]
pub async fn list(app: &App, req: Request) -> Result<Reply, ApiError> {
    let company = company(app, &req, Need::Staff).await?;
    let paging = Paging::from_query(&req, 50)?;
    let (items, total) = owned::ROUTES
        .page(app, &company.id, doc! {"code": 1}, paging)
        .await?;
    Reply::page(paging.page_of(items.iter().map(view).collect(), total))
}

/// A new route.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NewRoute {
    /// Unique within the company, e.g. `LIS-OPO`.
    #[schema(min_length = 1, max_length = 20)]
    pub code: String,
    #[schema(min_length = 1, max_length = 120)]
    pub name: String,
    /// IANA zone; default the company's.
    #[serde(default)]
    #[schema(max_length = 64)]
    pub timezone: Option<String>,
    /// 2 to 30 of the company's stops, each once.
    #[schema(min_items = 2, max_items = 30)]
    pub stops: Vec<RouteStop>,
    /// One fare per leg (`stops.length - 1`), in minor units.
    #[schema(min_items = 1, max_items = 29)]
    pub leg_fares: Vec<i64>,
}

/// The rules on a route's stops and fares that a schema cannot say.
fn check_itinerary(v: &mut Violations, stops: &[RouteStop], fares: &[i64]) {
    let mut seen = BTreeSet::new();
    for (i, stop) in stops.iter().enumerate() {
        let at = |f: &str| format!("stops[{i}].{f}");
        if !seen.insert(stop.stop_id.as_str()) {
            v.add(
                &at("stopId"),
                "repeats a stop: a route calls at each stop once",
            );
        }
        if stop.depart_offset_min < stop.arrive_offset_min {
            v.add(&at("departOffsetMin"), "must not be before arriveOffsetMin");
        }
        if stop.depart_offset_min > 10080 || stop.arrive_offset_min > 10080 {
            v.add(
                &at("arriveOffsetMin"),
                "must be at most 10080 minutes (a week)",
            );
        }
        if i == 0 && (stop.arrive_offset_min != 0 || stop.depart_offset_min != 0) {
            v.add(
                &at("departOffsetMin"),
                "the first stop's offsets are 0: the trip departs from it",
            );
        }
        if i > 0 && stop.arrive_offset_min <= stops[i - 1].depart_offset_min {
            v.add(
                &at("arriveOffsetMin"),
                "must be after the previous stop's departOffsetMin",
            );
        }
    }
    if stops.len() >= 2 && fares.len() != stops.len() - 1 {
        v.add(
            "legFares",
            format!(
                "must have one fare per leg: {} for {} stops",
                stops.len() - 1,
                stops.len()
            ),
        );
    }
    for (i, fare) in fares.iter().enumerate() {
        v.check(
            (0..=100_000_000).contains(fare),
            &format!("legFares[{i}]"),
            "must be a whole number of minor units from 0 to 100000000",
        );
    }
}

impl Validate for NewRoute {
    fn validate(&self, v: &mut Violations) {
        v.required("code", &self.code);
        v.required("name", &self.name);
        if let Some(zone) = &self.timezone {
            transit::zone::check(v, "timezone", zone);
        }
        check_itinerary(v, &self.stops, &self.leg_fares);
    }
}

/// The route's stops as stored: each must be the company's (400 naming it).
async fn resolve_stops(
    app: &App,
    company_id: &str,
    stops: &[RouteStop],
) -> Result<Vec<Document>, ApiError> {
    let ids: Vec<&str> = stops.iter().map(|s| s.stop_id.as_str()).collect();
    let found: Vec<Document> = collection(app, STOPS)
        .await?
        .find(doc! {"companyId": company_id, "id": {"$in": &ids}})
        .await
        .map_err(unavailable)?
        .try_collect()
        .await
        .map_err(unavailable)?;
    let mut v = Violations::default();
    let mut out = Vec::new();
    for (i, stop) in stops.iter().enumerate() {
        match found
            .iter()
            .find(|f| f.get_str("id") == Ok(stop.stop_id.as_str()))
        {
            Some(f) => out.push(doc! {
                "stopId": &stop.stop_id,
                "name": f.get_str("name").unwrap_or_default(),
                "city": f.get_str("city").unwrap_or_default(),
                "arriveOffsetMin": i64::from(stop.arrive_offset_min),
                "departOffsetMin": i64::from(stop.depart_offset_min),
            }),
            None => v.add(
                &format!("stops[{i}].stopId"),
                "is not a stop of this company",
            ),
        }
    }
    v.into_result()?;
    Ok(out)
}

/// Create a route.
///
/// The company's admin (`oa`). Stops are the company's own; the zone
/// defaults to the company's, the currency is the company's.
#[utoipa::path(
    post,
    path = "/transit/routes",
    operation_id = "create-route",
    tag = "transit",
    params(("organizationId" = Option<String>, Query, description = "The super admin names the company.")),
    request_body = NewRoute,
    responses(
        (status = 201, description = "The route.", body = Success<Route>),
        (status = 400, description = "VALIDATION_FAILED naming the field (e.g. `stops[1].stopId`).", body = Failure),
        (status = 409, description = "CONFLICT: the code is taken in this company.", body = Failure),
        (status = 403, description = "FORBIDDEN (not allowed; a driver or passenger token) or PRODUCT_NOT_LICENSED.", body = Failure),
        (status = 404, description = "NOT_FOUND: the named organization does not exist.", body = Failure),
    ),
    security(("bearerAuth" = [])),
)]
pub async fn create(app: &App, req: Request) -> Result<Reply, ApiError> {
    let company = company(app, &req, Need::Admin).await?;
    let body: NewRoute = parse_json(&req)?;
    ensure_fleet_indexes(app).await?;
    let settings = settings::load(app, &company.id, &company.org).await?;
    let stops = resolve_stops(app, &company.id, &body.stops).await?;
    let route = doc! {
        "id": new_id(),
        "companyId": &company.id,
        "code": body.code.trim(),
        "name": body.name.trim(),
        "timezone": body.timezone.unwrap_or(settings.timezone),
        "currency": settings.currency,
        "stops": stops,
        "legFares": &body.leg_fares,
        "createdAt": shared::clock::now(),
    };
    owned::ROUTES.insert(app, &route).await?;
    Reply::created(view(&route))
}

/// Changes to a route: the fields given (`stops` and `legFares` together).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct UpdateRoute {
    #[serde(default)]
    #[schema(min_length = 1, max_length = 20)]
    pub code: Option<String>,
    #[serde(default)]
    #[schema(min_length = 1, max_length = 120)]
    pub name: Option<String>,
    #[serde(default)]
    #[schema(max_length = 64)]
    pub timezone: Option<String>,
    #[serde(default)]
    #[schema(min_items = 2, max_items = 30)]
    pub stops: Option<Vec<RouteStop>>,
    #[serde(default)]
    #[schema(min_items = 1, max_items = 29)]
    pub leg_fares: Option<Vec<i64>>,
}

impl Validate for UpdateRoute {
    fn validate(&self, v: &mut Violations) {
        if let Some(code) = &self.code {
            v.required("code", code);
        }
        if let Some(name) = &self.name {
            v.required("name", name);
        }
        if let Some(zone) = &self.timezone {
            transit::zone::check(v, "timezone", zone);
        }
        match (&self.stops, &self.leg_fares) {
            (Some(stops), Some(fares)) => check_itinerary(v, stops, fares),
            (None, None) => {}
            (Some(_), None) => v.add("legFares", "must come with stops (one fare per leg)"),
            (None, Some(_)) => v.add("stops", "must come with legFares (one fare per leg)"),
        }
    }
}

/// Change a route.
///
/// The company's admin (`oa`). Applies to trips generated from now on;
/// trips already generated keep their snapshot of the route.
#[utoipa::path(
    put,
    path = "/transit/routes/{id}",
    operation_id = "update-route",
    tag = "transit",
    params(("id" = String, Path), ("organizationId" = Option<String>, Query, description = "The super admin names the company.")),
    request_body = UpdateRoute,
    responses(
        (status = 200, description = "The route after the change.", body = Success<Route>),
        (status = 400, description = "VALIDATION_FAILED naming the field.", body = Failure),
        (status = 404, description = "No such route in this company.", body = Failure),
        (status = 409, description = "CONFLICT: the code is taken in this company.", body = Failure),
        (status = 403, description = "FORBIDDEN (not allowed; a driver or passenger token) or PRODUCT_NOT_LICENSED.", body = Failure),
    ),
    security(("bearerAuth" = [])),
)]
pub async fn update(app: &App, req: Request) -> Result<Reply, ApiError> {
    let company = company(app, &req, Need::Admin).await?;
    let id = path_param(&req, "id")?;
    let body: UpdateRoute = parse_json(&req)?;
    owned::ROUTES.find(app, &company.id, &id).await?;
    let mut set = doc! {"updatedAt": shared::clock::now()};
    if let Some(code) = &body.code {
        set.insert("code", code.trim());
    }
    if let Some(name) = &body.name {
        set.insert("name", name.trim());
    }
    if let Some(zone) = &body.timezone {
        set.insert("timezone", zone);
    }
    if let (Some(stops), Some(fares)) = (&body.stops, &body.leg_fares) {
        set.insert("stops", resolve_stops(app, &company.id, stops).await?);
        set.insert("legFares", fares);
        let settings = settings::load(app, &company.id, &company.org).await?;
        set.insert("currency", settings.currency);
    }
    owned::ROUTES.set(app, &company.id, &id, set).await?;
    Reply::ok(view(&owned::ROUTES.find(app, &company.id, &id).await?))
}

/// Delete a route.
///
/// The company's admin (`oa`). 409 while an active schedule runs it
/// (`data.schedules`); trips already generated keep their snapshot.
#[utoipa::path(
    delete,
    path = "/transit/routes/{id}",
    operation_id = "delete-route",
    tag = "transit",
    params(("id" = String, Path), ("organizationId" = Option<String>, Query, description = "The super admin names the company.")),
    responses(
        (status = 200, description = "Deleted.", body = Success<FleetItemDeleted>),
        (status = 404, description = "No such route in this company.", body = Failure),
        (status = 409, description = "CONFLICT: active schedules run it.", body = Failure),
        (status = 400, description = "VALIDATION_FAILED: the super admin must name the company (`organizationId`), or a field or query parameter is malformed.", body = Failure),
        (status = 403, description = "FORBIDDEN (not allowed; a driver or passenger token) or PRODUCT_NOT_LICENSED.", body = Failure),
    ),
    security(("bearerAuth" = [])),
)]
pub async fn delete(app: &App, req: Request) -> Result<Reply, ApiError> {
    let company = company(app, &req, Need::Admin).await?;
    let id = path_param(&req, "id")?;
    owned::ROUTES.find(app, &company.id, &id).await?;
    crate::schedules::ensure_unused(app, &company.id, doc! {"routeId": &id}, "This route").await?;
    owned::ROUTES.delete(app, &company.id, &id).await?;
    Reply::ok(FleetItemDeleted { id, deleted: true })
}
