//! Transit's queue (TRANSIT.md §2, "Background functions"): what happened
//! to a booking, for `transit-worker` to act on — the e-ticket and
//! cancellation mail, refunds through the provider. SQS with a dead-letter
//! queue after 5 tries; `TRANSIT_QUEUE_URL` names it.

use serde::{Deserialize, Serialize};
use shared::{App, http::ApiError, stores::aws::error_chain};

/// The setting naming the queue.
pub const QUEUE_SETTING: &str = "TRANSIT_QUEUE_URL";

/// One message on the queue: `{"type": ..., "bookingId": ...}` (or
/// `"tripId"`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Event {
    /// Paid or sold: mail the e-ticket.
    #[serde(rename = "booking.confirmed")]
    BookingConfirmed {
        #[serde(rename = "bookingId")]
        booking_id: String,
    },
    /// A confirmed booking was cancelled: mail what comes back.
    #[serde(rename = "booking.cancelled")]
    BookingCancelled {
        #[serde(rename = "bookingId")]
        booking_id: String,
    },
    /// Money to return through the provider: the booking's refund record
    /// (`refund-<bookingId>`) says how much and why.
    #[serde(rename = "refund.due")]
    RefundDue {
        #[serde(rename = "bookingId")]
        booking_id: String,
    },
    /// The company cancelled a trip: every booking on it is refunded in
    /// full (or its hold released), its tickets void, its passenger told.
    #[serde(rename = "trip.cancelled")]
    TripCancelled {
        #[serde(rename = "tripId")]
        trip_id: String,
    },
}

/// Puts `event` on the queue. A failure is a 503: the caller decides
/// whether its own work must then be retried (a webhook is redelivered).
pub async fn publish(app: &App, event: &Event) -> Result<(), ApiError> {
    let url = app.config.setting(QUEUE_SETTING).ok_or_else(|| {
        ApiError::internal("TRANSIT_QUEUE_URL is not set for a function that publishes")
    })?;
    let body = serde_json::to_string(event).map_err(ApiError::internal)?;
    app.sqs()
        .await
        .send_message()
        .queue_url(url)
        .message_body(body)
        .send()
        .await
        .map_err(|e| {
            tracing::error!(cause = %error_chain(&e), "queue publish failed");
            ApiError::new(
                lambda_http::http::StatusCode::SERVICE_UNAVAILABLE,
                shared::http::ErrorCode::DependencyUnavailable,
                "The queue is unavailable; please retry shortly.",
            )
        })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_have_a_stable_wire_shape() {
        let e = Event::RefundDue {
            booking_id: "b1".into(),
        };
        let text = serde_json::to_string(&e).unwrap();
        assert_eq!(text, r#"{"type":"refund.due","bookingId":"b1"}"#);
        assert_eq!(serde_json::from_str::<Event>(&text).unwrap(), e);
    }
}
