//! Refunds (`transit.refunds`): at most one per booking (`id =
//! refund-<bookingId>`), so however often a cancellation, a late payment or
//! a retried queue message asks, the money goes back once. Cash is handed
//! back at the counter (`succeeded` at once); a card refund is `pending`
//! until `transit-worker` has the provider issue it.

use mongodb::bson::{Bson, Document, doc};
use shared::{App, http::ApiError, stores::mongo::unavailable};

use crate::store::{REFUNDS, collection};

pub const PENDING: &str = "pending";
pub const SUCCEEDED: &str = "succeeded";

/// The refund id of a booking.
pub fn id_of(booking_id: &str) -> String {
    format!("refund-{booking_id}")
}

/// Why money goes back.
pub const CANCELLED: &str = "cancelled";
pub const LATE_PAYMENT: &str = "late_payment";
pub const AMOUNT_MISMATCH: &str = "amount_mismatch";
pub const TRIP_CANCELLED: &str = "trip_cancelled";

/// Records the refund of `amount` for `booking` (once: a second call
/// returns the first record). `method` is how it was paid (`cash`, `card`).
pub async fn record(
    app: &App,
    booking: &Document,
    amount: i64,
    method: &str,
    payment_id: Option<&str>,
    reason: &str,
) -> Result<Document, ApiError> {
    let booking_id = booking.get_str("id").unwrap_or_default();
    let id = id_of(booking_id);
    let refund = doc! {
        "id": &id,
        "bookingId": booking_id,
        "companyId": booking.get_str("companyId").unwrap_or_default(),
        "amount": amount,
        "currency": booking.get_str("currency").unwrap_or_default(),
        "method": method,
        "paymentId": payment_id.map_or(Bson::Null, |p| Bson::String(p.into())),
        "reason": reason,
        "status": if method == "cash" { SUCCEEDED } else { PENDING },
        "createdAt": shared::clock::now(),
    };
    let refunds = collection(app, REFUNDS).await?;
    let written = refunds
        .update_one(doc! {"id": &id}, doc! {"$setOnInsert": refund})
        .upsert(true)
        .await
        .map_err(unavailable)?;
    // Cash is handed back at once; a card refund counts once the provider issued it.
    if written.upserted_id.is_some() && method == "cash" {
        shared::telemetry::count(shared::telemetry::Business::RefundIssued);
    }
    refunds
        .find_one(doc! {"id": &id})
        .await
        .map_err(unavailable)?
        .ok_or_else(|| ApiError::internal("a refund just written is missing"))
}

/// A booking's refund, if any.
pub async fn of_booking(app: &App, booking_id: &str) -> Result<Option<Document>, ApiError> {
    collection(app, REFUNDS)
        .await?
        .find_one(doc! {"id": id_of(booking_id)})
        .await
        .map_err(unavailable)
}

/// The provider issued refund `id` as `provider_refund_id`.
pub async fn succeeded(app: &App, id: &str, provider_refund_id: &str) -> Result<(), ApiError> {
    collection(app, REFUNDS)
        .await?
        .update_one(
            doc! {"id": id, "status": PENDING},
            doc! {"$set": {"status": SUCCEEDED, "providerRefundId": provider_refund_id, "refundedAt": shared::clock::now()}},
        )
        .await
        .map_err(unavailable)?;
    Ok(())
}
