//! Bookings as every transit domain reads them (the ticketing domain
//! writes them). `transit.bookings`: `{id, companyId, passengerId?, tripId,
//! status, departureAt, fromStop {stopId, name, city}, toStop {…}, seats:
//! [{seat, passengerName}], amount, refundedAmount, currency, createdAt}`;
//! money in minor units of `currency`, instants as BSON dates.

use futures_util::TryStreamExt;
use mongodb::bson::{Document, doc};
use shared::{App, http::ApiError, stores::mongo::unavailable};

use crate::db;

pub const BOOKINGS: &str = "bookings";

pub const CONFIRMED: &str = "confirmed";
pub const REFUNDED: &str = "refunded";
pub const PARTIALLY_REFUNDED: &str = "partially_refunded";

/// The statuses in which money was taken (and maybe partly returned).
pub const PAID: [&str; 3] = [CONFIRMED, REFUNDED, PARTIALLY_REFUNDED];

/// Every booking of a passenger, newest first.
pub async fn of_passenger(app: &App, passenger_id: &str) -> Result<Vec<Document>, ApiError> {
    db(app)
        .await?
        .collection::<Document>(BOOKINGS)
        .find(doc! {"passengerId": passenger_id})
        .sort(doc! {"createdAt": -1})
        .await
        .map_err(unavailable)?
        .try_collect()
        .await
        .map_err(unavailable)
}

/// A whole number of minor units stored as Int32 or Int64.
pub fn minor_units(d: &Document, key: &str) -> i64 {
    d.get_i64(key)
        .or_else(|_| d.get_i32(key).map(i64::from))
        .unwrap_or(0)
}

pub const HELD: &str = "held";
pub const RELEASED: &str = "released";
pub const EXPIRED: &str = "expired";

/// Every status a booking may have, for `?status=` filters.
pub const STATUSES: [&str; 6] = [
    HELD,
    CONFIRMED,
    RELEASED,
    EXPIRED,
    REFUNDED,
    PARTIALLY_REFUNDED,
];

/// A booking by id.
pub async fn find(app: &App, id: &str) -> Result<Option<Document>, ApiError> {
    db(app)
        .await?
        .collection::<Document>(BOOKINGS)
        .find_one(doc! {"id": id})
        .await
        .map_err(unavailable)
}

/// Moves booking `id` from one of `from` to `to` with `set`; whether it
/// moved. The status filter is the guard that keeps concurrent writers
/// (a webhook, a cancel, expire-holds) from ever moving it backwards.
pub async fn transition(
    app: &App,
    id: &str,
    from: &[&str],
    to: &str,
    mut set: Document,
) -> Result<bool, ApiError> {
    set.insert("status", to);
    set.insert("updatedAt", shared::clock::now());
    let result = db(app)
        .await?
        .collection::<Document>(BOOKINGS)
        .update_one(
            doc! {"id": id, "status": {"$in": from.to_vec()}},
            doc! {"$set": set},
        )
        .await
        .map_err(unavailable)?;
    Ok(result.modified_count == 1)
}

/// The seat labels a booking holds or bought.
pub fn seat_labels(booking: &Document) -> Vec<String> {
    booking
        .get_array("seats")
        .into_iter()
        .flatten()
        .filter_map(|s| s.as_document()?.get_str("seat").ok().map(str::to_owned))
        .collect()
}

/// The legs of its trip a booking covers (`legs: {from, to}`, stop
/// indexes: boarding at stop `from`, leaving at stop `to`).
pub fn legs(booking: &Document) -> std::ops::Range<usize> {
    let index = |k: &str| {
        booking
            .get_document("legs")
            .ok()
            .and_then(|l| l.get_i32(k).ok())
            .and_then(|n| usize::try_from(n).ok())
            .unwrap_or(0)
    };
    index("from")..index("to")
}
