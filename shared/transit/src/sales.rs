//! What is sold on a trip: a seat with a ticket that is not void. The
//! fleet's 409 rules ask this (a layout may not lose a sold seat); the
//! ticketing domain writes the tickets.

use std::collections::{BTreeMap, BTreeSet};

use futures_util::TryStreamExt;
use mongodb::bson::{Document, doc};
use shared::{App, http::ApiError, stores::mongo::unavailable};

use crate::store::{TICKETS, collection};

/// A ticket's status once voided (refunded, cancelled): its seat is free.
pub const VOID: &str = "void";

/// The sold seats of each of `trip_ids` (trips without sales are absent).
pub async fn sold_seats(
    app: &App,
    trip_ids: &[String],
) -> Result<BTreeMap<String, BTreeSet<String>>, ApiError> {
    let mut sold: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    if trip_ids.is_empty() {
        return Ok(sold);
    }
    let tickets: Vec<Document> = collection(app, TICKETS)
        .await?
        .find(doc! {"tripId": {"$in": trip_ids}, "status": {"$ne": VOID}})
        .projection(doc! {"tripId": 1, "seat": 1})
        .await
        .map_err(unavailable)?
        .try_collect()
        .await
        .map_err(unavailable)?;
    for t in tickets {
        if let (Ok(trip), Ok(seat)) = (t.get_str("tripId"), t.get_str("seat")) {
            sold.entry(trip.to_owned())
                .or_default()
                .insert(seat.to_owned());
        }
    }
    Ok(sold)
}
