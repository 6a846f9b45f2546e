//! Cancelling a confirmed booking, whoever asks (its passenger or company
//! by the policy, the company's trip cancellation in full): the guarded
//! move to `refunded` / `partially_refunded`, then what follows it, safe to
//! repeat so a retry after a failure part-way finishes the job.

use mongodb::bson::Document;
use shared::{App, http::ApiError};

use crate::{
    bookings::{self, minor_units},
    events::{self, Event},
    inventory, refunds, sales,
};

/// Moves a confirmed booking to `refunded` (all of it back) or
/// `partially_refunded` with `refunded` minor units and `set`; whether this
/// call moved it (a concurrent cancel may have won).
pub async fn refund(
    app: &App,
    booking: &Document,
    refunded: i64,
    mut set: Document,
) -> Result<bool, ApiError> {
    let to = if refunded == minor_units(booking, "amount") {
        bookings::REFUNDED
    } else {
        bookings::PARTIALLY_REFUNDED
    };
    set.insert("refundedAmount", refunded);
    set.insert("cancelledAt", shared::clock::now());
    bookings::transition(
        app,
        booking.get_str("id").unwrap_or_default(),
        &[bookings::CONFIRMED],
        to,
        set,
    )
    .await
}

/// What follows a refund (`booking` as it is now): the refund recorded once
/// (`reason`), tickets void, seats free, a card refund queued for the
/// provider until it is issued, and with `mail` the cancellation notice.
pub async fn settle(
    app: &App,
    booking: &Document,
    reason: &str,
    mail: bool,
) -> Result<(), ApiError> {
    let id = booking.get_str("id").unwrap_or_default();
    let refunded = minor_units(booking, "refundedAmount");
    if refunded > 0 {
        refunds::record(
            app,
            booking,
            refunded,
            booking.get_str("paidBy").unwrap_or("cash"),
            booking.get_str("paymentId").ok(),
            reason,
        )
        .await?;
    }
    sales::void_tickets(app, id).await?;
    inventory::release(
        app,
        id,
        booking.get_str("tripId").unwrap_or_default(),
        &bookings::seat_labels(booking),
        bookings::legs(booking),
        booking.get_str("passengerId").ok(),
    )
    .await?;
    if refunds::of_booking(app, id)
        .await?
        .is_some_and(|r| r.get_str("status") == Ok(refunds::PENDING))
    {
        events::publish(
            app,
            &Event::RefundDue {
                booking_id: id.to_owned(),
            },
        )
        .await?;
    }
    if mail {
        // The mail never decides the cancellation: a lost notice is logged.
        let event = Event::BookingCancelled {
            booking_id: id.to_owned(),
        };
        match events::publish(app, &event).await {
            Ok(()) => mark(app, id, MAIL_QUEUED).await?,
            Err(e) => {
                tracing::error!(booking = %id, error = %e, "cancellation mail not queued");
                shared::telemetry::count(shared::telemetry::Business::MailNotQueued);
            }
        }
    }
    Ok(())
}

/// Set on a booking ended by its trip's cancellation (not its passenger).
pub const WITH_TRIP: &str = "cancelledWithTrip";

/// Set on a booking once its cancellation notice is queued, so a job
/// retried after a failure part-way queues it once it is sure it was not.
pub const MAIL_QUEUED: &str = "cancelMailQueuedAt";

async fn mark(app: &App, id: &str, field: &str) -> Result<(), ApiError> {
    crate::db(app)
        .await?
        .collection::<Document>(bookings::BOOKINGS)
        .update_one(
            mongodb::bson::doc! {"id": id},
            mongodb::bson::doc! {"$set": {field: shared::clock::now()}},
        )
        .await
        .map_err(shared::stores::mongo::unavailable)?;
    Ok(())
}

/// Frees the legs `booking` still holds, and its passenger's hold slots;
/// legs sold (to it or, after its hold lapsed, to another) stay as they are.
pub async fn free_held_legs(app: &App, booking: &Document) -> Result<(), ApiError> {
    inventory::release_hold(
        app,
        booking.get_str("id").unwrap_or_default(),
        booking.get_str("tripId").unwrap_or_default(),
        &bookings::seat_labels(booking),
        bookings::legs(booking),
        booking.get_str("passengerId").ok(),
    )
    .await
}

/// Releases a hold that ends unpaid: `held` → `released`, and only the legs
/// it still holds are freed (a payment that sold them a moment ago is
/// refunded by its own confirmation). Whether this call released it.
pub async fn release_hold(app: &App, booking: &Document, set: Document) -> Result<bool, ApiError> {
    let id = booking.get_str("id").unwrap_or_default();
    let moved = bookings::transition(app, id, &[bookings::HELD], bookings::RELEASED, set).await?;
    if moved {
        shared::telemetry::count(shared::telemetry::Business::HoldReleased);
        free_held_legs(app, booking).await?;
    }
    Ok(moved)
}
