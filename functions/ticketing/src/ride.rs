//! A trip and the part of it a passenger rides: its stops as the trip's
//! snapshot has them, the segment between two of them (the legs a booking
//! takes), the fare for it and the bus's seats.

use std::ops::Range;

use jiff::Timestamp;
use mongodb::bson::{Bson, Document, doc};
use shared::{App, http::ApiError, stores::mongo::unavailable};
use transit::{
    store::{TRIPS, collection},
    zone,
};

/// A trip by id (404 when there is none).
pub async fn trip(app: &App, id: &str) -> Result<Document, ApiError> {
    collection(app, TRIPS)
        .await?
        .find_one(doc! {"id": id})
        .await
        .map_err(unavailable)?
        .ok_or_else(|| ApiError::not_found(format!("No trip {id}.")))
}

/// The trip's stops, in calling order.
pub fn stops(trip: &Document) -> Vec<&Document> {
    trip.get_document("route")
        .ok()
        .and_then(|r| r.get_array("stops").ok())
        .into_iter()
        .flatten()
        .filter_map(Bson::as_document)
        .collect()
}

/// When the trip leaves stop `i` (its `departAt`).
pub fn departs(stop: &Document) -> Timestamp {
    instant(stop, "departAt")
}

/// When the trip reaches stop `i` (its `arriveAt`).
pub fn arrives(stop: &Document) -> Timestamp {
    instant(stop, "arriveAt")
}

fn instant(d: &Document, key: &str) -> Timestamp {
    d.get_datetime(key)
        .map(|t| zone::from_bson(*t))
        .unwrap_or(Timestamp::UNIX_EPOCH)
}

/// `{stopId, name, city}` of a stop.
pub fn stop_ref(stop: &Document) -> Document {
    let text = |k: &str| stop.get_str(k).unwrap_or_default();
    doc! {"stopId": text("stopId"), "name": text("name"), "city": text("city")}
}

/// The legs from stop `from_id` to stop `to_id`: 400 naming `fields`
/// (`(from, to)`) when either is not on the trip or `to` is not after `from`.
pub fn segment(
    trip: &Document,
    from_id: &str,
    to_id: &str,
    fields: (&str, &str),
) -> Result<Range<usize>, ApiError> {
    let stops = stops(trip);
    let position = |id: &str| stops.iter().position(|s| s.get_str("stopId") == Ok(id));
    let from = position(from_id)
        .ok_or_else(|| ApiError::validation(fields.0, "is not a stop of this trip"))?;
    let to = position(to_id)
        .ok_or_else(|| ApiError::validation(fields.1, "is not a stop of this trip"))?;
    if to <= from {
        return Err(ApiError::validation(
            fields.1,
            "must be a stop after the boarding stop",
        ));
    }
    Ok(from..to)
}

/// One seat's fare for `legs`, in minor units of the route's currency.
pub fn fare(trip: &Document, legs: &Range<usize>) -> i64 {
    let fares: Vec<i64> = trip
        .get_document("route")
        .ok()
        .and_then(|r| r.get_array("legFares").ok())
        .into_iter()
        .flatten()
        .map(|f| {
            f.as_i64()
                .or_else(|| f.as_i32().map(i64::from))
                .unwrap_or(0)
        })
        .collect();
    legs.clone().filter_map(|leg| fares.get(leg)).sum()
}

/// The route's ISO 4217 currency.
pub fn currency(trip: &Document) -> String {
    trip.get_document("route")
        .ok()
        .and_then(|r| r.get_str("currency").ok())
        .unwrap_or_default()
        .to_owned()
}

/// The bus's seat rows as the trip runs with it (`None` for an aisle).
pub fn seat_rows(trip: &Document) -> Vec<Vec<Option<String>>> {
    trip.get_document("bus")
        .ok()
        .and_then(|b| b.get_document("seatLayout").ok())
        .and_then(|l| l.get_array("rows").ok())
        .into_iter()
        .flatten()
        .filter_map(Bson::as_array)
        .map(|row| row.iter().map(|s| s.as_str().map(str::to_owned)).collect())
        .collect()
}

/// Every seat label of the trip's bus.
pub fn seat_labels(trip: &Document) -> Vec<String> {
    seat_rows(trip).into_iter().flatten().flatten().collect()
}

/// Whether booking is still open: the trip is scheduled and has not left
/// the boarding stop yet.
pub fn bookable(trip: &Document, legs: &Range<usize>, now: Timestamp) -> Result<(), ApiError> {
    if trip.get_str("status") != Ok(transit::trips::SCHEDULED) {
        return Err(ApiError::conflict("This trip is cancelled."));
    }
    let stops = stops(trip);
    if stops.get(legs.start).is_none_or(|s| departs(s) <= now) {
        return Err(ApiError::conflict(
            "This trip has already left the boarding stop.",
        ));
    }
    Ok(())
}
