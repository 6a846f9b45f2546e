//! Issuing a card refund through the provider: once per booking (the
//! provider's idempotency key is the refund's id), then the passenger is
//! told. A provider failure fails the job, so the queue retries it.

use shared::{App, http::ApiError};
use transit::{bookings::minor_units, provider::Provider, refunds};

use crate::mails;

pub async fn issue(app: &App, booking_id: &str) -> Result<(), ApiError> {
    let Some(refund) = refunds::of_booking(app, booking_id).await? else {
        return Err(ApiError::internal(format!(
            "refund.due for booking {booking_id} without a refund record"
        )));
    };
    if refund.get_str("status") == Ok(refunds::PENDING) {
        let payment = refund.get_str("paymentId").map_err(|_| {
            ApiError::internal(format!("card refund of {booking_id} without a payment"))
        })?;
        let id = refund.get_str("id").unwrap_or_default();
        let issued = Provider::of(app)
            .await?
            .refund(payment, minor_units(&refund, "amount"), id)
            .await?;
        refunds::succeeded(app, id, &issued.id).await?;
        tracing::info!(booking = %booking_id, refund = %issued.id, amount = issued.amount, "refund issued");
        shared::telemetry::count(shared::telemetry::Business::RefundIssued);
    }
    mails::refunded(app, booking_id, &refund).await
}
