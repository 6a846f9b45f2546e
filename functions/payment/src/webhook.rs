//! The provider's webhook: signed events, each processed once.
//!
//! - `payment_intent.succeeded`: the amount and currency must be the
//!   booking's; then the booking is confirmed (its held seats sold, tickets
//!   issued, the e-ticket mail queued). If it cannot be seated — the hold
//!   lapsed and a seat went to someone else, or the passenger released it —
//!   the payment is refunded in full through the queue and the booking ends
//!   `refunded` (invariant 2). A wrong amount or currency is refunded too
//!   and confirms nothing.
//! - `payment_intent.payment_failed`: the payment is marked failed (unless
//!   it already succeeded: events out of order never move anything
//!   backwards); the booking stays `held`.
//! - anything else: acknowledged and ignored.
//!
//! Once: the event id is claimed in DynamoDB before the work, and released
//! if the work fails, so the provider's redelivery runs it again; a
//! duplicate delivery of a processed event changes nothing.

use aws_sdk_dynamodb::{error::SdkError, types::AttributeValue};
use jiff::Timestamp;
use mongodb::bson::{Document, doc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use shared::{
    App,
    http::{
        ApiError, Reply, Request,
        openapi::{Failure, Success},
    },
    stores::{aws::dynamodb_error, mongo::unavailable},
};
use transit::{
    bookings::{self, minor_units},
    cancellations,
    events::{self, Event},
    refunds,
    sales::{self, Confirmation, Paid},
    store::{PAYMENTS, collection},
};
use utoipa::ToSchema;

use crate::signature;

/// The configuration secret's key holding the webhook signing secret.
pub const WEBHOOK_SECRET: &str = "paymentWebhookSecret";
const HEADER: &str = "stripe-signature";
/// How long a processed event id is remembered (the provider retries for
/// up to 3 days).
const REMEMBER_SECS: i64 = 30 * 24 * 3600;

/// What the webhook answers the provider.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookReceipt {
    pub received: bool,
    /// True when this event was processed before and nothing changed now.
    pub duplicate: bool,
}

/// The parts of an event we read.
#[derive(Debug, Deserialize)]
struct ProviderEvent {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    data: EventData,
}

#[derive(Debug, Deserialize)]
struct EventData {
    object: Value,
}

/// The provider's webhook.
///
/// Public, authenticated by its `Stripe-Signature` (HMAC-SHA256 of
/// `"{t}.{raw body}"` with the webhook secret, `t` within 5 minutes): a
/// missing, malformed, stale or wrong signature is 400 and changes
/// nothing. Each event is processed once; a duplicate answers
/// `duplicate: true`.
#[utoipa::path(
    post,
    path = "/transit/payments/webhook",
    operation_id = "payment-webhook",
    tag = "transit",
    params(("Stripe-Signature" = String, Header, description = "`t=<unix>,v1=<hex HMAC-SHA256>`.")),
    request_body(content = Object, description = "The provider's event (`{id, type, data: {object}}`), signed as sent."),
    responses(
        (status = 200, description = "Received.", body = Success<WebhookReceipt>),
        (status = 400, description = "VALIDATION_FAILED: the signature (`header.Stripe-Signature`) or the event is not valid.", body = Failure),
        (status = 503, description = "DEPENDENCY_UNAVAILABLE: a store is unreachable; the provider redelivers.", body = Failure),
    ),
)]
pub async fn receive(app: &App, req: Request) -> Result<Reply, ApiError> {
    let body: &[u8] = req.body().as_ref();
    let header = req.headers().get(HEADER).and_then(|v| v.to_str().ok());
    let secret = app.secret().await?;
    let key = secret.str(WEBHOOK_SECRET).ok_or_else(|| {
        transit::provider::unavailable("paymentWebhookSecret is not in the configuration secret")
    })?;
    signature::verify(header, body, key, Timestamp::now().as_second())
        .map_err(|r| ApiError::validation("header.Stripe-Signature", r.message()))?;
    let event: ProviderEvent = serde_json::from_slice(body)
        .map_err(|_| ApiError::validation("body", "must be a provider event {id, type, data}"))?;
    if !claim(app, &event.id).await? {
        return Reply::ok(WebhookReceipt {
            received: true,
            duplicate: true,
        });
    }
    if let Err(err) = handle(app, &event).await {
        // Not processed: let the provider's redelivery run it again.
        if let Err(e) = unclaim(app, &event.id).await {
            tracing::error!(event = %event.id, error = %e, "event claim not released");
        }
        return Err(err);
    }
    Reply::ok(WebhookReceipt {
        received: true,
        duplicate: false,
    })
}

fn event_key(id: &str) -> AttributeValue {
    AttributeValue::S(format!("evt#{id}"))
}

/// Claims event `id` for processing; false when it was claimed before.
async fn claim(app: &App, id: &str) -> Result<bool, ApiError> {
    let outcome = app
        .dynamodb()
        .await
        .put_item()
        .table_name(app.config.table_name()?)
        .item("pk", event_key(id))
        .item("sk", AttributeValue::S("evt".into()))
        .item(
            "expiresAt",
            AttributeValue::N((Timestamp::now().as_second() + REMEMBER_SECS).to_string()),
        )
        .condition_expression("attribute_not_exists(pk)")
        .send()
        .await;
    match outcome {
        Ok(_) => Ok(true),
        Err(SdkError::ServiceError(e)) if e.err().is_conditional_check_failed_exception() => {
            Ok(false)
        }
        Err(e) => Err(dynamodb_error(e)),
    }
}

async fn unclaim(app: &App, id: &str) -> Result<(), ApiError> {
    app.dynamodb()
        .await
        .delete_item()
        .table_name(app.config.table_name()?)
        .key("pk", event_key(id))
        .key("sk", AttributeValue::S("evt".into()))
        .send()
        .await
        .map_err(dynamodb_error)?;
    Ok(())
}

async fn handle(app: &App, event: &ProviderEvent) -> Result<(), ApiError> {
    let intent = &event.data.object;
    let text = |k: &str| intent.get(k).and_then(Value::as_str).unwrap_or_default();
    let Some(booking_id) = intent
        .get("metadata")
        .and_then(|m| m.get("bookingId"))
        .and_then(Value::as_str)
    else {
        tracing::info!(event = %event.id, kind = %event.kind, "event without a booking: ignored");
        return Ok(());
    };
    match event.kind.as_str() {
        "payment_intent.succeeded" => {
            let amount = intent.get("amount").and_then(Value::as_i64).unwrap_or(-1);
            succeeded(app, booking_id, text("id"), amount, text("currency")).await?;
            shared::telemetry::count(shared::telemetry::Business::PaymentSucceeded);
            Ok(())
        }
        "payment_intent.payment_failed" => {
            // Never backwards: a success already recorded stays.
            collection(app, PAYMENTS)
                .await?
                .update_one(
                    doc! {"id": text("id"), "status": {"$ne": "succeeded"}},
                    doc! {"$set": {"status": "failed", "updatedAt": shared::clock::now()}},
                )
                .await
                .map_err(unavailable)?;
            shared::telemetry::count(shared::telemetry::Business::PaymentFailed);
            Ok(())
        }
        other => {
            tracing::info!(event = %event.id, kind = %other, "event type not handled: ignored");
            Ok(())
        }
    }
}

async fn succeeded(
    app: &App,
    booking_id: &str,
    payment_id: &str,
    amount: i64,
    currency: &str,
) -> Result<(), ApiError> {
    collection(app, PAYMENTS)
        .await?
        .update_one(
            doc! {"id": payment_id},
            doc! {"$set": {"status": "succeeded", "updatedAt": shared::clock::now()}},
        )
        .await
        .map_err(unavailable)?;
    let Some(booking) = bookings::find(app, booking_id).await? else {
        tracing::error!(booking = %booking_id, payment = %payment_id, "payment for an unknown booking");
        return Ok(());
    };
    let matches = amount == minor_units(&booking, "amount")
        && currency.eq_ignore_ascii_case(booking.get_str("currency").unwrap_or_default());
    if !matches {
        tracing::error!(booking = %booking_id, payment = %payment_id, amount, currency, "payment does not match its booking: refunded");
        return refund_in_full(
            app,
            &booking,
            payment_id,
            amount,
            refunds::AMOUNT_MISMATCH,
            false,
        )
        .await;
    }
    let paid = Paid {
        method: "card",
        payment_id: Some(payment_id),
    };
    match sales::confirm(app, &booking, paid).await? {
        Confirmation::Confirmed | Confirmation::AlreadyConfirmed => {
            events::publish(
                app,
                &Event::BookingConfirmed {
                    booking_id: booking_id.to_owned(),
                },
            )
            .await
        }
        Confirmation::Unseated => {
            tracing::warn!(booking = %booking_id, payment = %payment_id, "paid after the seats were gone: refunded in full");
            refund_in_full(
                app,
                &booking,
                payment_id,
                amount,
                refunds::LATE_PAYMENT,
                true,
            )
            .await
        }
    }
}

/// Returns a payment whole: the refund is recorded once and issued by
/// `transit-worker`. With `close`, the booking ends `refunded` (nobody is
/// charged without a seat or a refund).
async fn refund_in_full(
    app: &App,
    booking: &Document,
    payment_id: &str,
    amount: i64,
    reason: &str,
    close: bool,
) -> Result<(), ApiError> {
    let id = booking.get_str("id").unwrap_or_default();
    refunds::record(app, booking, amount, "card", Some(payment_id), reason).await?;
    if close {
        bookings::transition(
            app,
            id,
            &[bookings::HELD, bookings::EXPIRED, bookings::RELEASED],
            bookings::REFUNDED,
            doc! {"refundedAmount": amount, "paymentId": payment_id, "paidBy": "card"},
        )
        .await?;
        // Legs it still holds (a hold that had not lapsed, on a trip the
        // company cancelled) are free at once; others' are left alone.
        cancellations::free_held_legs(app, booking).await?;
    }
    events::publish(
        app,
        &Event::RefundDue {
            booking_id: id.to_owned(),
        },
    )
    .await
}
