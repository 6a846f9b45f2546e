//! What is sold on a trip: a seat with a ticket that is not void. The
//! fleet's 409 rules ask this (a layout may not lose a sold seat). A sale
//! is confirmed here, by a counter sale (ticketing) or a payment (the
//! payment domain): seats sold in the inventory, tickets issued, booking
//! `confirmed`.

use std::collections::{BTreeMap, BTreeSet};

use futures_util::TryStreamExt;
use jiff::{SignedDuration, Timestamp};
use mongodb::bson::{Document, doc};
use shared::{App, http::ApiError, stores::mongo::unavailable};

use crate::{
    bookings,
    inventory::{self, Claim},
    store::{TICKETS, collection},
};

/// A ticket's status once voided (refunded, cancelled): its seat is free.
pub const VOID: &str = "void";

/// The sold seats of each of `trip_ids` (trips without sales are absent).
pub async fn sold_seats(
    app: &App,
    trip_ids: &[String],
) -> Result<BTreeMap<String, BTreeSet<String>>, ApiError> {
    let mut sold: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    if trip_ids.is_empty() {
        return Ok(sold);
    }
    let tickets: Vec<Document> = collection(app, TICKETS)
        .await?
        .find(doc! {"tripId": {"$in": trip_ids}, "status": {"$ne": VOID}})
        .projection(doc! {"tripId": 1, "seat": 1})
        .await
        .map_err(unavailable)?
        .try_collect()
        .await
        .map_err(unavailable)?;
    for t in tickets {
        if let (Ok(trip), Ok(seat)) = (t.get_str("tripId"), t.get_str("seat")) {
            sold.entry(trip.to_owned())
                .or_default()
                .insert(seat.to_owned());
        }
    }
    Ok(sold)
}

/// A ticket's status while it may board.
pub const VALID: &str = "valid";

/// The inventory claim of a stored booking (to sell or release it).
pub fn claim_of<'a>(booking: &'a Document, seats: &'a [String]) -> Claim<'a> {
    Claim {
        booking_id: booking.get_str("id").unwrap_or_default(),
        trip_id: booking.get_str("tripId").unwrap_or_default(),
        seats,
        legs: bookings::legs(booking),
        hold: None,
        keep_until: keep_until(booking),
    }
}

/// Inventory items outlive their trip by a week (TTL), so late refunds
/// and disputes still find what was sold.
pub fn keep_until(booking: &Document) -> Timestamp {
    let arrival = booking
        .get_datetime("tripArrivalAt")
        .map(|t| crate::zone::from_bson(*t))
        .unwrap_or_else(|_| Timestamp::now());
    arrival
        .checked_add(SignedDuration::from_hours(24 * 7))
        .unwrap_or(arrival)
}

/// How a confirmed booking was paid.
pub struct Paid<'a> {
    /// `cash` (a counter sale) or `card` (the payment provider).
    pub method: &'a str,
    /// The provider's payment id, for a card.
    pub payment_id: Option<&'a str>,
}

/// What a payment did to its booking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confirmation {
    /// Its seats are sold to it now and its tickets issued.
    Confirmed,
    /// It was confirmed before (a redelivered event): nothing changed.
    AlreadyConfirmed,
    /// It cannot be seated: a leg went to another booking after the hold
    /// lapsed, or the booking was released or refunded. Nothing is sold;
    /// the caller refunds the payment (invariant 2).
    Unseated,
}

/// Confirms a held (or lapsed) booking that was paid: its seats become
/// sold, it is `confirmed` and its tickets are issued, in that order, so a
/// failure part-way is finished by running this again.
pub async fn confirm(
    app: &App,
    booking: &Document,
    paid: Paid<'_>,
) -> Result<Confirmation, ApiError> {
    let id = booking.get_str("id").unwrap_or_default();
    match booking.get_str("status").unwrap_or_default() {
        bookings::HELD | bookings::EXPIRED => {}
        bookings::CONFIRMED => {
            finish(app, booking).await?;
            return Ok(Confirmation::AlreadyConfirmed);
        }
        _ => return Ok(Confirmation::Unseated),
    }
    // A payment for a trip the company cancelled seats nobody: it is
    // refunded in full like any payment without seats.
    let trip_cancelled = collection(app, crate::store::TRIPS)
        .await?
        .find_one(doc! {"id": booking.get_str("tripId").unwrap_or_default()})
        .await
        .map_err(unavailable)?
        .is_some_and(|t| t.get_str("status") == Ok(crate::trips::CANCELLED));
    if trip_cancelled {
        return Ok(Confirmation::Unseated);
    }
    let seats = bookings::seat_labels(booking);
    let claim = claim_of(booking, &seats);
    if !inventory::sell(app, &claim).await? {
        return Ok(Confirmation::Unseated);
    }
    let mut set = doc! {"paidBy": paid.method, "confirmedAt": shared::clock::now()};
    if let Some(payment) = paid.payment_id {
        set.insert("paymentId", payment);
    }
    let moved = bookings::transition(
        app,
        id,
        &[bookings::HELD, bookings::EXPIRED],
        bookings::CONFIRMED,
        set,
    )
    .await?;
    if !moved {
        // Moved meanwhile: confirmed by a concurrent delivery, or released
        // by its passenger — then the seats just sold are not its to keep.
        let now = bookings::find(app, id).await?.unwrap_or_default();
        if now.get_str("status") == Ok(bookings::CONFIRMED) {
            finish(app, &now).await?;
            return Ok(Confirmation::AlreadyConfirmed);
        }
        inventory::release(app, id, claim.trip_id, &seats, claim.legs.clone(), None).await?;
        return Ok(Confirmation::Unseated);
    }
    finish(app, booking).await?;
    Ok(Confirmation::Confirmed)
}

/// What follows a confirmation, safe to repeat (a redelivered event
/// finishes what a failed first delivery started): tickets issued, the
/// passenger's hold slots freed.
async fn finish(app: &App, booking: &Document) -> Result<(), ApiError> {
    issue_tickets(app, booking).await?;
    if let Ok(passenger) = booking.get_str("passengerId") {
        inventory::release_slots(app, passenger, booking.get_str("id").unwrap_or_default()).await?;
    }
    Ok(())
}

/// A booking's tickets, one per seat; ids derive from the booking, so
/// issuing again (a retried confirmation) writes nothing new.
pub async fn issue_tickets(app: &App, booking: &Document) -> Result<(), ApiError> {
    let tickets = collection(app, TICKETS).await?;
    let text = |k: &str| booking.get_str(k).unwrap_or_default();
    let stop = |k: &str| {
        booking
            .get_document(k)
            .ok()
            .and_then(|s| s.get_str("stopId").ok())
            .unwrap_or_default()
            .to_owned()
    };
    let valid_until = crate::zone::bson(crate::codes::valid_until(booking)?);
    for (n, seat) in booking
        .get_array("seats")
        .into_iter()
        .flatten()
        .filter_map(|s| s.as_document())
        .enumerate()
    {
        let id = format!("{}-{}", text("id"), n + 1);
        let ticket = doc! {
            "id": &id,
            "bookingId": text("id"),
            "companyId": text("companyId"),
            "passengerId": booking.get("passengerId").cloned().unwrap_or(mongodb::bson::Bson::Null),
            "tripId": text("tripId"),
            "seat": seat.get_str("seat").unwrap_or_default(),
            "passengerName": seat.get_str("passengerName").unwrap_or_default(),
            "fromStopId": stop("fromStop"),
            "toStopId": stop("toStop"),
            "status": VALID,
            "createdAt": shared::clock::now(),
            "validUntil": valid_until,
        };
        tickets
            .update_one(doc! {"id": &id}, doc! {"$setOnInsert": ticket})
            .upsert(true)
            .await
            .map_err(unavailable)?;
    }
    Ok(())
}

/// Voids every ticket of a booking (cancelled, refunded): their seats are
/// no longer sold and they no longer board.
pub async fn void_tickets(app: &App, booking_id: &str) -> Result<(), ApiError> {
    collection(app, TICKETS)
        .await?
        .update_many(
            doc! {"bookingId": booking_id},
            doc! {"$set": {"status": VOID, "voidedAt": shared::clock::now()}},
        )
        .await
        .map_err(unavailable)?;
    Ok(())
}

/// The tickets of a booking, in seat order.
pub async fn tickets_of(app: &App, booking_id: &str) -> Result<Vec<Document>, ApiError> {
    collection(app, TICKETS)
        .await?
        .find(doc! {"bookingId": booking_id})
        .sort(doc! {"id": 1})
        .await
        .map_err(unavailable)?
        .try_collect()
        .await
        .map_err(unavailable)
}
