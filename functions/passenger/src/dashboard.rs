//! The passenger dashboard: what the app's home screen shows, computed
//! from the passenger's bookings (the ticketing domain writes them).

use std::collections::BTreeMap;

use mongodb::bson::{Bson, Document};
use serde::Serialize;
use shared::{
    App,
    http::{
        ApiError, Reply, Request, Role,
        openapi::{Failure, Success},
    },
};
use transit::bookings::{self, CONFIRMED, PAID, minor_units};
use utoipa::ToSchema;

/// A stop of a booking.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BookedStop {
    pub stop_id: String,
    pub name: String,
    pub city: String,
}

/// A confirmed trip still ahead.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UpcomingTrip {
    pub booking_id: String,
    pub trip_id: String,
    /// UTC (RFC 3339).
    pub departure_at: String,
    pub from_stop: BookedStop,
    pub to_stop: BookedStop,
    pub seats: Vec<String>,
}

/// Money spent in one currency: paid minus refunded, in minor units.
#[derive(Debug, Serialize, ToSchema, PartialEq)]
pub struct Spent {
    /// ISO 4217.
    pub currency: String,
    pub amount: i64,
}

/// The newest booking, whatever its status.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LastBooking {
    pub id: String,
    pub status: String,
    pub trip_id: String,
    pub created_at: String,
}

/// The passenger's dashboard.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Dashboard {
    /// Confirmed trips that have not left, soonest first (at most 5).
    pub upcoming_trips: Vec<UpcomingTrip>,
    /// Confirmed trips that have left.
    pub past_trip_count: u64,
    /// One entry per currency, by currency code.
    pub spent: Vec<Spent>,
    #[schema(required = true)]
    pub last_booking: Option<LastBooking>,
}

fn text(d: &Document, key: &str) -> String {
    d.get_str(key).unwrap_or_default().to_owned()
}

fn stop(d: &Document, key: &str) -> BookedStop {
    let s = d.get_document(key).cloned().unwrap_or_default();
    BookedStop {
        stop_id: text(&s, "stopId"),
        name: text(&s, "name"),
        city: text(&s, "city"),
    }
}

/// The dashboard of `bookings` (newest first) at `now`.
pub fn summarize(bookings: &[Document], now: mongodb::bson::DateTime) -> Dashboard {
    let departs = |b: &Document| b.get_datetime("departureAt").ok().copied();
    let mut upcoming: Vec<&Document> = Vec::new();
    let mut past = 0;
    let mut spent: BTreeMap<String, i64> = BTreeMap::new();
    for b in bookings {
        let status = b.get_str("status").unwrap_or_default();
        if status == CONFIRMED {
            match departs(b) {
                Some(at) if at > now => upcoming.push(b),
                Some(_) => past += 1,
                None => {}
            }
        }
        if PAID.contains(&status) {
            *spent.entry(text(b, "currency")).or_default() +=
                minor_units(b, "amount") - minor_units(b, "refundedAmount");
        }
    }
    upcoming.sort_by_key(|b| departs(b));
    Dashboard {
        upcoming_trips: upcoming
            .into_iter()
            .take(5)
            .map(|b| UpcomingTrip {
                booking_id: text(b, "id"),
                trip_id: text(b, "tripId"),
                departure_at: shared::clock::instant_text(b.get("departureAt")).unwrap_or_default(),
                from_stop: stop(b, "fromStop"),
                to_stop: stop(b, "toStop"),
                seats: b
                    .get_array("seats")
                    .into_iter()
                    .flatten()
                    .filter_map(Bson::as_document)
                    .map(|s| text(s, "seat"))
                    .collect(),
            })
            .collect(),
        past_trip_count: past,
        spent: spent
            .into_iter()
            .filter(|(currency, _)| !currency.is_empty())
            .map(|(currency, amount)| Spent { currency, amount })
            .collect(),
        last_booking: bookings.first().map(|b| LastBooking {
            id: text(b, "id"),
            status: text(b, "status"),
            trip_id: text(b, "tripId"),
            created_at: shared::clock::instant_text(b.get("createdAt")).unwrap_or_default(),
        }),
    }
}

/// The passenger's dashboard.
///
/// A passenger token. Upcoming confirmed trips (at most 5, soonest first),
/// how many confirmed trips have left, money spent per currency (paid minus
/// refunded, minor units) and the newest booking.
#[utoipa::path(
    get,
    path = "/transit/me/dashboard",
    operation_id = "passenger-dashboard",
    tag = "transit",
    responses(
        (status = 200, description = "The dashboard.", body = Success<Dashboard>),
        (status = 403, description = "FORBIDDEN: not a passenger token.", body = Failure),
    ),
    security(("bearerAuth" = [])),
)]
pub async fn get(app: &App, req: Request) -> Result<Reply, ApiError> {
    let caller = app.caller(&req, &[Role::PASSENGER]).await?;
    let bookings = bookings::of_passenger(app, &caller.user_id).await?;
    Reply::ok(summarize(&bookings, shared::clock::now()))
}
