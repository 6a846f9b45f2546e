//! The company's dashboard (TRANSIT.md §2): what its trips of a period sold,
//! earned and refunded, how full they ran and who did not show up — every
//! figure computed from the bookings, tickets and boardings themselves, so
//! the totals match the bookings exactly.

use std::collections::{BTreeMap, HashSet};

use futures_util::TryStreamExt;
use jiff::{Timestamp, ToSpan};
use mongodb::bson::{Document, doc};
use serde::Serialize;
use shared::{
    App,
    http::{
        ApiError, Reply, Request,
        openapi::{Failure, Success},
        query_param,
    },
    stores::mongo::unavailable,
};
use transit::{
    boarding,
    bookings::{self, BOOKINGS, minor_units},
    companies,
    sales::VALID,
    store::{TICKETS, TRIPS, collection},
    zone,
};
use utoipa::ToSchema;

use crate::access::{Need, company};

/// The longest period one dashboard covers.
const MAX_DAYS: i64 = 92;
/// The default period: the last 30 days, today included.
const DEFAULT_DAYS: i64 = 30;

/// Bookings of the period's trips.
#[derive(Debug, Default, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BookingCounts {
    pub total: u64,
    /// By status (`held`, `confirmed`, `released`, `expired`, `refunded`,
    /// `partially_refunded`); only the statuses that occur.
    pub by_status: BTreeMap<String, u64>,
}

/// Money of one currency, in its minor units.
#[derive(Debug, Default, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Money {
    pub currency: String,
    /// What paid bookings paid (confirmed, refunded or partially refunded).
    pub paid: i64,
    /// What went back.
    pub refunded: i64,
    /// `paid - refunded`.
    pub net: i64,
    /// How many bookings were refunded (in whole or part).
    pub refunds: u64,
}

/// How full a trip ran: seat-legs sold over seat-legs offered (a seat sold
/// Lisbon → Coimbra on a Lisbon → Porto trip is one of its two legs).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TripOccupancy {
    pub trip_id: String,
    pub route_id: String,
    pub route_code: String,
    /// Departure from the first stop, UTC.
    pub departure_at: String,
    /// `scheduled` or `cancelled`.
    pub status: String,
    /// Seats of confirmed bookings.
    pub seats_sold: u64,
    pub seat_legs_sold: u64,
    pub seat_legs: u64,
    /// `seat_legs_sold / seat_legs`, 0–1.
    pub rate: f64,
}

/// A route's trips together.
#[derive(Debug, Default, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RouteOccupancy {
    pub route_id: String,
    pub route_code: String,
    pub trips: u64,
    pub seat_legs_sold: u64,
    pub seat_legs: u64,
    pub rate: f64,
}

/// Tickets of arrived trips that never boarded.
#[derive(Debug, Default, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NoShows {
    /// Valid tickets on trips that have arrived.
    pub tickets: u64,
    pub boarded: u64,
    /// `(tickets - boarded) / tickets`; 0 with no tickets.
    pub rate: f64,
}

/// The dashboard of a period.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CompanyDashboard {
    /// First service date (local to the company's zone), inclusive.
    pub from: String,
    /// Last service date, inclusive.
    pub to: String,
    pub timezone: String,
    pub trips: u64,
    pub bookings: BookingCounts,
    /// Seats of confirmed bookings.
    pub seats_sold: u64,
    /// Per currency.
    pub revenue: Vec<Money>,
    pub occupancy_by_route: Vec<RouteOccupancy>,
    pub occupancy_by_trip: Vec<TripOccupancy>,
    pub no_shows: NoShows,
}

fn date(req: &Request, name: &str) -> Result<Option<jiff::civil::Date>, ApiError> {
    query_param(req, name)
        .map(|text| {
            zone::parse_date(&text).ok_or_else(|| {
                ApiError::validation(format!("query.{name}"), "must be a date, YYYY-MM-DD")
            })
        })
        .transpose()
}

fn ratio(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

/// Seats of a trip's bus, and legs of its route.
fn capacity(trip: &Document) -> (u64, u64) {
    let seats = trip
        .get_document("bus")
        .and_then(|b| b.get_document("seatLayout"))
        .and_then(|l| l.get_array("rows"))
        .map(|rows| {
            rows.iter()
                .filter_map(|r| r.as_array())
                .flatten()
                .filter(|s| s.as_str().is_some())
                .count() as u64
        })
        .unwrap_or(0);
    let legs = trip
        .get_document("route")
        .and_then(|r| r.get_array("stops"))
        .map(|s| s.len().saturating_sub(1) as u64)
        .unwrap_or(0);
    (seats, legs)
}

/// The company's dashboard.
///
/// Any member of the company (`ou`). `from`/`to` are service dates in the
/// company's zone (inclusive; default the last 30 days, at most 92): the
/// trips leaving on those dates, their bookings, money per currency,
/// occupancy per route and trip, and the no-show rate of the trips that
/// have arrived.
#[utoipa::path(
    get,
    path = "/transit/company/dashboard",
    operation_id = "get-company-dashboard",
    tag = "transit",
    params(
        ("from" = Option<String>, Query, description = "First service date, YYYY-MM-DD."),
        ("to" = Option<String>, Query, description = "Last service date, YYYY-MM-DD."),
        ("organizationId" = Option<String>, Query, description = "The super admin names the company."),
    ),
    responses(
        (status = 200, description = "The dashboard.", body = Success<CompanyDashboard>),
        (status = 400, description = "VALIDATION_FAILED naming the query parameter.", body = Failure),
        (status = 403, description = "FORBIDDEN (not a member; a driver or passenger token) or PRODUCT_NOT_LICENSED.", body = Failure),
        (status = 404, description = "NOT_FOUND: the named organization does not exist.", body = Failure),
    ),
    security(("bearerAuth" = [])),
)]
pub async fn get(app: &App, req: Request) -> Result<Reply, ApiError> {
    let company = company(app, &req, Need::Staff).await?;
    let settings = companies::load(app, &company.id, &company.org).await?;
    let tz = zone::stored(&settings.timezone)?;
    let today = zone::date_at(Timestamp::now(), &tz);
    let to = date(&req, "to")?.unwrap_or(today);
    let from = date(&req, "from")?
        .unwrap_or_else(|| to.checked_sub((DEFAULT_DAYS - 1).days()).unwrap_or(to));
    if from > to {
        return Err(ApiError::validation("query.from", "must not be after `to`"));
    }
    if to.since(from).map(|s| s.get_days() as i64).unwrap_or(0) >= MAX_DAYS {
        return Err(ApiError::validation(
            "query.from",
            format!("the period is at most {MAX_DAYS} days"),
        ));
    }

    // The period's trips: those leaving between midnight of `from` and
    // midnight after `to` in the company's zone.
    let start = zone::instant(from, jiff::civil::Time::midnight(), &tz)?;
    let end = zone::instant(
        to.checked_add(1.day()).map_err(ApiError::internal)?,
        jiff::civil::Time::midnight(),
        &tz,
    )?;
    let trips: Vec<Document> = collection(app, TRIPS)
        .await?
        .find(doc! {
            "companyId": &company.id,
            "departureAt": {"$gte": zone::bson(start), "$lt": zone::bson(end)},
        })
        .sort(doc! {"departureAt": 1})
        .await
        .map_err(unavailable)?
        .try_collect()
        .await
        .map_err(unavailable)?;
    let trip_ids: Vec<&str> = trips.iter().filter_map(|t| t.get_str("id").ok()).collect();
    let booked: Vec<Document> = collection(app, BOOKINGS)
        .await?
        .find(doc! {"companyId": &company.id, "tripId": {"$in": &trip_ids}})
        .await
        .map_err(unavailable)?
        .try_collect()
        .await
        .map_err(unavailable)?;

    let mut counts = BookingCounts::default();
    let mut money: BTreeMap<String, Money> = BTreeMap::new();
    let mut sold: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
    for b in &booked {
        let status = b.get_str("status").unwrap_or_default();
        counts.total += 1;
        *counts.by_status.entry(status.to_owned()).or_default() += 1;
        if bookings::PAID.contains(&status) {
            let currency = b.get_str("currency").unwrap_or_default().to_owned();
            let m = money.entry(currency.clone()).or_insert_with(|| Money {
                currency,
                ..Money::default()
            });
            let refunded = minor_units(b, "refundedAmount");
            m.paid += minor_units(b, "amount");
            m.refunded += refunded;
            m.net = m.paid - m.refunded;
            m.refunds += u64::from(refunded > 0);
        }
        if status == bookings::CONFIRMED {
            let seats = bookings::seat_labels(b).len() as u64;
            let legs = bookings::legs(b).len() as u64;
            let entry = sold
                .entry(b.get_str("tripId").unwrap_or_default())
                .or_default();
            entry.0 += seats;
            entry.1 += seats * legs;
        }
    }

    let mut by_trip = Vec::with_capacity(trips.len());
    let mut by_route: BTreeMap<String, RouteOccupancy> = BTreeMap::new();
    for t in &trips {
        let id = t.get_str("id").unwrap_or_default();
        let (seats, legs) = capacity(t);
        let cancelled = t.get_str("status") == Ok(transit::trips::CANCELLED);
        // A cancelled trip offered and sold nothing (its bookings are being
        // refunded).
        let (seats_sold, seat_legs_sold) = if cancelled {
            (0, 0)
        } else {
            sold.get(id).copied().unwrap_or_default()
        };
        let route_id = t.get_str("routeId").unwrap_or_default().to_owned();
        let route_code = t
            .get_document("route")
            .and_then(|r| r.get_str("code"))
            .unwrap_or_default()
            .to_owned();
        let seat_legs = if cancelled { 0 } else { seats * legs };
        let r = by_route
            .entry(route_id.clone())
            .or_insert_with(|| RouteOccupancy {
                route_id: route_id.clone(),
                route_code: route_code.clone(),
                ..RouteOccupancy::default()
            });
        r.trips += 1;
        r.seat_legs_sold += seat_legs_sold;
        r.seat_legs += seat_legs;
        r.rate = ratio(r.seat_legs_sold, r.seat_legs);
        by_trip.push(TripOccupancy {
            trip_id: id.to_owned(),
            route_id,
            route_code,
            departure_at: shared::clock::instant_text(t.get("departureAt")).unwrap_or_default(),
            status: t.get_str("status").unwrap_or_default().to_owned(),
            seats_sold,
            seat_legs_sold,
            seat_legs,
            rate: ratio(seat_legs_sold, seat_legs),
        });
    }

    // No-shows: the valid tickets of trips that have arrived (every stop
    // called at), against their boardings (one Query per such trip).
    let now = Timestamp::now();
    let departed: HashSet<&str> = trips
        .iter()
        .filter(|t| {
            t.get_str("status") != Ok(transit::trips::CANCELLED)
                && t.get_datetime("arrivalAt")
                    .is_ok_and(|d| zone::from_bson(*d) <= now)
        })
        .filter_map(|t| t.get_str("id").ok())
        .collect();
    let tickets: Vec<Document> = collection(app, TICKETS)
        .await?
        .find(doc! {
            "companyId": &company.id,
            "status": VALID,
            "tripId": {"$in": departed.iter().copied().collect::<Vec<_>>()},
        })
        .await
        .map_err(unavailable)?
        .try_collect()
        .await
        .map_err(unavailable)?;
    let mut no_shows = NoShows::default();
    let with_tickets: HashSet<&str> = tickets
        .iter()
        .filter_map(|t| t.get_str("tripId").ok())
        .collect();
    for trip_id in with_tickets {
        let scans = boarding::of_trip(app, trip_id).await?;
        for t in tickets
            .iter()
            .filter(|t| t.get_str("tripId") == Ok(trip_id))
        {
            no_shows.tickets += 1;
            no_shows.boarded += u64::from(scans.contains_key(t.get_str("id").unwrap_or_default()));
        }
    }
    no_shows.rate = ratio(no_shows.tickets - no_shows.boarded, no_shows.tickets);

    Reply::ok(CompanyDashboard {
        from: from.to_string(),
        to: to.to_string(),
        timezone: settings.timezone,
        trips: trips.len() as u64,
        seats_sold: by_trip.iter().map(|t| t.seats_sold).sum(),
        bookings: counts,
        revenue: money.into_values().collect(),
        occupancy_by_route: by_route.into_values().collect(),
        occupancy_by_trip: by_trip,
        no_shows,
    })
}
