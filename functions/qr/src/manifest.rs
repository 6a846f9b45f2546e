//! A trip's manifest: who rides where, who boarded, and which tickets are
//! void — everything an offline device syncs before the trip.

use futures_util::TryStreamExt;
use mongodb::bson::doc;
use serde::Serialize;
use shared::{
    App,
    http::{
        ApiError, Reply, Request,
        openapi::{Failure, Success},
        path_param,
    },
    stores::mongo::unavailable,
};
use transit::{
    boarding,
    sales::VALID,
    store::{TICKETS, collection},
};
use utoipa::ToSchema;

use crate::gate::boarding_trip;

/// One valid ticket on the trip.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ManifestSeat {
    pub ticket_id: String,
    pub seat: String,
    pub passenger_name: String,
    pub from_stop_id: String,
    pub to_stop_id: String,
    pub boarded: bool,
    /// When it boarded (the first scan), UTC; `null` until then.
    pub boarded_at: Option<String>,
    /// The device that scanned it first.
    pub device_id: Option<String>,
}

/// A trip's manifest.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Manifest {
    pub trip_id: String,
    /// Valid tickets, by seat and then boarding stop.
    pub seats: Vec<ManifestSeat>,
    /// Tickets of this trip that no longer board.
    pub voided_ticket_ids: Vec<String>,
}

/// A trip's manifest.
///
/// The trip's driver, or staff of its company (`d`).
#[utoipa::path(
    get,
    path = "/transit/trips/{id}/manifest",
    operation_id = "get-manifest",
    tag = "transit",
    params(("id" = String, Path, description = "The trip.")),
    responses(
        (status = 200, description = "The manifest.", body = Success<Manifest>),
        (status = 403, description = "FORBIDDEN: not a driver or staff token.", body = Failure),
        (status = 404, description = "NOT_FOUND: no such trip of yours.", body = Failure),
    ),
    security(("bearerAuth" = [])),
)]
pub async fn get(app: &App, req: Request) -> Result<Reply, ApiError> {
    let trip_id = path_param(&req, "id")?;
    boarding_trip(app, &req, &trip_id).await?;
    let tickets: Vec<_> = collection(app, TICKETS)
        .await?
        .find(doc! {"tripId": &trip_id})
        .sort(doc! {"seat": 1, "fromStopId": 1, "id": 1})
        .await
        .map_err(unavailable)?
        .try_collect()
        .await
        .map_err(unavailable)?;
    let mut scans = boarding::of_trip(app, &trip_id).await?;
    let mut manifest = Manifest {
        trip_id: trip_id.clone(),
        seats: Vec::new(),
        voided_ticket_ids: Vec::new(),
    };
    for t in &tickets {
        let text = |k: &str| t.get_str(k).unwrap_or_default().to_owned();
        if t.get_str("status") != Ok(VALID) {
            manifest.voided_ticket_ids.push(text("id"));
            continue;
        }
        let scan = scans.remove(&text("id"));
        manifest.seats.push(ManifestSeat {
            ticket_id: text("id"),
            seat: text("seat"),
            passenger_name: text("passengerName"),
            from_stop_id: text("fromStopId"),
            to_stop_id: text("toStopId"),
            boarded: scan.is_some(),
            boarded_at: scan.as_ref().map(|s| s.scanned_at.to_string()),
            device_id: scan.map(|s| s.device_id),
        });
    }
    Reply::ok(manifest)
}
