//! Buses and their seat layouts. A trip's seat map is its bus's layout: a
//! layout change reaches the bus's trips that have not left, unless it
//! would drop a seat sold on one of them (409 naming the trips).

use std::collections::BTreeSet;

use futures_util::TryStreamExt;
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
    sales,
    store::{TRIPS, collection, ensure_fleet_indexes},
    trips,
};
use utoipa::ToSchema;

use crate::{
    access::{Need, company, new_id},
    owned::{self, FleetItemDeleted},
};

/// Rows of seat labels; `null` is an aisle or gap.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SeatLayout {
    /// At most 30 rows of at most 10 places; labels are 1-8 characters
    /// and unique in the bus.
    #[schema(min_items = 1, max_items = 30, example = json!([["1A", "1B", null, "1C", "1D"]]))]
    pub rows: Vec<Vec<Option<String>>>,
}

impl SeatLayout {
    pub fn seats(&self) -> BTreeSet<String> {
        self.rows.iter().flatten().flatten().cloned().collect()
    }

    pub fn check(&self, v: &mut Violations, field: &str) {
        let mut seen = BTreeSet::new();
        for (r, row) in self.rows.iter().enumerate() {
            if row.is_empty() || row.len() > 10 {
                v.add(&format!("{field}.rows[{r}]"), "must have 1 to 10 places");
            }
            for (c, seat) in row.iter().enumerate() {
                let Some(label) = seat else { continue };
                let at = format!("{field}.rows[{r}][{c}]");
                if label.trim().is_empty() || label.chars().count() > 8 || label.trim() != label {
                    v.add(
                        &at,
                        "must be a seat label of 1 to 8 characters, or null for an aisle",
                    );
                } else if !seen.insert(label.clone()) {
                    v.add(&at, format!("repeats the label {label}"));
                }
            }
        }
        if self.rows.len() <= 30 && seen.is_empty() {
            v.add(&format!("{field}.rows"), "must contain at least one seat");
        }
    }

    fn to_bson(&self) -> Result<Bson, ApiError> {
        mongodb::bson::to_bson(self).map_err(ApiError::internal)
    }
}

/// A bus.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Bus {
    pub id: String,
    pub company_id: String,
    pub plate_number: String,
    #[schema(required = true)]
    pub name: Option<String>,
    pub seat_layout: SeatLayout,
    /// How many seats the layout has.
    pub seat_count: usize,
    pub amenities: Vec<String>,
}

pub fn view(d: &Document) -> Bus {
    let layout: SeatLayout = d
        .get("seatLayout")
        .and_then(|l| mongodb::bson::from_bson(l.clone()).ok())
        .unwrap_or(SeatLayout { rows: vec![] });
    Bus {
        id: d.get_str("id").unwrap_or_default().to_owned(),
        company_id: d.get_str("companyId").unwrap_or_default().to_owned(),
        plate_number: d.get_str("plateNumber").unwrap_or_default().to_owned(),
        name: d.get_str("name").ok().map(str::to_owned),
        seat_count: layout.seats().len(),
        seat_layout: layout,
        amenities: d
            .get_array("amenities")
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default(),
    }
}

/// The company's buses.
///
/// Any member of the company (`ou`). Paged (default 50), by plate number.
#[utoipa::path(
    get,
    path = "/transit/buses",
    operation_id = "list-buses",
    tag = "transit",
    params(Paging, ("organizationId" = Option<String>, Query, description = "The super admin names the company.")),
    responses(
        (status = 200, description = "One page of buses.", body = Listed<Bus>),
        (status = 403, description = "FORBIDDEN or PRODUCT_NOT_LICENSED.", body = Failure),
        (status = 400, description = "VALIDATION_FAILED: the super admin must name the company (`organizationId`), or a field or query parameter is malformed.", body = Failure),
        (status = 404, description = "NOT_FOUND: the named organization does not exist.", body = Failure),
    ),
    security(("bearerAuth" = [])),
)]
pub async fn list(app: &App, req: Request) -> Result<Reply, ApiError> {
    let company = company(app, &req, Need::Staff).await?;
    let paging = Paging::from_query(&req, 50)?;
    let (items, total) = owned::BUSES
        .page(app, &company.id, doc! {"plateNumber": 1}, paging)
        .await?;
    Reply::page(paging.page_of(items.iter().map(view).collect(), total))
}

/// A new bus.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NewBus {
    /// Unique within the company.
    #[schema(min_length = 1, max_length = 16)]
    pub plate_number: String,
    #[serde(default)]
    #[schema(min_length = 1, max_length = 80)]
    pub name: Option<String>,
    pub seat_layout: SeatLayout,
    #[serde(default)]
    #[schema(max_items = 20)]
    pub amenities: Vec<String>,
}

fn check_amenities(v: &mut Violations, amenities: &[String]) {
    for (i, a) in amenities.iter().enumerate() {
        v.check(
            !a.trim().is_empty() && a.chars().count() <= 40,
            &format!("amenities[{i}]"),
            "must be 1 to 40 characters",
        );
    }
}

impl Validate for NewBus {
    fn validate(&self, v: &mut Violations) {
        v.required("plateNumber", &self.plate_number);
        self.seat_layout.check(v, "seatLayout");
        check_amenities(v, &self.amenities);
    }
}

/// Add a bus.
///
/// The company's admin (`oa`). A plate number the company already has is 409.
#[utoipa::path(
    post,
    path = "/transit/buses",
    operation_id = "create-bus",
    tag = "transit",
    params(("organizationId" = Option<String>, Query, description = "The super admin names the company.")),
    request_body = NewBus,
    responses(
        (status = 201, description = "The bus.", body = Success<Bus>),
        (status = 400, description = "VALIDATION_FAILED naming the field (a repeated seat label names its place).", body = Failure),
        (status = 409, description = "CONFLICT: the plate number is taken in this company.", body = Failure),
        (status = 403, description = "FORBIDDEN (not allowed; a driver or passenger token) or PRODUCT_NOT_LICENSED.", body = Failure),
        (status = 404, description = "NOT_FOUND: the named organization does not exist.", body = Failure),
    ),
    security(("bearerAuth" = [])),
)]
pub async fn create(app: &App, req: Request) -> Result<Reply, ApiError> {
    let company = company(app, &req, Need::Admin).await?;
    let body: NewBus = parse_json(&req)?;
    ensure_fleet_indexes(app).await?;
    let bus = doc! {
        "id": new_id(),
        "companyId": &company.id,
        "plateNumber": body.plate_number.trim(),
        "name": body.name.as_deref().map(str::trim),
        "seatLayout": body.seat_layout.to_bson()?,
        "amenities": body.amenities.iter().map(|a| a.trim()).collect::<Vec<_>>(),
        "createdAt": shared::clock::now(),
    };
    owned::BUSES.insert(app, &bus).await?;
    Reply::created(view(&bus))
}

/// Changes to a bus: the fields given.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct UpdateBus {
    #[serde(default)]
    #[schema(min_length = 1, max_length = 16)]
    pub plate_number: Option<String>,
    #[serde(default)]
    #[schema(min_length = 1, max_length = 80)]
    pub name: Option<String>,
    #[serde(default)]
    pub seat_layout: Option<SeatLayout>,
    #[serde(default)]
    #[schema(max_items = 20)]
    pub amenities: Option<Vec<String>>,
}

impl Validate for UpdateBus {
    fn validate(&self, v: &mut Violations) {
        if let Some(plate) = &self.plate_number {
            v.required("plateNumber", plate);
        }
        if let Some(layout) = &self.seat_layout {
            layout.check(v, "seatLayout");
        }
        if let Some(amenities) = &self.amenities {
            check_amenities(v, amenities);
        }
    }
}

/// The bus's trips that have not left and are not cancelled.
async fn upcoming_trips(
    app: &App,
    company_id: &str,
    bus_id: &str,
) -> Result<Vec<Document>, ApiError> {
    collection(app, TRIPS)
        .await?
        .find(doc! {
            "companyId": company_id,
            "bus.id": bus_id,
            "status": trips::SCHEDULED,
            "departureAt": {"$gt": shared::clock::now()},
        })
        .projection(doc! {"id": 1, "departureAt": 1})
        .await
        .map_err(unavailable)?
        .try_collect()
        .await
        .map_err(unavailable)
}

/// 409 when any of `trips` has a sold seat outside `keep` (None: the bus
/// goes away, so every sold seat is in the way).
async fn ensure_sold_seats_kept(
    app: &App,
    trips: &[Document],
    keep: Option<&BTreeSet<String>>,
    what: &str,
) -> Result<(), ApiError> {
    let ids: Vec<String> = trips
        .iter()
        .filter_map(|t| t.get_str("id").ok().map(str::to_owned))
        .collect();
    let sold = sales::sold_seats(app, &ids).await?;
    let mut blocked = Vec::new();
    for trip in trips {
        let id = trip.get_str("id").unwrap_or_default();
        let lost: Vec<&String> = sold
            .get(id)
            .into_iter()
            .flatten()
            .filter(|seat| keep.is_none_or(|k| !k.contains(*seat)))
            .collect();
        if !lost.is_empty() {
            blocked.push(serde_json::json!({
                "tripId": id,
                "departureAt": shared::clock::instant_text(trip.get("departureAt")),
                "seats": lost,
            }));
        }
    }
    if blocked.is_empty() {
        return Ok(());
    }
    let names: Vec<&str> = blocked
        .iter()
        .filter_map(|b| b["tripId"].as_str())
        .collect();
    Err(ApiError::conflict(format!(
        "{what} would drop seats sold on trips {}; cancel those bookings or reassign the trips first.",
        names.join(", ")
    ))
    .with_data(serde_json::json!({"trips": blocked})))
}

/// Change a bus.
///
/// The company's admin (`oa`). A new layout reaches the bus's trips that
/// have not left; if it lacks a seat sold on one of them, nothing changes
/// and the answer is 409 naming the trips and seats (`data.trips`).
#[utoipa::path(
    put,
    path = "/transit/buses/{id}",
    operation_id = "update-bus",
    tag = "transit",
    params(("id" = String, Path), ("organizationId" = Option<String>, Query, description = "The super admin names the company.")),
    request_body = UpdateBus,
    responses(
        (status = 200, description = "The bus after the change.", body = Success<Bus>),
        (status = 400, description = "VALIDATION_FAILED naming the field.", body = Failure),
        (status = 404, description = "No such bus in this company.", body = Failure),
        (status = 409, description = "CONFLICT: the plate number is taken, or the layout drops sold seats (`data.trips`).", body = Failure),
        (status = 403, description = "FORBIDDEN (not allowed; a driver or passenger token) or PRODUCT_NOT_LICENSED.", body = Failure),
    ),
    security(("bearerAuth" = [])),
)]
pub async fn update(app: &App, req: Request) -> Result<Reply, ApiError> {
    let company = company(app, &req, Need::Admin).await?;
    let id = path_param(&req, "id")?;
    let body: UpdateBus = parse_json(&req)?;
    owned::BUSES.find(app, &company.id, &id).await?;
    let mut set = doc! {"updatedAt": shared::clock::now()};
    if let Some(plate) = &body.plate_number {
        set.insert("plateNumber", plate.trim());
    }
    if let Some(name) = &body.name {
        set.insert("name", name.trim());
    }
    if let Some(amenities) = &body.amenities {
        set.insert(
            "amenities",
            amenities.iter().map(|a| a.trim()).collect::<Vec<_>>(),
        );
    }
    let mut upcoming = Vec::new();
    if let Some(layout) = &body.seat_layout {
        upcoming = upcoming_trips(app, &company.id, &id).await?;
        ensure_sold_seats_kept(app, &upcoming, Some(&layout.seats()), "The new layout").await?;
        set.insert("seatLayout", layout.to_bson()?);
    }
    owned::BUSES.set(app, &company.id, &id, set).await?;
    let bus = owned::BUSES.find(app, &company.id, &id).await?;
    if !upcoming.is_empty() || body.plate_number.is_some() || body.name.is_some() {
        // The bus's trips that have not left show it as it is now.
        collection(app, TRIPS)
            .await?
            .update_many(
                doc! {
                    "companyId": &company.id,
                    "bus.id": &id,
                    "status": trips::SCHEDULED,
                    "departureAt": {"$gt": shared::clock::now()},
                },
                doc! {"$set": {"bus": trips::bus_snapshot(&bus)}},
            )
            .await
            .map_err(unavailable)?;
    }
    Reply::ok(view(&bus))
}

/// Delete a bus.
///
/// The company's admin (`oa`). 409 while an active schedule uses it
/// (`data.schedules`) or a trip of it that has not left has sold seats
/// (`data.trips`); its trips without sales keep their snapshot.
#[utoipa::path(
    delete,
    path = "/transit/buses/{id}",
    operation_id = "delete-bus",
    tag = "transit",
    params(("id" = String, Path), ("organizationId" = Option<String>, Query, description = "The super admin names the company.")),
    responses(
        (status = 200, description = "Deleted.", body = Success<FleetItemDeleted>),
        (status = 404, description = "No such bus in this company.", body = Failure),
        (status = 409, description = "CONFLICT: schedules use it, or its upcoming trips have sold seats.", body = Failure),
        (status = 400, description = "VALIDATION_FAILED: the super admin must name the company (`organizationId`), or a field or query parameter is malformed.", body = Failure),
        (status = 403, description = "FORBIDDEN (not allowed; a driver or passenger token) or PRODUCT_NOT_LICENSED.", body = Failure),
    ),
    security(("bearerAuth" = [])),
)]
pub async fn delete(app: &App, req: Request) -> Result<Reply, ApiError> {
    let company = company(app, &req, Need::Admin).await?;
    let id = path_param(&req, "id")?;
    owned::BUSES.find(app, &company.id, &id).await?;
    crate::schedules::ensure_unused(app, &company.id, doc! {"busId": &id}, "This bus").await?;
    let upcoming = upcoming_trips(app, &company.id, &id).await?;
    ensure_sold_seats_kept(app, &upcoming, None, "Deleting this bus").await?;
    owned::BUSES.delete(app, &company.id, &id).await?;
    Reply::ok(FleetItemDeleted { id, deleted: true })
}

/// Checks that a trip may move to `bus`: its layout has every seat sold on
/// the trip (409 naming the seats otherwise).
pub async fn ensure_fits(app: &App, trip_id: &str, bus: &Document) -> Result<(), ApiError> {
    let seats = view(bus).seat_layout.seats();
    let sold = sales::sold_seats(app, &[trip_id.to_owned()]).await?;
    let missing: Vec<&String> = sold
        .get(trip_id)
        .into_iter()
        .flatten()
        .filter(|s| !seats.contains(*s))
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(ApiError::conflict(format!(
            "Bus {} has no seat {} sold on this trip.",
            bus.get_str("plateNumber").unwrap_or_default(),
            missing
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))
        .with_data(serde_json::json!({"seats": missing})))
    }
}
