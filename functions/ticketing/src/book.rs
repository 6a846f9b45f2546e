//! Taking seats: what a passenger's booking and a counter sale share. The
//! inventory decides (one conditional transaction, all or nothing); the
//! booking document is written after it, and the seats are given back if
//! that write fails.

use std::collections::BTreeSet;

use jiff::{SignedDuration, Timestamp};
use lambda_http::http::StatusCode;
use mongodb::bson::{Bson, Document, doc};
use serde::Deserialize;
use serde_json::json;
use shared::{
    App,
    http::{ApiError, ErrorCode, Violations},
    stores::mongo::unavailable,
};
use transit::{
    bookings::BOOKINGS,
    inventory::{self, Claim, Hold, MAX_SEATS, Refused},
    sales,
    store::ensure_booking_indexes,
    zone,
};
use utoipa::ToSchema;

use crate::ride;

/// A seat asked for, and who travels in it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SeatChoice {
    /// A seat label of the trip's bus (`"3A"`).
    #[schema(min_length = 1, max_length = 8)]
    pub seat: String,
    #[schema(min_length = 1, max_length = 100)]
    pub passenger_name: String,
}

/// Checks `seats` (1-6, labels unique, names given) into `v`.
pub fn check_seats(seats: &[SeatChoice], v: &mut Violations) {
    v.check(
        (1..=MAX_SEATS).contains(&seats.len()),
        "seats",
        "must list 1 to 6 seats",
    );
    let mut seen = BTreeSet::new();
    for (i, choice) in seats.iter().enumerate() {
        v.required(&format!("seats[{i}].seat"), &choice.seat);
        v.check(
            choice.seat.chars().count() <= 8,
            &format!("seats[{i}].seat"),
            "must be at most 8 characters",
        );
        v.check(
            seen.insert(choice.seat.trim()),
            &format!("seats[{i}].seat"),
            "is listed twice",
        );
        v.required(&format!("seats[{i}].passengerName"), &choice.passenger_name);
        v.check(
            choice.passenger_name.chars().count() <= 100,
            &format!("seats[{i}].passengerName"),
            "must be at most 100 characters",
        );
    }
}

/// What is being booked, and by whom.
pub struct Order<'a> {
    pub trip_id: &'a str,
    pub from_stop_id: &'a str,
    pub to_stop_id: &'a str,
    pub seats: &'a [SeatChoice],
    /// The passenger holding it; `None` for a counter sale.
    pub passenger_id: Option<&'a str>,
    /// Extra fields of the booking (`buyer`, `soldBy` for a counter sale).
    pub extra: Document,
}

/// The trip of an order, checked: bookable, stops on it, seats on its bus.
pub async fn trip_for(app: &App, order: &Order<'_>) -> Result<Document, ApiError> {
    ride::trip(app, order.trip_id).await.map_err(|e| {
        if e.status() == StatusCode::NOT_FOUND {
            ApiError::validation("tripId", "is not a trip")
        } else {
            e
        }
    })
}

/// Takes the order's seats and writes its booking: `held` until
/// `hold_until` for a passenger, `confirmed` (paid in cash) otherwise.
pub async fn book(
    app: &App,
    trip: &Document,
    order: Order<'_>,
    hold_minutes: u32,
) -> Result<Document, ApiError> {
    let now = Timestamp::now();
    let legs = ride::segment(
        trip,
        order.from_stop_id,
        order.to_stop_id,
        ("fromStopId", "toStopId"),
    )?;
    ride::bookable(trip, &legs, now)?;
    let on_bus: BTreeSet<String> = ride::seat_labels(trip).into_iter().collect();
    let mut wrong = Violations::default();
    for (i, choice) in order.seats.iter().enumerate() {
        wrong.check(
            on_bus.contains(choice.seat.trim()),
            &format!("seats[{i}].seat"),
            "is not a seat of this trip's bus",
        );
    }
    wrong.into_result()?;

    let stops = ride::stops(trip);
    let seats: Vec<String> = order
        .seats
        .iter()
        .map(|c| c.seat.trim().to_owned())
        .collect();
    let id = uuid::Uuid::new_v4().to_string();
    let hold_until = now + SignedDuration::from_mins(i64::from(hold_minutes));
    let arrival = trip
        .get_datetime("arrivalAt")
        .map(|t| zone::from_bson(*t))
        .unwrap_or(now);
    let mut booking = doc! {
        "id": &id,
        "companyId": trip.get_str("companyId").unwrap_or_default(),
        "passengerId": order.passenger_id.map_or(Bson::Null, |p| Bson::String(p.into())),
        "tripId": order.trip_id,
        "status": if order.passenger_id.is_some() { transit::bookings::HELD } else { transit::bookings::CONFIRMED },
        "legs": {"from": legs.start as i32, "to": legs.end as i32},
        "fromStop": ride::stop_ref(stops[legs.start]),
        "toStop": ride::stop_ref(stops[legs.end]),
        "departureAt": zone::bson(ride::departs(stops[legs.start])),
        // The scheduled arrival at `toStop`: the end of its tickets' window.
        "arrivalAt": zone::bson(ride::arrives(stops[legs.end])),
        "tripArrivalAt": zone::bson(arrival),
        "seats": order.seats.iter().map(|c| doc! {
            "seat": c.seat.trim(),
            "passengerName": c.passenger_name.trim(),
        }).collect::<Vec<_>>(),
        "amount": ride::fare(trip, &legs) * seats.len() as i64,
        "refundedAmount": 0_i64,
        "currency": ride::currency(trip),
        "holdExpiresAt": match order.passenger_id {
            Some(_) => Bson::DateTime(zone::bson(hold_until)),
            None => Bson::Null,
        },
        "createdAt": shared::clock::now(),
    };
    booking.extend(order.extra);
    if order.passenger_id.is_none() {
        booking.insert("paidBy", "cash");
        booking.insert("confirmedAt", shared::clock::now());
    }

    let claim = Claim {
        booking_id: &id,
        trip_id: order.trip_id,
        seats: &seats,
        legs: legs.clone(),
        hold: order.passenger_id.map(|passenger_id| Hold {
            passenger_id,
            until: hold_until,
        }),
        keep_until: sales::keep_until(&booking),
    };
    match inventory::claim(app, &claim).await {
        Ok(()) => {}
        Err(Refused::Failed(err)) => {
            // The store failed to answer: the transaction may still have
            // been applied. Undo it if we can; if not, a hold lapses by its
            // own `holdUntil`.
            let undo =
                inventory::release(app, &id, order.trip_id, &seats, legs, order.passenger_id);
            if let Err(e) = undo.await {
                tracing::warn!(booking = %id, error = %e, "seats of a failed claim not released");
            }
            return Err(err);
        }
        Err(refused) => return Err(refusal(refused)),
    }

    let stored = async {
        ensure_booking_indexes(app).await?;
        bookings_collection(app)
            .await?
            .insert_one(&booking)
            .await
            .map_err(unavailable)?;
        if order.passenger_id.is_none() {
            sales::issue_tickets(app, &booking).await?;
        }
        Ok::<_, ApiError>(())
    }
    .await;
    if let Err(err) = stored {
        // Undo in the safe order: the booking goes first (its insert may
        // have landed even if the answer was lost); only once it is surely
        // gone are the seats given back. If it cannot be removed, the
        // seats stay taken: never a booking whose seats are free.
        let gone = async {
            bookings_collection(app)
                .await?
                .delete_one(doc! {"id": &id})
                .await
                .map_err(unavailable)?;
            sales::void_tickets(app, &id).await?;
            inventory::release(app, &id, order.trip_id, &seats, legs, order.passenger_id).await
        }
        .await;
        if let Err(e) = gone {
            tracing::error!(booking = %id, error = %e, "a failed booking not undone; its seats stay taken");
        }
        return Err(err);
    }
    if order.passenger_id.is_some() {
        shared::telemetry::count(shared::telemetry::Business::HoldPlaced);
    }
    Ok(booking)
}

async fn bookings_collection(app: &App) -> Result<mongodb::Collection<Document>, ApiError> {
    Ok(transit::db(app).await?.collection::<Document>(BOOKINGS))
}

/// The answer to a claim the inventory refused.
fn refusal(refused: Refused) -> ApiError {
    match refused {
        Refused::Taken(seats) => ApiError::new(
            StatusCode::CONFLICT,
            ErrorCode::SeatsTaken,
            format!(
                "Seats already taken on this segment: {}. Nothing was held.",
                seats.join(", ")
            ),
        )
        .with_data(json!({ "taken": seats })),
        Refused::HoldLimit => ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::HoldLimit,
            "You already hold the most seats allowed (6 seats in at most 3 bookings); pay for or cancel a booking first.",
        ),
        Refused::Failed(err) => err,
    }
}
