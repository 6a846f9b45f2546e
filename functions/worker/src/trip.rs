//! A trip the company cancelled: every booking on it is refunded in full
//! (a hold is released), its tickets void, its seats free and its
//! passenger mailed — each booking once, however often the job runs (the
//! queue retries a failed run; the moves are guarded and what follows is
//! safe to repeat). The card refunds themselves are `refund.due` jobs of
//! their own, retried until the provider issues them.

use futures_util::TryStreamExt;
use mongodb::bson::{Document, doc};
use shared::{App, http::ApiError, stores::mongo::unavailable};
use transit::{
    bookings::{self, BOOKINGS, minor_units},
    cancellations, refunds,
    store::collection,
};

pub async fn cancel_bookings(app: &App, trip_id: &str) -> Result<(), ApiError> {
    let on_trip: Vec<_> = collection(app, BOOKINGS)
        .await?
        .find(doc! {
            "tripId": trip_id,
            "$or": [
                {"status": {"$in": [bookings::HELD, bookings::CONFIRMED]}},
                {cancellations::WITH_TRIP: true},
            ],
        })
        .await
        .map_err(unavailable)?
        .try_collect()
        .await
        .map_err(unavailable)?;
    tracing::info!(trip = %trip_id, bookings = on_trip.len(), "trip cancelled: settling its bookings");
    for booking in on_trip {
        settle(app, booking).await?;
    }
    Ok(())
}

/// One booking of the cancelled trip. A payment or another cancel may move
/// it between the read and the guarded move: then decide again on fresh
/// state (a hold paid a moment ago is refunded as a confirmed booking).
async fn settle(app: &App, mut booking: Document) -> Result<(), ApiError> {
    let id = booking.get_str("id").unwrap_or_default().to_owned();
    for _ in 0..3 {
        let done = match booking.get_str("status").unwrap_or_default() {
            bookings::HELD => {
                cancellations::release_hold(app, &booking, doc! {cancellations::WITH_TRIP: true})
                    .await?
            }
            bookings::CONFIRMED => {
                let all = minor_units(&booking, "amount");
                cancellations::refund(app, &booking, all, doc! {cancellations::WITH_TRIP: true})
                    .await?
            }
            _ => true,
        };
        booking = bookings::find(app, &id)
            .await?
            .ok_or_else(|| ApiError::internal(format!("booking {id} vanished")))?;
        if done {
            // Refunded by this run or an earlier one that failed part-way:
            // finish it, the notice queued once.
            if booking.get_str("status") == Ok(bookings::REFUNDED)
                && booking.get_bool(cancellations::WITH_TRIP) == Ok(true)
            {
                let mail = !booking.contains_key(cancellations::MAIL_QUEUED);
                cancellations::settle(app, &booking, refunds::TRIP_CANCELLED, mail).await?;
            }
            return Ok(());
        }
    }
    Err(ApiError::internal(format!(
        "booking {id} kept changing while its trip was cancelled"
    )))
}
