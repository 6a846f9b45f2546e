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
