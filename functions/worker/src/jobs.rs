//! One queue message, one job.

use shared::{App, http::ApiError, runtime::SqsMessage};
use transit::events::Event;

use crate::{mails, refund, trip};

/// Runs the job a message carries. An unreadable message is an error too:
/// it goes to the dead-letter queue for a person to look at.
pub async fn handle(app: &'static App, message: SqsMessage) -> Result<(), ApiError> {
    let body = message.body.as_deref().unwrap_or_default();
    let event: Event = serde_json::from_str(body).map_err(|e| {
        ApiError::internal(format!(
            "unreadable queue message {:?}: {e}",
            message.message_id
        ))
    })?;
    tracing::info!(?event, "job");
    match event {
        Event::BookingConfirmed { booking_id } => mails::e_ticket(app, &booking_id).await,
        Event::BookingCancelled { booking_id } => mails::cancelled(app, &booking_id).await,
        Event::RefundDue { booking_id } => refund::issue(app, &booking_id).await,
        Event::TripCancelled { trip_id } => trip::cancel_bookings(app, &trip_id).await,
    }
}
