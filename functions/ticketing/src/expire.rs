//! Lapsed holds: marked `expired` and their seats freed. Correctness never
//! depends on this run (a lapsed hold is free inside every inventory
//! write's condition); it keeps booking statuses honest and the inventory
//! small.

use futures_util::TryStreamExt;
use jiff::Timestamp;
use mongodb::bson::{Document, doc};
use shared::{App, http::ApiError, runtime::EventBridgeEvent, stores::mongo::unavailable};
use transit::{
    bookings::{self as model, BOOKINGS},
    inventory,
    store::collection,
    zone,
};

/// How many lapsed holds one run handles; the next run takes the rest.
const BATCH: i64 = 500;

/// Runs every few minutes (EventBridge Scheduler). "Now" is the event's
/// `time`, so a delayed delivery never expires a hold early. A failure on
/// one booking does not stop the others; the run then fails so EventBridge
/// retries it.
pub async fn expire_holds(app: &'static App, event: EventBridgeEvent) -> Result<(), ApiError> {
    let now = event
        .time
        .and_then(|t| Timestamp::from_millisecond(t.timestamp_millis()).ok())
        .unwrap_or_else(Timestamp::now)
        .min(Timestamp::now());
    let lapsed: Vec<Document> = collection(app, BOOKINGS)
        .await?
        .find(doc! {"status": model::HELD, "holdExpiresAt": {"$lt": zone::bson(now)}})
        .limit(BATCH)
        .await
        .map_err(unavailable)?
        .try_collect()
        .await
        .map_err(unavailable)?;
    let mut failed = 0usize;
    for booking in &lapsed {
        let id = booking.get_str("id").unwrap_or_default();
        let outcome = async {
            if model::transition(app, id, &[model::HELD], model::EXPIRED, doc! {}).await? {
                shared::telemetry::count(shared::telemetry::Business::HoldExpired);
                inventory::release_hold(
                    app,
                    id,
                    booking.get_str("tripId").unwrap_or_default(),
                    &model::seat_labels(booking),
                    model::legs(booking),
                    booking.get_str("passengerId").ok(),
                )
                .await?;
            }
            Ok::<_, ApiError>(())
        }
        .await;
        if let Err(e) = outcome {
            failed += 1;
            tracing::error!(booking = %id, error = %e, "hold not expired");
        }
    }
    tracing::info!(expired = lapsed.len() - failed, failed, "expire-holds run");
    if failed > 0 {
        return Err(ApiError::internal(format!("{failed} holds not expired")));
    }
    Ok(())
}
