//! A passenger's ticket and its code, as data and as a QR image.

use mongodb::bson::{Document, doc};
use serde::Serialize;
use shared::{
    App,
    http::{
        ApiError, Principal, Reply, Request, Role,
        openapi::{Failure, Success},
        path_param, query_choice,
    },
    stores::mongo::unavailable,
};
use transit::{
    access::licensed_company,
    codes, qr as image,
    sales::VALID,
    store::{TICKETS, collection},
};
use utoipa::ToSchema;

/// Who may read a ticket: its passenger (`p`) or staff of its company (`ou`).
const READERS: [Role; 5] = [
    Role::PASSENGER,
    Role::SUPER_ADMIN,
    Role::ADMIN,
    Role::USER,
    Role::EMPLOYEE,
];

/// A ticket: one seat of a confirmed booking.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Ticket {
    pub id: String,
    pub booking_id: String,
    pub trip_id: String,
    pub seat: String,
    pub passenger_name: String,
    /// The stop id where it boards.
    pub from: String,
    /// The stop id where it gets off.
    pub to: String,
    /// `valid` or `void` (its booking was cancelled or refunded).
    pub status: String,
    /// The signed ticket code (a compact EdDSA JWS, verifiable with
    /// `/ticket-keys`); `null` once void.
    pub code: Option<String>,
}

/// The ticket `id` if `caller` may read it; anyone else gets the same 404
/// as for no ticket.
async fn visible(app: &App, caller: &Principal, id: &str) -> Result<Document, ApiError> {
    let missing = || ApiError::not_found(format!("No ticket {id}."));
    let ticket = collection(app, TICKETS)
        .await?
        .find_one(doc! {"id": id})
        .await
        .map_err(unavailable)?
        .ok_or_else(missing)?;
    let company = ticket.get_str("companyId").unwrap_or_default();
    let allowed = if caller.role == Role::PASSENGER {
        ticket.get_str("passengerId") == Ok(caller.user_id.as_str())
    } else {
        caller.require_member_of(company).is_ok()
    };
    if !allowed {
        return Err(missing());
    }
    if caller.role != Role::PASSENGER {
        licensed_company(app, company).await?;
    }
    Ok(ticket)
}

fn is_valid(ticket: &Document) -> bool {
    ticket.get_str("status") == Ok(VALID)
}

/// A ticket.
///
/// Its passenger (`p`) or staff of its company (`ou`). `code` is what its
/// QR image encodes.
#[utoipa::path(
    get,
    path = "/transit/tickets/{id}",
    operation_id = "get-ticket",
    tag = "transit",
    params(("id" = String, Path, description = "The ticket.")),
    responses(
        (status = 200, description = "The ticket with its code.", body = Success<Ticket>),
        (status = 403, description = "FORBIDDEN: a driver's token.", body = Failure),
        (status = 404, description = "NOT_FOUND: no such ticket of yours.", body = Failure),
    ),
    security(("bearerAuth" = [])),
)]
pub async fn get(app: &App, req: Request) -> Result<Reply, ApiError> {
    let caller = app.caller(&req, &READERS).await?;
    let ticket = visible(app, &caller, &path_param(&req, "id")?).await?;
    let code = if is_valid(&ticket) {
        Some(codes::sign(app, &ticket).await?)
    } else {
        None
    };
    let text = |k: &str| ticket.get_str(k).unwrap_or_default().to_owned();
    Reply::ok(Ticket {
        id: text("id"),
        booking_id: text("bookingId"),
        trip_id: text("tripId"),
        seat: text("seat"),
        passenger_name: text("passengerName"),
        from: text("fromStopId"),
        to: text("toStopId"),
        status: text("status"),
        code,
    })
}

/// A ticket's QR image.
///
/// Its passenger (`p`) or staff of its company (`ou`). The ticket's code as
/// a QR symbol, served as the image itself (not in the envelope):
/// `?format=png` (default) or `svg`. A void ticket has no image (409).
#[utoipa::path(
    get,
    path = "/transit/tickets/{id}/qr",
    operation_id = "get-ticket-qr",
    tag = "transit",
    params(
        ("id" = String, Path, description = "The ticket."),
        ("format" = Option<String>, Query, description = "`png` (default) or `svg`."),
    ),
    responses(
        (status = 200, description = "The QR image.",
            content((Vec<u8> = "image/png"), (String = "image/svg+xml"))),
        (status = 400, description = "VALIDATION_FAILED: `query.format`.", body = Failure),
        (status = 403, description = "FORBIDDEN: a driver's token.", body = Failure),
        (status = 404, description = "NOT_FOUND: no such ticket of yours.", body = Failure),
        (status = 409, description = "CONFLICT: the ticket is void.", body = Failure),
    ),
    security(("bearerAuth" = [])),
)]
pub async fn qr(app: &App, req: Request) -> Result<Reply, ApiError> {
    let caller = app.caller(&req, &READERS).await?;
    let format = query_choice(&req, "format", &image::FORMATS)?;
    let ticket = visible(app, &caller, &path_param(&req, "id")?).await?;
    if !is_valid(&ticket) {
        return Err(ApiError::conflict(
            "This ticket is void; it has no code to show.",
        ));
    }
    let code = codes::sign(app, &ticket).await?;
    Ok(match format.as_deref() {
        Some("svg") => Reply::file("image/svg+xml", image::svg(&code)?),
        _ => Reply::file("image/png", image::png(&code)?),
    })
}
