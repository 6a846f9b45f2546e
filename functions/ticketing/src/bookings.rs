//! Bookings: a passenger holds seats (`held` until `holdExpiresAt`), pays
//! (the payment domain confirms), or cancels; staff read their company's.

use mongodb::bson::{Document, doc};
use serde::{Deserialize, Serialize};
use shared::{
    App,
    http::{
        ApiError, Paging, Principal, Reply, Request, Role, Validate, Violations,
        openapi::{Failure, Listed, Success},
        parse_json, path_param, query_choice,
    },
    idempotency,
    stores::mongo::find_page,
};
use transit::{
    access::{Need, company},
    bookings::{self as model, BOOKINGS, minor_units},
    companies, sales,
    store::collection,
};
use utoipa::ToSchema;

use crate::book::{self, Order, SeatChoice, check_seats};

/// A stop of a booking.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BookedStop {
    pub stop_id: String,
    pub name: String,
    pub city: String,
}

/// A seat of a booking.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BookedSeat {
    pub seat: String,
    pub passenger_name: String,
}

/// A ticket of a confirmed booking (the signed code is at `/tickets/{id}`).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BookingTicket {
    pub id: String,
    pub seat: String,
    pub passenger_name: String,
    /// `valid` or `void`.
    pub status: String,
}

/// A booking.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Booking {
    pub id: String,
    /// `held, confirmed, released, expired, refunded, partially_refunded`.
    pub status: String,
    pub trip_id: String,
    pub company_id: String,
    pub from_stop_id: String,
    pub to_stop_id: String,
    pub from_stop: BookedStop,
    pub to_stop: BookedStop,
    /// Departure from `fromStop`, UTC (RFC 3339).
    pub departure_at: String,
    pub seats: Vec<BookedSeat>,
    /// Minor units of `currency`, for every seat.
    pub amount: i64,
    pub refunded_amount: i64,
    /// ISO 4217.
    pub currency: String,
    /// When a hold lapses (UTC); `null` for a counter sale. Never moves.
    #[schema(required = true)]
    pub hold_expires_at: Option<String>,
    pub created_at: String,
    /// One per seat once confirmed.
    pub tickets: Vec<BookingTicket>,
}

fn stop_view(d: &Document, key: &str) -> BookedStop {
    let stop = d.get_document(key).cloned().unwrap_or_default();
    let text = |k: &str| stop.get_str(k).unwrap_or_default().to_owned();
    BookedStop {
        stop_id: text("stopId"),
        name: text("name"),
        city: text("city"),
    }
}

/// A booking as clients see it, with `tickets`.
pub fn view(d: &Document, tickets: &[Document]) -> Booking {
    let text = |k: &str| d.get_str(k).unwrap_or_default().to_owned();
    let from_stop = stop_view(d, "fromStop");
    let to_stop = stop_view(d, "toStop");
    Booking {
        id: text("id"),
        status: text("status"),
        trip_id: text("tripId"),
        company_id: text("companyId"),
        from_stop_id: from_stop.stop_id.clone(),
        to_stop_id: to_stop.stop_id.clone(),
        from_stop,
        to_stop,
        departure_at: shared::clock::instant_text(d.get("departureAt")).unwrap_or_default(),
        seats: d
            .get_array("seats")
            .into_iter()
            .flatten()
            .filter_map(|s| s.as_document())
            .map(|s| BookedSeat {
                seat: s.get_str("seat").unwrap_or_default().to_owned(),
                passenger_name: s.get_str("passengerName").unwrap_or_default().to_owned(),
            })
            .collect(),
        amount: minor_units(d, "amount"),
        refunded_amount: minor_units(d, "refundedAmount"),
        currency: text("currency"),
        hold_expires_at: shared::clock::instant_text(d.get("holdExpiresAt")),
        created_at: shared::clock::instant_text(d.get("createdAt")).unwrap_or_default(),
        tickets: tickets
            .iter()
            .map(|t| BookingTicket {
                id: t.get_str("id").unwrap_or_default().to_owned(),
                seat: t.get_str("seat").unwrap_or_default().to_owned(),
                passenger_name: t.get_str("passengerName").unwrap_or_default().to_owned(),
                status: t.get_str("status").unwrap_or_default().to_owned(),
            })
            .collect(),
    }
}

/// A booking with its tickets, as the answer of a route.
pub async fn answer(app: &App, d: &Document) -> Result<Booking, ApiError> {
    let tickets = sales::tickets_of(app, d.get_str("id").unwrap_or_default()).await?;
    Ok(view(d, &tickets))
}

/// Seats to hold.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NewBooking {
    #[schema(min_length = 1, max_length = 64)]
    pub trip_id: String,
    #[schema(min_length = 1, max_length = 64)]
    pub from_stop_id: String,
    #[schema(min_length = 1, max_length = 64)]
    pub to_stop_id: String,
    #[schema(min_items = 1, max_items = 6)]
    pub seats: Vec<SeatChoice>,
}

impl Validate for NewBooking {
    fn validate(&self, v: &mut Violations) {
        v.required("tripId", &self.trip_id);
        v.required("fromStopId", &self.from_stop_id);
        v.required("toStopId", &self.to_stop_id);
        check_seats(&self.seats, v);
    }
}

/// Hold seats.
///
/// A passenger (`p`). Holds every seat on every leg from `fromStopId` to
/// `toStopId` for the company's `holdMinutes`, or nothing: any seat taken
/// is 409 `SEATS_TAKEN` with `data.taken`. A passenger holds at most 6
/// seats in at most 3 held bookings (429 `HOLD_LIMIT`). With
/// `Idempotency-Key`, a retry answers the first booking.
#[utoipa::path(
    post,
    path = "/transit/bookings",
    operation_id = "create-booking",
    tag = "transit",
    request_body = NewBooking,
    params(("Idempotency-Key" = Option<String>, Header, description = "A retry with the same key answers the first booking.")),
    responses(
        (status = 201, description = "The booking, `held`.", body = Success<Booking>),
        (status = 400, description = "VALIDATION_FAILED naming the field (unknown trip, stop or seat).", body = Failure),
        (status = 403, description = "FORBIDDEN: not a passenger token.", body = Failure),
        (status = 409, description = "SEATS_TAKEN (`data.taken`), or CONFLICT: the trip is cancelled or has left.", body = Failure),
        (status = 429, description = "HOLD_LIMIT: too many seats or bookings held.", body = Failure),
    ),
    security(("bearerAuth" = [])),
)]
pub async fn create(app: &App, req: Request) -> Result<Reply, ApiError> {
    let caller = app.caller(&req, &[Role::PASSENGER]).await?;
    let body: NewBooking = parse_json(&req)?;
    let scope = format!("create-booking#{}", caller.user_id);
    idempotency::once(app, &scope, &req, || async {
        let order = Order {
            trip_id: &body.trip_id,
            from_stop_id: &body.from_stop_id,
            to_stop_id: &body.to_stop_id,
            seats: &body.seats,
            passenger_id: Some(&caller.user_id),
            extra: doc! {"channel": "online"},
        };
        let trip = book::trip_for(app, &order).await?;
        let company_id = trip.get_str("companyId").unwrap_or_default();
        let org = tenancy::store::find_org(app, doc! {"accountId": company_id})
            .await?
            .unwrap_or_default();
        let settings = companies::load(app, company_id, &org).await?;
        let booking = book::book(app, &trip, order, settings.hold_minutes).await?;
        Reply::created(view(&booking, &[]))
    })
    .await
}

/// The roles that may read a booking: its passenger and its company's staff.
pub const READERS: [Role; 5] = [
    Role::PASSENGER,
    Role::SUPER_ADMIN,
    Role::ADMIN,
    Role::USER,
    Role::EMPLOYEE,
];

/// The booking `id` if `caller` may see it: its own passenger, or staff
/// of its company. Anyone else gets the same 404 as for no booking, so ids
/// reveal nothing across tenants.
pub async fn visible(app: &App, caller: &Principal, id: &str) -> Result<Document, ApiError> {
    let missing = || ApiError::not_found(format!("No booking {id}."));
    let booking = model::find(app, id).await?.ok_or_else(missing)?;
    let company = booking.get_str("companyId").unwrap_or_default();
    let allowed = if caller.role == Role::PASSENGER {
        booking.get_str("passengerId") == Ok(caller.user_id.as_str())
    } else {
        caller.require_member_of(company).is_ok()
    };
    if allowed { Ok(booking) } else { Err(missing()) }
}

/// A booking.
///
/// Its passenger (`p`) or staff of its company (`ou`); with its tickets
/// once confirmed.
#[utoipa::path(
    get,
    path = "/transit/bookings/{id}",
    operation_id = "get-booking",
    tag = "transit",
    params(("id" = String, Path, description = "The booking.")),
    responses(
        (status = 200, description = "The booking.", body = Success<Booking>),
        (status = 403, description = "FORBIDDEN: a driver's token.", body = Failure),
        (status = 404, description = "NOT_FOUND: no such booking of yours.", body = Failure),
    ),
    security(("bearerAuth" = [])),
)]
pub async fn get(app: &App, req: Request) -> Result<Reply, ApiError> {
    let caller = app.caller(&req, &READERS).await?;
    let booking = visible(app, &caller, &path_param(&req, "id")?).await?;
    Reply::ok(answer(app, &booking).await?)
}

async fn page(app: &App, req: &Request, mut filter: Document) -> Result<Reply, ApiError> {
    let paging = Paging::from_query(req, 20)?;
    if let Some(status) = query_choice(req, "status", &model::STATUSES)? {
        filter.insert("status", status);
    }
    let bookings = collection(app, BOOKINGS).await?;
    let (items, total) =
        find_page(&bookings, filter, doc! {"createdAt": -1}, doc! {}, paging).await?;
    let mut views = Vec::with_capacity(items.len());
    for d in &items {
        views.push(answer(app, d).await?);
    }
    Reply::page(paging.page_of(views, total))
}

/// The passenger's bookings.
///
/// A passenger (`p`): their own bookings, newest first; `?status=` filters.
/// Paged (default 20).
#[utoipa::path(
    get,
    path = "/transit/me/bookings",
    operation_id = "list-my-bookings",
    tag = "transit",
    params(Paging, ("status" = Option<String>, Query, description = "One booking status.")),
    responses(
        (status = 200, description = "One page of bookings.", body = Listed<Booking>),
        (status = 400, description = "VALIDATION_FAILED naming the query parameter.", body = Failure),
        (status = 403, description = "FORBIDDEN: not a passenger token.", body = Failure),
    ),
    security(("bearerAuth" = [])),
)]
pub async fn list_mine(app: &App, req: Request) -> Result<Reply, ApiError> {
    let caller = app.caller(&req, &[Role::PASSENGER]).await?;
    page(app, &req, doc! {"passengerId": &caller.user_id}).await
}

/// The company's bookings.
///
/// Any member of the company (`ou`): newest first; `?status=` and
/// `?tripId=` filter. Paged (default 20).
#[utoipa::path(
    get,
    path = "/transit/bookings",
    operation_id = "list-company-bookings",
    tag = "transit",
    params(
        Paging,
        ("status" = Option<String>, Query, description = "One booking status."),
        ("tripId" = Option<String>, Query, description = "Only this trip's bookings."),
        ("organizationId" = Option<String>, Query, description = "The super admin names the company."),
    ),
    responses(
        (status = 200, description = "One page of bookings.", body = Listed<Booking>),
        (status = 400, description = "VALIDATION_FAILED naming the query parameter.", body = Failure),
        (status = 403, description = "FORBIDDEN or PRODUCT_NOT_LICENSED.", body = Failure),
        (status = 404, description = "NOT_FOUND: the named organization does not exist.", body = Failure),
    ),
    security(("bearerAuth" = [])),
)]
pub async fn list_company(app: &App, req: Request) -> Result<Reply, ApiError> {
    let company = company(app, &req, Need::Staff).await?;
    let mut filter = doc! {"companyId": &company.id};
    if let Some(trip) = shared::http::query_param(&req, "tripId") {
        filter.insert("tripId", trip);
    }
    page(app, &req, filter).await
}
