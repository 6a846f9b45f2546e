//! Counter sales: staff sell seats for cash; the booking is confirmed and
//! its tickets issued at once.

use mongodb::bson::{Bson, doc};
use serde::Deserialize;
use shared::{
    App,
    http::{
        ApiError, Reply, Request, Role, Validate, Violations,
        openapi::{Failure, Success},
        parse_json,
    },
    idempotency,
};
use transit::{
    access::licensed_company,
    events::{self, Event},
};
use utoipa::ToSchema;

use crate::{
    book::{self, Order, SeatChoice, check_seats},
    bookings::{Booking, answer},
};

/// Who paid at the counter.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Buyer {
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    #[serde(default)]
    #[schema(max_length = 254)]
    pub email: Option<String>,
}

/// A cash sale.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NewCounterSale {
    #[schema(min_length = 1, max_length = 64)]
    pub trip_id: String,
    #[schema(min_length = 1, max_length = 64)]
    pub from_stop_id: String,
    #[schema(min_length = 1, max_length = 64)]
    pub to_stop_id: String,
    #[schema(min_items = 1, max_items = 6)]
    pub seats: Vec<SeatChoice>,
    pub buyer: Buyer,
}

impl Validate for NewCounterSale {
    fn validate(&self, v: &mut Violations) {
        v.required("tripId", &self.trip_id);
        v.required("fromStopId", &self.from_stop_id);
        v.required("toStopId", &self.to_stop_id);
        check_seats(&self.seats, v);
        v.required("buyer.name", &self.buyer.name);
        v.check(
            self.buyer.name.chars().count() <= 100,
            "buyer.name",
            "must be at most 100 characters",
        );
        if let Some(email) = &self.buyer.email {
            v.email("buyer.email", email);
        }
    }
}

/// Sell seats at the counter.
///
/// Staff of the trip's company (`ou`). Same seats rule as a booking (409
/// `SEATS_TAKEN`, nothing sold); paid in cash, so the booking is
/// `confirmed` with its tickets at once. With `Idempotency-Key`, a retry
/// answers the first sale.
#[utoipa::path(
    post,
    path = "/transit/counter-sales",
    operation_id = "create-counter-sale",
    tag = "transit",
    request_body = NewCounterSale,
    params(("Idempotency-Key" = Option<String>, Header, description = "A retry with the same key answers the first sale.")),
    responses(
        (status = 201, description = "The booking, `confirmed`, with its tickets.", body = Success<Booking>),
        (status = 400, description = "VALIDATION_FAILED naming the field (a trip not of your company, a stop or seat not on it).", body = Failure),
        (status = 403, description = "FORBIDDEN or PRODUCT_NOT_LICENSED.", body = Failure),
        (status = 404, description = "NOT_FOUND: the company's organization no longer exists.", body = Failure),
        (status = 409, description = "SEATS_TAKEN (`data.taken`), or CONFLICT: the trip is cancelled or has left.", body = Failure),
    ),
    security(("bearerAuth" = [])),
)]
pub async fn sell(app: &App, req: Request) -> Result<Reply, ApiError> {
    let caller = app.caller(&req, Role::SUITE).await?;
    let body: NewCounterSale = parse_json(&req)?;
    let order = Order {
        trip_id: &body.trip_id,
        from_stop_id: &body.from_stop_id,
        to_stop_id: &body.to_stop_id,
        seats: &body.seats,
        passenger_id: None,
        extra: doc! {
            "channel": "counter",
            "soldBy": &caller.user_id,
            "buyer": {
                "name": body.buyer.name.trim(),
                "email": body.buyer.email.as_deref().map_or(Bson::Null, |e| Bson::String(e.trim().to_lowercase())),
            },
        },
    };
    let trip = book::trip_for(app, &order).await?;
    let company_id = trip.get_str("companyId").unwrap_or_default().to_owned();
    if caller.require_member_of(&company_id).is_err() {
        // Another company's trip is as unknown here as a missing one.
        return Err(ApiError::validation("tripId", "is not a trip"));
    }
    licensed_company(app, &company_id).await?;
    let scope = format!("counter-sale#{company_id}");
    idempotency::once(app, &scope, &req, || async {
        let booking = book::book(app, &trip, order, 0).await?;
        if body.buyer.email.is_some() {
            let booking_id = booking.get_str("id").unwrap_or_default().to_owned();
            // The sale stands whatever happens to its mail.
            if let Err(e) = events::publish(app, &Event::BookingConfirmed { booking_id }).await {
                tracing::error!(error = %e, "e-ticket mail of a counter sale not queued");
                shared::telemetry::count(shared::telemetry::Business::MailNotQueued);
            }
        }
        Reply::created(answer(app, &booking).await?)
    })
    .await
}
