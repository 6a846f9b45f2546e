//! The passenger's mail (TRANSIT.md §7): the e-ticket once a booking is
//! confirmed (subject with `ticket` and the booking id; each ticket's QR
//! code inline), and the
//! cancellation or refund notice (subject with `cancelled` / `refunded`
//! and the booking id). Sent to the passenger's address, or to the buyer's
//! for a counter sale that gave one; a booking with neither gets none.

use mongodb::bson::Document;
use shared::{App, http::ApiError, mail};
use transit::{bookings, codes, passengers, sales, store, zone};

async fn booking(app: &App, id: &str) -> Result<Document, ApiError> {
    bookings::find(app, id)
        .await?
        .ok_or_else(|| ApiError::internal(format!("job for unknown booking {id}")))
}

/// Where a booking's mail goes, if anywhere.
async fn recipient(app: &App, booking: &Document) -> Result<Option<String>, ApiError> {
    if let Ok(passenger) = booking.get_str("passengerId") {
        return Ok(passengers::find_by_id(app, passenger)
            .await?
            .and_then(|p| p.get_str("email").ok().map(str::to_owned)));
    }
    Ok(booking
        .get_document("buyer")
        .ok()
        .and_then(|b| b.get_str("email").ok().map(str::to_owned)))
}

fn stop(booking: &Document, key: &str) -> String {
    let s = booking.get_document(key).cloned().unwrap_or_default();
    format!(
        "{} ({})",
        s.get_str("name").unwrap_or_default(),
        s.get_str("city").unwrap_or_default()
    )
}

/// `amount` minor units of `currency` as people read it (`23.50 EUR`).
pub fn money(amount: i64, currency: &str) -> String {
    format!("{}.{:02} {currency}", amount / 100, (amount % 100).abs())
}

/// The departure in the trip's zone, as the ticket shows it.
async fn departure(app: &App, booking: &Document) -> Result<String, ApiError> {
    let at = booking
        .get_datetime("departureAt")
        .map(|t| zone::from_bson(*t))
        .map_err(ApiError::internal)?;
    let trip = store::collection(app, store::TRIPS)
        .await?
        .find_one(mongodb::bson::doc! {"id": booking.get_str("tripId").unwrap_or_default()})
        .await
        .map_err(shared::stores::mongo::unavailable)?
        .unwrap_or_default();
    Ok(match trip.get_str("timezone").ok().and_then(zone::named) {
        Some(tz) => zone::local_rfc3339(at, &tz),
        None => zone::utc_rfc3339(at),
    })
}

async fn send(
    app: &App,
    to: Option<String>,
    message: impl FnOnce(&str) -> mail::Mail,
) -> Result<(), ApiError> {
    match to {
        Some(to) => mail::send(app, &message(&to)).await.map(drop),
        None => Ok(()),
    }
}

pub async fn e_ticket(app: &App, id: &str) -> Result<(), ApiError> {
    let b = booking(app, id).await?;
    let tickets = sales::tickets_of(app, id).await?;
    let seats = tickets
        .iter()
        .map(|t| {
            format!(
                "seat {} — {} (ticket {})",
                t.get_str("seat").unwrap_or_default(),
                t.get_str("passengerName").unwrap_or_default(),
                t.get_str("id").unwrap_or_default()
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    let fields = [
        ("Booking", id.to_owned()),
        ("From", stop(&b, "fromStop")),
        ("To", stop(&b, "toStop")),
        ("Departure", departure(app, &b).await?),
        ("Seats", seats),
        (
            "Paid",
            money(
                bookings::minor_units(&b, "amount"),
                b.get_str("currency").unwrap_or_default(),
            ),
        ),
    ];
    // Each valid ticket's code as a QR image, shown inline.
    let mut images = Vec::new();
    for t in tickets
        .iter()
        .filter(|t| t.get_str("status") == Ok(sales::VALID))
    {
        let ticket_id = t.get_str("id").unwrap_or_default();
        let code = codes::sign(app, t).await?;
        images.push(mail::InlineImage {
            content_id: format!("ticket-{ticket_id}"),
            file_name: format!("ticket-{ticket_id}.png"),
            content_type: "image/png",
            bytes: transit::qr::png(&code)?,
            caption: format!(
                "Seat {} — ticket {ticket_id}",
                t.get_str("seat").unwrap_or_default()
            ),
        });
    }
    let to = recipient(app, &b).await?;
    send(app, to, |to| {
        mail::render(
            to,
            None,
            &format!("Your AvaOne Transit ticket — booking {id}"),
            "Your booking is confirmed. Show a ticket's QR code when you board.",
            &fields,
        )
        .with_images(images)
    })
    .await
}

pub async fn cancelled(app: &App, id: &str) -> Result<(), ApiError> {
    let b = booking(app, id).await?;
    let fields = [
        ("Booking", id.to_owned()),
        ("From", stop(&b, "fromStop")),
        ("To", stop(&b, "toStop")),
        ("Departure", departure(app, &b).await?),
        (
            "Refunded",
            money(
                bookings::minor_units(&b, "refundedAmount"),
                b.get_str("currency").unwrap_or_default(),
            ),
        ),
    ];
    let to = recipient(app, &b).await?;
    send(app, to, |to| {
        mail::render(
            to,
            None,
            &format!("Your AvaOne Transit booking {id} is cancelled"),
            "Your booking is cancelled and its tickets are void.",
            &fields,
        )
    })
    .await
}

pub async fn refunded(app: &App, id: &str, refund: &Document) -> Result<(), ApiError> {
    let b = booking(app, id).await?;
    let reason = match refund.get_str("reason").unwrap_or_default() {
        transit::refunds::LATE_PAYMENT => {
            "Your payment arrived after the hold on your seats had lapsed and they were sold; nothing is charged."
        }
        transit::refunds::AMOUNT_MISMATCH => {
            "Your payment did not match the booking's price; it is returned whole."
        }
        _ => "Your booking was cancelled; here is what comes back.",
    };
    let fields = [
        ("Booking", id.to_owned()),
        (
            "Refunded",
            money(
                bookings::minor_units(refund, "amount"),
                refund.get_str("currency").unwrap_or_default(),
            ),
        ),
    ];
    let to = recipient(app, &b).await?;
    send(app, to, |to| {
        mail::render(
            to,
            None,
            &format!("Your AvaOne Transit booking {id} is refunded"),
            reason,
            &fields,
        )
    })
    .await
}
