//! A trip's seat map for a segment: each seat `available` or `taken`.

use serde::Serialize;
use shared::{
    App,
    http::{
        ApiError, Reply, Request,
        openapi::{Failure, Success},
        path_param, query_param,
    },
};
use transit::inventory;
use utoipa::ToSchema;

use crate::ride;

/// One seat of the map.
#[derive(Debug, Serialize, ToSchema)]
pub struct SeatState {
    pub seat: String,
    /// `available` or `taken` (held or sold on a leg of the segment).
    pub status: String,
}

/// The seat map: rows as the bus's layout has them, `null` for an aisle.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SeatMap {
    pub trip_id: String,
    pub from_stop_id: String,
    pub to_stop_id: String,
    pub rows: Vec<Vec<Option<SeatState>>>,
}

/// A trip's seat map.
///
/// Public. `from`/`to` are stop ids of the trip (default: its first and
/// last stop); a seat is `taken` when it is held or sold on any leg of
/// that segment.
#[utoipa::path(
    get,
    path = "/transit/trips/{id}/seats",
    operation_id = "get-trip-seats",
    tag = "transit",
    params(
        ("id" = String, Path, description = "The trip."),
        ("from" = Option<String>, Query, description = "Boarding stop id."),
        ("to" = Option<String>, Query, description = "Alighting stop id."),
    ),
    responses(
        (status = 200, description = "The seat map.", body = Success<SeatMap>),
        (status = 400, description = "VALIDATION_FAILED: a stop is not on the trip, or `to` is not after `from`.", body = Failure),
        (status = 404, description = "NOT_FOUND: no such trip.", body = Failure),
    ),
)]
pub async fn get(app: &App, req: Request) -> Result<Reply, ApiError> {
    let trip = ride::trip(app, &path_param(&req, "id")?).await?;
    let stops = ride::stops(&trip);
    let stop_id = |i: usize| {
        stops
            .get(i)
            .and_then(|s| s.get_str("stopId").ok())
            .unwrap_or_default()
            .to_owned()
    };
    let from = query_param(&req, "from").unwrap_or_else(|| stop_id(0));
    let to = query_param(&req, "to").unwrap_or_else(|| stop_id(stops.len().saturating_sub(1)));
    let legs = ride::segment(&trip, &from, &to, ("query.from", "query.to"))?;
    let taken = inventory::taken(app, trip.get_str("id").unwrap_or_default()).await?;
    let rows = ride::seat_rows(&trip)
        .into_iter()
        .map(|row| {
            row.into_iter()
                .map(|seat| {
                    seat.map(|seat| {
                        let is_taken = legs.clone().any(|leg| taken.contains(&(seat.clone(), leg)));
                        SeatState {
                            status: if is_taken { "taken" } else { "available" }.into(),
                            seat,
                        }
                    })
                })
                .collect()
        })
        .collect();
    Reply::ok(SeatMap {
        trip_id: trip.get_str("id").unwrap_or_default().to_owned(),
        from_stop_id: from,
        to_stop_id: to,
        rows,
    })
}
