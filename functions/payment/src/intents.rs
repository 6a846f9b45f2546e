//! Paying a held booking: one provider PaymentIntent per booking (the
//! provider's `Idempotency-Key` is the booking's), created on the first
//! call and returned on the next. The booking stays `held` until the
//! provider's webhook says the payment succeeded.

use jiff::Timestamp;
use mongodb::bson::{Document, doc};
use serde::Serialize;
use shared::{
    App,
    http::{
        ApiError, Reply, Request, Role,
        openapi::{Failure, Success},
        path_param,
    },
    stores::mongo::unavailable,
};
use transit::{
    bookings::{self, minor_units},
    provider::{self, Intent, Provider},
    store::{PAYMENTS, collection, ensure_booking_indexes},
    zone,
};
use utoipa::ToSchema;

/// A payment of a booking.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Payment {
    /// The provider's PaymentIntent id (`pi_…`).
    pub payment_id: String,
    /// `stripe` (a Stripe-shaped provider).
    pub provider: String,
    /// The intent's `client_secret`, for the provider's client library.
    pub client_secret: String,
    /// The provider's status (`requires_payment_method`, `succeeded`, ...).
    pub status: String,
    pub booking_id: String,
    /// Minor units of `currency`.
    pub amount: i64,
    pub currency: String,
}

fn view(intent: &Intent, booking_id: &str) -> Payment {
    Payment {
        payment_id: intent.id.clone(),
        provider: provider::NAME.to_owned(),
        client_secret: intent.client_secret.clone().unwrap_or_default(),
        status: intent.status.clone(),
        booking_id: booking_id.to_owned(),
        amount: intent.amount,
        currency: intent.currency.to_uppercase(),
    }
}

/// The booking `id` of passenger `passenger_id` (404 otherwise).
async fn own_booking(app: &App, passenger_id: &str, id: &str) -> Result<Document, ApiError> {
    bookings::find(app, id)
        .await?
        .filter(|b| b.get_str("passengerId") == Ok(passenger_id))
        .ok_or_else(|| ApiError::not_found(format!("No booking {id}.")))
}

/// Pay a held booking.
///
/// The booking's passenger (`p`). Creates the provider's PaymentIntent for
/// the booking's amount (201), or returns the one already created (200);
/// the client confirms it with the provider using `clientSecret`. A
/// booking that is not `held`, or whose hold has lapsed, is 409 (a payment
/// completed after that is refunded or confirmed by the webhook). The
/// provider unreachable is 503: nothing is charged and the booking stays held.
#[utoipa::path(
    post,
    path = "/transit/bookings/{id}/payment",
    operation_id = "create-payment",
    tag = "transit",
    params(("id" = String, Path, description = "The booking.")),
    responses(
        (status = 200, description = "The payment already created for this booking.", body = Success<Payment>),
        (status = 201, description = "The payment, created.", body = Success<Payment>),
        (status = 403, description = "FORBIDDEN: not a passenger token.", body = Failure),
        (status = 404, description = "NOT_FOUND: no such booking of yours.", body = Failure),
        (status = 409, description = "CONFLICT: the booking is not held, or its hold has lapsed.", body = Failure),
        (status = 503, description = "DEPENDENCY_UNAVAILABLE: the payment provider is unreachable; nothing was charged.", body = Failure),
    ),
    security(("bearerAuth" = [])),
)]
pub async fn create(app: &App, req: Request) -> Result<Reply, ApiError> {
    let caller = app.caller(&req, &[Role::PASSENGER]).await?;
    let id = path_param(&req, "id")?;
    let booking = own_booking(app, &caller.user_id, &id).await?;
    let status = booking.get_str("status").unwrap_or_default();
    if status != bookings::HELD {
        return Err(ApiError::conflict(format!(
            "This booking is {status}; only a held booking can be paid."
        )));
    }
    let lapsed = booking
        .get_datetime("holdExpiresAt")
        .map(|t| zone::from_bson(*t) <= Timestamp::now())
        .unwrap_or(true);
    if lapsed {
        return Err(ApiError::conflict(
            "This booking's hold has lapsed; book the seats again.",
        ));
    }
    let payments = collection(app, PAYMENTS).await?;
    let provider = Provider::of(app).await?;
    if let Some(existing) = payments
        .find_one(doc! {"bookingId": &id})
        .await
        .map_err(unavailable)?
    {
        let intent = provider
            .intent(existing.get_str("id").unwrap_or_default())
            .await?;
        return Reply::ok(view(&intent, &id));
    }
    // The provider's idempotency key is the booking: concurrent or retried
    // calls get the same intent, so a booking is never charged twice.
    let intent = provider
        .create_intent(
            minor_units(&booking, "amount"),
            booking.get_str("currency").unwrap_or_default(),
            &id,
            &format!("booking-{id}"),
        )
        .await?;
    ensure_booking_indexes(app).await?;
    payments
        .update_one(
            doc! {"bookingId": &id},
            doc! {"$setOnInsert": {
                "id": &intent.id,
                "bookingId": &id,
                "passengerId": &caller.user_id,
                "companyId": booking.get_str("companyId").unwrap_or_default(),
                "amount": intent.amount,
                "currency": intent.currency.to_uppercase(),
                "status": &intent.status,
                "createdAt": shared::clock::now(),
            }},
        )
        .upsert(true)
        .await
        .map_err(unavailable)?;
    Reply::created(view(&intent, &id))
}
