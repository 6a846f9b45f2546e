//! Cancelling a booking: a hold is released at once; a confirmed booking
//! is refunded by its company's cancellation policy, computed on instants
//! (hours left before departure from the boarding stop), its tickets void
//! and its seats free again.

use jiff::Timestamp;
use mongodb::bson::{Document, doc};
use shared::{
    App,
    http::{
        ApiError, Reply, Request, Role,
        openapi::{Failure, Success},
        path_param,
    },
};
use transit::{
    access::licensed_company,
    bookings::{self as model, minor_units},
    cancellations,
    companies::{self, refund_percent, share},
    refunds, zone,
};

use crate::{
    bookings::{Booking, READERS, answer, visible},
    ride,
};

/// Refunds a confirmed booking by the policy — in full when the company
/// cancelled its trip — and why; whether this call did it (a concurrent
/// cancel may have won the transition).
async fn refund(
    app: &App,
    booking: &Document,
    now: Timestamp,
) -> Result<(bool, &'static str), ApiError> {
    let trip = ride::trip(app, booking.get_str("tripId").unwrap_or_default()).await?;
    if trip.get_str("status") == Ok(transit::trips::CANCELLED) {
        let all = minor_units(booking, "amount");
        let set = doc! {cancellations::WITH_TRIP: true};
        let moved = cancellations::refund(app, booking, all, set).await?;
        return Ok((moved, refunds::TRIP_CANCELLED));
    }
    let company = licensed_company(app, booking.get_str("companyId").unwrap_or_default()).await?;
    let settings = companies::load(app, &company.id, &company.org).await?;
    let departure = booking
        .get_datetime("departureAt")
        .map(|t| zone::from_bson(*t))
        .map_err(ApiError::internal)?;
    let refunded = share(
        minor_units(booking, "amount"),
        refund_percent(&settings.cancellation_policy, now, departure),
    );
    let moved = cancellations::refund(app, booking, refunded, doc! {}).await?;
    Ok((moved, refunds::CANCELLED))
}

/// Cancel a booking.
///
/// Its passenger (`p`) or its company's admin (`oa`). `held` → `released`
/// at once. `confirmed` → refunded by the company's cancellation policy
/// (hours before the departure from the boarding stop, on instants):
/// `refunded` when the whole amount comes back, else `partially_refunded`;
/// its tickets are void and its seats free. Cancelling a refunded booking
/// again answers it unchanged; a released or expired one is 409.
#[utoipa::path(
    post,
    path = "/transit/bookings/{id}/cancel",
    operation_id = "cancel-booking",
    tag = "transit",
    params(("id" = String, Path, description = "The booking.")),
    responses(
        (status = 200, description = "The booking after the cancellation.", body = Success<Booking>),
        (status = 403, description = "FORBIDDEN: staff other than the company's admin, or a driver.", body = Failure),
        (status = 404, description = "NOT_FOUND: no such booking of yours.", body = Failure),
        (status = 409, description = "CONFLICT: the booking is already released or expired.", body = Failure),
    ),
    security(("bearerAuth" = [])),
)]
pub async fn cancel(app: &App, req: Request) -> Result<Reply, ApiError> {
    let caller = app.caller(&req, &READERS).await?;
    let id = path_param(&req, "id")?;
    let mut booking = visible(app, &caller, &id).await?;
    if caller.role != Role::PASSENGER {
        caller.require_org_admin(booking.get_str("companyId").unwrap_or_default())?;
    }
    // A concurrent payment, expiry or cancel may move the booking between
    // the read and the guarded transition: then decide again on fresh state.
    let mut reason = refunds::CANCELLED;
    for _ in 0..3 {
        let status = booking.get_str("status").unwrap_or_default().to_owned();
        let done = match status.as_str() {
            model::HELD => cancellations::release_hold(app, &booking, doc! {}).await?,
            model::CONFIRMED => {
                let (moved, why) = refund(app, &booking, Timestamp::now()).await?;
                reason = why;
                moved
            }
            model::REFUNDED | model::PARTIALLY_REFUNDED => true,
            other => {
                return Err(ApiError::conflict(format!(
                    "This booking is {other}; there is nothing to cancel."
                )));
            }
        };
        booking = model::find(app, &id)
            .await?
            .ok_or_else(|| ApiError::not_found(format!("No booking {id}.")))?;
        if done {
            if status != model::HELD {
                cancellations::settle(app, &booking, reason, status == model::CONFIRMED).await?;
            }
            return Reply::ok(answer(app, &booking).await?);
        }
    }
    Err(ApiError::conflict(
        "This booking is changing right now; try again.",
    ))
}
