//! The company's trips: listed by local service date, one-off trips, and
//! reassigning a trip's bus or driver.

use jiff::Timestamp;
use mongodb::bson::{Bson, Document, doc};
use serde::{Deserialize, Serialize};
use shared::{
    App,
    http::{
        ApiError, Paging, Reply, Request, Validate, Violations,
        openapi::{Failure, Listed, Success},
        parse_json, path_param, query_choice, query_param,
    },
    stores::mongo::find_page,
};
use transit::{
    events,
    store::{TRIPS, collection, ensure_fleet_indexes},
    trips::{self as model, NewTrip},
    zone,
};
use utoipa::ToSchema;

use crate::{
    access::{Need, company, new_id},
    buses::{self, SeatLayout},
    drivers, owned, settings,
};

/// A stop of a trip: local times with the zone's UTC offset that day.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TripStop {
    pub stop_id: String,
    pub name: String,
    pub city: String,
    /// RFC 3339 with the stop's UTC offset (`2027-03-28T09:30:00+01:00`).
    pub arrive_at: String,
    pub depart_at: String,
}

/// The route as the trip was generated with it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TripRoute {
    pub code: String,
    pub name: String,
    pub currency: String,
    /// Minor units per leg.
    pub leg_fares: Vec<i64>,
    pub stops: Vec<TripStop>,
}

/// The bus as the trip runs with it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TripBus {
    pub id: String,
    pub plate_number: String,
    #[schema(required = true)]
    pub name: Option<String>,
    pub seat_layout: SeatLayout,
}

/// A trip.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Trip {
    pub id: String,
    pub company_id: String,
    /// `null` for a one-off trip.
    #[schema(required = true)]
    pub schedule_id: Option<String>,
    pub route_id: String,
    /// `YYYY-MM-DD`: the local date of the departure in the route's zone.
    pub service_date: String,
    /// `scheduled` or `cancelled`.
    pub status: String,
    /// UTC (RFC 3339).
    pub departure_at: String,
    pub arrival_at: String,
    /// The departure in the route's zone, with its UTC offset.
    pub departure_local: String,
    pub timezone: String,
    #[schema(required = true)]
    pub driver_id: Option<String>,
    pub route: TripRoute,
    pub bus: TripBus,
}

fn instant(d: &Document, k: &str) -> Timestamp {
    d.get_datetime(k)
        .map(|t| zone::from_bson(*t))
        .unwrap_or(Timestamp::UNIX_EPOCH)
}

pub fn view(d: &Document) -> Result<Trip, ApiError> {
    let text = |d: &Document, k: &str| d.get_str(k).unwrap_or_default().to_owned();
    let tz = zone::stored(d.get_str("timezone").unwrap_or_default())?;
    let route = d.get_document("route").cloned().unwrap_or_default();
    let bus = d.get_document("bus").cloned().unwrap_or_default();
    Ok(Trip {
        id: text(d, "id"),
        company_id: text(d, "companyId"),
        schedule_id: d.get_str("scheduleId").ok().map(str::to_owned),
        route_id: text(d, "routeId"),
        service_date: text(d, "serviceDate"),
        status: text(d, "status"),
        departure_at: zone::utc_rfc3339(instant(d, "departureAt")),
        arrival_at: zone::utc_rfc3339(instant(d, "arrivalAt")),
        departure_local: zone::local_rfc3339(instant(d, "departureAt"), &tz),
        timezone: text(d, "timezone"),
        driver_id: d.get_str("driverId").ok().map(str::to_owned),
        route: TripRoute {
            code: text(&route, "code"),
            name: text(&route, "name"),
            currency: text(&route, "currency"),
            leg_fares: route
                .get_array("legFares")
                .into_iter()
                .flatten()
                .filter_map(|f| f.as_i64().or_else(|| f.as_i32().map(i64::from)))
                .collect(),
            stops: route
                .get_array("stops")
                .into_iter()
                .flatten()
                .filter_map(Bson::as_document)
                .map(|s| TripStop {
                    stop_id: text(s, "stopId"),
                    name: text(s, "name"),
                    city: text(s, "city"),
                    arrive_at: zone::local_rfc3339(instant(s, "arriveAt"), &tz),
                    depart_at: zone::local_rfc3339(instant(s, "departAt"), &tz),
                })
                .collect(),
        },
        bus: TripBus {
            id: text(&bus, "id"),
            plate_number: text(&bus, "plateNumber"),
            name: bus.get_str("name").ok().map(str::to_owned),
            seat_layout: bus
                .get("seatLayout")
                .and_then(|l| mongodb::bson::from_bson(l.clone()).ok())
                .unwrap_or(SeatLayout { rows: vec![] }),
        },
    })
}

fn views(docs: &[Document]) -> Result<Vec<Trip>, ApiError> {
    docs.iter().map(view).collect()
}

fn date_param(req: &Request, name: &str) -> Result<Option<String>, ApiError> {
    match query_param(req, name) {
        None => Ok(None),
        Some(text) => zone::parse_date(&text)
            .map(|d| Some(d.to_string()))
            .ok_or_else(|| {
                ApiError::validation(format!("query.{name}"), "must be a date, YYYY-MM-DD")
            }),
    }
}

/// The company's trips.
///
/// Any member of the company (`ou`). `from`/`to` are service dates (local
/// to each trip's route, inclusive); without them, from today in the
/// company's zone on. Filters: `routeId`, `status`. Ordered by departure;
/// paged (default 50).
#[utoipa::path(
    get,
    path = "/transit/trips",
    operation_id = "list-trips",
    tag = "transit",
    params(
        Paging,
        ("from" = Option<String>, Query, description = "First service date, YYYY-MM-DD."),
        ("to" = Option<String>, Query, description = "Last service date, YYYY-MM-DD."),
        ("routeId" = Option<String>, Query),
        ("status" = Option<String>, Query, description = "`scheduled` or `cancelled`."),
        ("organizationId" = Option<String>, Query, description = "The super admin names the company."),
    ),
    responses(
        (status = 200, description = "One page of trips.", body = Listed<Trip>),
        (status = 400, description = "VALIDATION_FAILED naming the query parameter.", body = Failure),
        (status = 403, description = "FORBIDDEN or PRODUCT_NOT_LICENSED.", body = Failure),
        (status = 404, description = "NOT_FOUND: the named organization does not exist.", body = Failure),
    ),
    security(("bearerAuth" = [])),
)]
pub async fn list(app: &App, req: Request) -> Result<Reply, ApiError> {
    let company = company(app, &req, Need::Staff).await?;
    let paging = Paging::from_query(&req, 50)?;
    let from = date_param(&req, "from")?;
    let to = date_param(&req, "to")?;
    let status = query_choice(&req, "status", &[model::SCHEDULED, model::CANCELLED])?;
    let mut dates = doc! {};
    match (&from, &to) {
        (None, None) => {
            let settings = settings::load(app, &company.id, &company.org).await?;
            let zone = zone::stored(&settings.timezone)?;
            dates.insert("$gte", zone::date_at(Timestamp::now(), &zone).to_string());
        }
        _ => {
            if let Some(from) = &from {
                dates.insert("$gte", from);
            }
            if let Some(to) = &to {
                dates.insert("$lte", to);
            }
        }
    }
    let mut filter = doc! {"companyId": &company.id, "serviceDate": dates};
    if let Some(route) = query_param(&req, "routeId") {
        filter.insert("routeId", route);
    }
    if let Some(status) = status {
        filter.insert("status", status);
    }
    let trips = collection(app, TRIPS).await?;
    let (items, total) =
        find_page(&trips, filter, doc! {"departureAt": 1}, doc! {}, paging).await?;
    Reply::page(paging.page_of(views(&items)?, total))
}

/// A trip.
///
/// Any member of the company (`ou`).
#[utoipa::path(
    get,
    path = "/transit/trips/{id}",
    operation_id = "get-trip",
    tag = "transit",
    params(("id" = String, Path), ("organizationId" = Option<String>, Query, description = "The super admin names the company.")),
    responses(
        (status = 200, description = "The trip.", body = Success<Trip>),
        (status = 404, description = "No such trip in this company.", body = Failure),
        (status = 400, description = "VALIDATION_FAILED: the super admin must name the company (`organizationId`), or a field or query parameter is malformed.", body = Failure),
        (status = 403, description = "FORBIDDEN (not allowed; a driver or passenger token) or PRODUCT_NOT_LICENSED.", body = Failure),
    ),
    security(("bearerAuth" = [])),
)]
pub async fn get(app: &App, req: Request) -> Result<Reply, ApiError> {
    let company = company(app, &req, Need::Staff).await?;
    let id = path_param(&req, "id")?;
    Reply::ok(view(&owned::TRIPS.find(app, &company.id, &id).await?)?)
}

/// A one-off trip.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NewTripRequest {
    pub route_id: String,
    pub bus_id: String,
    #[serde(default)]
    pub driver_id: Option<String>,
    /// The departure from the route's first stop, RFC 3339 with an offset
    /// (`2027-04-01T08:30:00+01:00`); in the future.
    pub departure_at: String,
}

impl Validate for NewTripRequest {
    fn validate(&self, v: &mut Violations) {
        v.required("routeId", &self.route_id);
        v.required("busId", &self.bus_id);
        v.check(
            self.departure_at.parse::<Timestamp>().is_ok(),
            "departureAt",
            "must be an RFC 3339 instant with an offset, e.g. 2027-04-01T08:30:00+01:00",
        );
    }
}

/// Create a one-off trip.
///
/// The company's admin (`oa`). The departure must be in the future; the
/// driver's licence must cover its local date.
#[utoipa::path(
    post,
    path = "/transit/trips",
    operation_id = "create-trip",
    tag = "transit",
    params(("organizationId" = Option<String>, Query, description = "The super admin names the company.")),
    request_body = NewTripRequest,
    responses(
        (status = 201, description = "The trip.", body = Success<Trip>),
        (status = 400, description = "VALIDATION_FAILED naming the field.", body = Failure),
        (status = 403, description = "FORBIDDEN or PRODUCT_NOT_LICENSED.", body = Failure),
        (status = 404, description = "NOT_FOUND: the named organization does not exist.", body = Failure),
    ),
    security(("bearerAuth" = [])),
)]
pub async fn create(app: &App, req: Request) -> Result<Reply, ApiError> {
    let company = company(app, &req, Need::Admin).await?;
    let body: NewTripRequest = parse_json(&req)?;
    ensure_fleet_indexes(app).await?;
    let at: Timestamp = body
        .departure_at
        .parse()
        .map_err(|_| ApiError::validation("departureAt", "must be an RFC 3339 instant"))?;
    if at <= Timestamp::now() {
        return Err(ApiError::validation("departureAt", "must be in the future"));
    }
    let route = owned::ROUTES
        .referenced(app, &company.id, &body.route_id, "routeId")
        .await?;
    let bus = owned::BUSES
        .referenced(app, &company.id, &body.bus_id, "busId")
        .await?;
    if let Some(driver) = &body.driver_id {
        let zone = zone::stored(route.get_str("timezone").unwrap_or_default())?;
        drivers::assignable(
            app,
            &company.id,
            driver,
            zone::date_at(at, &zone),
            "driverId",
        )
        .await?;
    }
    let id = new_id();
    let trip = NewTrip {
        company_id: &company.id,
        slot: format!("oneoff#{id}"),
        schedule_id: None,
        route: &route,
        bus: &bus,
        driver_id: body.driver_id.as_deref(),
        at,
    }
    .document(&id)?;
    transit::trips::insert_once(app, &trip).await?;
    Reply::created(view(&trip)?)
}

/// A trip's new bus or driver.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct UpdateTrip {
    #[serde(default)]
    pub bus_id: Option<String>,
    /// `null` unassigns the driver.
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable)]
    pub driver_id: Option<Option<String>>,
}

/// Tells an absent field (None) from an explicit `null` (Some(None)).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Ok(Some(Option::deserialize(d)?))
}

impl Validate for UpdateTrip {
    fn validate(&self, _: &mut Violations) {}
}

/// Reassign a trip's bus or driver.
///
/// The company's admin (`oa`). A bus whose layout lacks a seat sold on the
/// trip is 409 naming the seats; a driver must be active and licensed on
/// the trip's date. A trip that has left or is cancelled is 409.
#[utoipa::path(
    put,
    path = "/transit/trips/{id}",
    operation_id = "update-trip",
    tag = "transit",
    params(("id" = String, Path), ("organizationId" = Option<String>, Query, description = "The super admin names the company.")),
    request_body = UpdateTrip,
    responses(
        (status = 200, description = "The trip after the change.", body = Success<Trip>),
        (status = 400, description = "VALIDATION_FAILED naming the field.", body = Failure),
        (status = 404, description = "No such trip in this company.", body = Failure),
        (status = 409, description = "CONFLICT: the bus lacks sold seats (`data.seats`), or the trip has left or is cancelled.", body = Failure),
        (status = 403, description = "FORBIDDEN (not allowed; a driver or passenger token) or PRODUCT_NOT_LICENSED.", body = Failure),
    ),
    security(("bearerAuth" = [])),
)]
pub async fn update(app: &App, req: Request) -> Result<Reply, ApiError> {
    let company = company(app, &req, Need::Admin).await?;
    let id = path_param(&req, "id")?;
    let body: UpdateTrip = parse_json(&req)?;
    let trip = owned::TRIPS.find(app, &company.id, &id).await?;
    if trip.get_str("status") != Ok(model::SCHEDULED) {
        return Err(ApiError::conflict("This trip is cancelled."));
    }
    if instant(&trip, "departureAt") <= Timestamp::now() {
        return Err(ApiError::conflict(
            "This trip has left; it can no longer be changed.",
        ));
    }
    let mut set = doc! {"updatedAt": shared::clock::now()};
    if let Some(bus_id) = &body.bus_id {
        let bus = owned::BUSES
            .referenced(app, &company.id, bus_id, "busId")
            .await?;
        buses::ensure_fits(app, &id, &bus).await?;
        set.insert("bus", model::bus_snapshot(&bus));
    }
    match &body.driver_id {
        Some(Some(driver)) => {
            let date = zone::parse_date(trip.get_str("serviceDate").unwrap_or_default())
                .ok_or_else(|| ApiError::internal("stored trip has a bad serviceDate"))?;
            drivers::assignable(app, &company.id, driver, date, "driverId").await?;
            set.insert("driverId", driver);
        }
        Some(None) => {
            set.insert("driverId", Bson::Null);
        }
        None => {}
    }
    owned::TRIPS.set(app, &company.id, &id, set).await?;
    Reply::ok(view(&owned::TRIPS.find(app, &company.id, &id).await?)?)
}

/// Cancel a trip.
///
/// The company's admin (`oa`). The trip becomes `cancelled` and leaves
/// search at once; then, through the queue, every booking on it is
/// refunded in full (a hold is released), its tickets void and its
/// passenger mailed, each booking once however often this is called. A
/// trip cancelled already answers unchanged (and its bookings are seen to
/// again); one that has left is 409.
#[utoipa::path(
    post,
    path = "/transit/trips/{id}/cancel",
    operation_id = "cancel-trip",
    tag = "transit",
    params(("id" = String, Path), ("organizationId" = Option<String>, Query, description = "The super admin names the company.")),
    responses(
        (status = 200, description = "The trip, cancelled.", body = Success<Trip>),
        (status = 400, description = "VALIDATION_FAILED: the super admin must name the company (`organizationId`).", body = Failure),
        (status = 403, description = "FORBIDDEN (not the company's admin; a driver or passenger token) or PRODUCT_NOT_LICENSED.", body = Failure),
        (status = 404, description = "No such trip in this company.", body = Failure),
        (status = 409, description = "CONFLICT: the trip has left.", body = Failure),
        (status = 503, description = "DEPENDENCY_UNAVAILABLE: the queue; the trip is cancelled, call again to queue its refunds.", body = Failure),
    ),
    security(("bearerAuth" = [])),
)]
pub async fn cancel(app: &App, req: Request) -> Result<Reply, ApiError> {
    let company = company(app, &req, Need::Admin).await?;
    let id = path_param(&req, "id")?;
    let trip = owned::TRIPS.find(app, &company.id, &id).await?;
    if trip.get_str("status") == Ok(model::SCHEDULED) {
        if instant(&trip, "departureAt") <= Timestamp::now() {
            return Err(ApiError::conflict(
                "This trip has left; it can no longer be cancelled.",
            ));
        }
        // Out of search at once (no `calls`); the bookings follow through
        // the queue.
        owned::TRIPS
            .set(
                app,
                &company.id,
                &id,
                doc! {
                    "status": model::CANCELLED,
                    "calls": [],
                    "cancelledAt": shared::clock::now(),
                    "updatedAt": shared::clock::now(),
                },
            )
            .await?;
    }
    events::publish(
        app,
        &events::Event::TripCancelled {
            trip_id: id.clone(),
        },
    )
    .await?;
    Reply::ok(view(&owned::TRIPS.find(app, &company.id, &id).await?)?)
}
