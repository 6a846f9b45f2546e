//! A trip the company cancelled: every booking on it is refunded in full
//! (a hold is released), its tickets void, its seats free and its
//! passenger mailed — each booking once, however often the job runs (the
//! queue retries a failed run; the moves are guarded and what follows is
//! safe to repeat). The card refunds themselves are `refund.due` jobs of
//! their own, retried until the provider issues them.

use futures_util::TryStreamExt;
use mongodb::bson::doc;
use shared::{App, http::ApiError, stores::mongo::unavailable};
use transit::{
    bookings::{self, BOOKINGS, minor_units},
    cancellations, refunds,
    store::collection,
};

/// Marks a booking ended by its trip's cancellation (not by its passenger).
const BY_TRIP: &str = "cancelledWithTrip";

pub async fn cancel_bookings(app: &App, trip_id: &str) -> Result<(), ApiError> {
    let on_trip: Vec<_> = collection(app, BOOKINGS)
        .await?
        .find(doc! {
            "tripId": trip_id,
            "$or": [
                {"status": {"$in": [bookings::HELD, bookings::CONFIRMED]}},
                {BY_TRIP: true},
            ],
        })
        .await
        .map_err(unavailable)?
        .try_collect()
        .await
        .map_err(unavailable)?;
    tracing::info!(trip = %trip_id, bookings = on_trip.len(), "trip cancelled: settling its bookings");
    for booking in on_trip {
        let id = booking.get_str("id").unwrap_or_default().to_owned();
        match booking.get_str("status").unwrap_or_default() {
            bookings::HELD => {
                cancellations::release_hold(app, &booking, doc! {BY_TRIP: true}).await?;
            }
            bookings::CONFIRMED => {
                let all = minor_units(&booking, "amount");
                let moved = cancellations::refund(app, &booking, all, doc! {BY_TRIP: true}).await?;
                if let Some(now) = bookings::find(app, &id).await? {
                    cancellations::settle(app, &now, refunds::TRIP_CANCELLED, moved).await?;
                }
            }
            // Refunded by an earlier run that failed part-way: finish it.
            bookings::REFUNDED => {
                cancellations::settle(app, &booking, refunds::TRIP_CANCELLED, false).await?;
            }
            _ => {}
        }
    }
    Ok(())
}
