//! The seat inventory (TRANSIT.md §3, invariant 1): one DynamoDB item per
//! trip, seat and leg (a leg is a consecutive stop pair), written only by
//! conditional transactions, so a seat's leg is held or sold to at most one
//! booking at a time whatever runs concurrently.
//!
//! - item `pk = seats#<tripId>`, `sk = <seat>#<leg>`: `{bookingId, state
//!   (held | sold), holdUntil (epoch s, held only), expiresAt (TTL)}`. One
//!   partition per trip, so a trip's whole map is one Query.
//! - a hold's expiry is inside every write's condition (`holdUntil <
//!   :now` frees the leg), never left to TTL deletion, which is late by
//!   design: an expired hold is free for the next booking at once.
//! - a passenger's hold slots, `pk = holds#<passengerId>`: `sk = b0..b2`
//!   (one per held booking) and `s0..s5` (one per held seat), claimed in
//!   the same transaction as the seats, so the hold limit holds under
//!   concurrent requests too.

use std::{collections::BTreeSet, ops::Range, time::Duration};

use aws_sdk_dynamodb::{
    error::SdkError,
    operation::transact_write_items::TransactWriteItemsError,
    types::{AttributeValue, Put, TransactWriteItem},
};
use jiff::Timestamp;
use shared::{
    App,
    http::ApiError,
    stores::aws::{dynamodb_error, number_attr, partition, text_attr},
};

pub const HELD: &str = "held";
pub const SOLD: &str = "sold";
/// Seats one booking may take, and one passenger may hold at once.
pub const MAX_SEATS: usize = 6;
/// Bookings one passenger may have `held` at once.
pub const MAX_HELD_BOOKINGS: usize = 3;
/// DynamoDB's limit on the items of one transaction.
pub const MAX_TRANSACTION_ITEMS: usize = 100;
/// How often a transaction another one collided with is tried again.
const CONFLICT_RETRIES: u32 = 4;

/// Seats on legs `legs` of trip `trip_id` for booking `booking_id`.
pub struct Claim<'a> {
    pub booking_id: &'a str,
    pub trip_id: &'a str,
    pub seats: &'a [String],
    pub legs: Range<usize>,
    /// `Some` for a passenger's hold; `None` for a sale (a counter sale is
    /// sold at once).
    pub hold: Option<Hold<'a>>,
    /// When DynamoDB's TTL may delete the items: after the trip is over.
    pub keep_until: Timestamp,
}

/// A passenger's hold, until when.
pub struct Hold<'a> {
    pub passenger_id: &'a str,
    pub until: Timestamp,
}

/// Why a claim took nothing.
#[derive(Debug)]
pub enum Refused {
    /// These seats are held or sold to another booking on a leg asked for.
    Taken(Vec<String>),
    /// The passenger already holds the most bookings or seats allowed.
    HoldLimit,
    /// The store failed; nothing was taken (a transaction is all or nothing).
    Failed(ApiError),
}

impl From<ApiError> for Refused {
    fn from(err: ApiError) -> Self {
        Refused::Failed(err)
    }
}

fn s(text: impl Into<String>) -> AttributeValue {
    AttributeValue::S(text.into())
}

fn n(number: i64) -> AttributeValue {
    AttributeValue::N(number.to_string())
}

fn trip_pk(trip_id: &str) -> AttributeValue {
    s(format!("seats#{trip_id}"))
}

fn seat_sk(seat: &str, leg: usize) -> AttributeValue {
    s(format!("{seat}#{leg:02}"))
}

fn slots_pk(passenger_id: &str) -> AttributeValue {
    s(format!("holds#{passenger_id}"))
}

/// Free for a new claim: nobody has it, or a hold that has lapsed.
const FREE: &str = "attribute_not_exists(pk) OR (#state = :held AND holdUntil < :now)";
/// Ours to sell: free, or still this booking's (held or already sold).
const OURS_OR_FREE: &str =
    "attribute_not_exists(pk) OR bookingId = :booking OR (#state = :held AND holdUntil < :now)";
/// A hold slot is free when absent or lapsed.
const SLOT_FREE: &str = "attribute_not_exists(pk) OR holdUntil < :now";

fn seat_put(
    table: &str,
    claim: &Claim<'_>,
    seat: &str,
    leg: usize,
    condition: &str,
    now: Timestamp,
) -> Result<TransactWriteItem, ApiError> {
    let mut put = Put::builder()
        .table_name(table)
        .item("pk", trip_pk(claim.trip_id))
        .item("sk", seat_sk(seat, leg))
        .item("bookingId", s(claim.booking_id))
        .item("expiresAt", n(claim.keep_until.as_second()))
        .condition_expression(condition)
        .expression_attribute_names("#state", "state")
        .expression_attribute_values(":held", s(HELD))
        .expression_attribute_values(":now", n(now.as_second()));
    put = match &claim.hold {
        Some(hold) => put
            .item("state", s(HELD))
            .item("holdUntil", n(hold.until.as_second())),
        None => put.item("state", s(SOLD)),
    };
    if condition == OURS_OR_FREE {
        put = put.expression_attribute_values(":booking", s(claim.booking_id));
    }
    Ok(TransactWriteItem::builder()
        .put(put.build().map_err(ApiError::internal)?)
        .build())
}

/// The passenger's free hold slots: which booking slot and seat slots a
/// new hold of `seats` seats may take, or `None` when over the limit.
async fn free_slots(
    app: &App,
    passenger_id: &str,
    seats: usize,
    now: Timestamp,
) -> Result<Option<Vec<String>>, ApiError> {
    let items = app
        .dynamodb()
        .await
        .query()
        .table_name(app.config.table_name()?)
        .key_condition_expression("pk = :pk")
        .expression_attribute_values(":pk", slots_pk(passenger_id))
        .consistent_read(true)
        .send()
        .await
        .map_err(dynamodb_error)?
        .items
        .unwrap_or_default();
    let taken: BTreeSet<String> = items
        .iter()
        .filter(|item| number_attr(item, "holdUntil").is_some_and(|t| t >= now.as_second()))
        .filter_map(|item| text_attr(item, "sk").map(str::to_owned))
        .collect();
    let free = |prefix: &str, count: usize| -> Vec<String> {
        (0..count)
            .map(|i| format!("{prefix}{i}"))
            .filter(|sk| !taken.contains(sk))
            .collect()
    };
    let bookings = free("b", MAX_HELD_BOOKINGS);
    let seat_slots = free("s", MAX_SEATS);
    if bookings.is_empty() || seat_slots.len() < seats {
        return Ok(None);
    }
    let mut chosen = vec![bookings[0].clone()];
    chosen.extend(seat_slots.into_iter().take(seats));
    Ok(Some(chosen))
}

/// Takes every seat of `claim` on every leg of its segment, and for a hold
/// the passenger's hold slots, in one transaction: all or nothing.
pub async fn claim(app: &App, claim: &Claim<'_>) -> Result<(), Refused> {
    let per_claim = claim.seats.len() * claim.legs.len() + 1 + claim.seats.len();
    if per_claim > MAX_TRANSACTION_ITEMS {
        return Err(Refused::Failed(ApiError::validation(
            "seats",
            "too many seats for a segment this long; book fewer seats",
        )));
    }
    let table = app.config.table_name().map_err(ApiError::from)?;
    let mut attempt = 0;
    loop {
        let now = Timestamp::now();
        let mut items = Vec::new();
        for seat in claim.seats {
            for leg in claim.legs.clone() {
                items.push(seat_put(table, claim, seat, leg, FREE, now)?);
            }
        }
        let seat_items = items.len();
        if let Some(hold) = &claim.hold {
            let Some(slots) = free_slots(app, hold.passenger_id, claim.seats.len(), now).await?
            else {
                return Err(Refused::HoldLimit);
            };
            for sk in slots {
                let put = Put::builder()
                    .table_name(table)
                    .item("pk", slots_pk(hold.passenger_id))
                    .item("sk", s(sk))
                    .item("bookingId", s(claim.booking_id))
                    .item("holdUntil", n(hold.until.as_second()))
                    .item("expiresAt", n(hold.until.as_second() + 3600))
                    .condition_expression(SLOT_FREE)
                    .expression_attribute_values(":now", n(now.as_second()))
                    .build()
                    .map_err(ApiError::internal)?;
                items.push(TransactWriteItem::builder().put(put).build());
            }
        }
        match transact(app, items).await? {
            None => return Ok(()),
            Some(failed) => {
                let seats_failed: BTreeSet<String> = failed
                    .iter()
                    .filter(|(i, _)| *i < seat_items)
                    .filter(|(_, code)| code == "ConditionalCheckFailed")
                    .map(|(i, _)| claim.seats[i / claim.legs.len()].clone())
                    .collect();
                if !seats_failed.is_empty() {
                    return Err(Refused::Taken(seats_failed.into_iter().collect()));
                }
                // A collision with another transaction, or a hold slot
                // another of the passenger's requests took first: read
                // again and retry; the outcome is then decided on fresh state.
                attempt += 1;
                if attempt > CONFLICT_RETRIES {
                    let slots_only = failed.iter().all(|(i, _)| *i >= seat_items);
                    return Err(if slots_only {
                        Refused::HoldLimit
                    } else {
                        Refused::Taken(claim.seats.to_vec())
                    });
                }
                tokio::time::sleep(Duration::from_millis(10 * u64::from(attempt))).await;
            }
        }
    }
}

/// Turns a booking's held seats into sold ones (a payment arrived): each
/// leg must still be this booking's, or free again. `false` when any leg
/// went to another booking; then nothing changed. Sold twice is a no-op.
pub async fn sell(app: &App, claim: &Claim<'_>) -> Result<bool, ApiError> {
    let table = app.config.table_name()?;
    let sale = Claim {
        hold: None,
        booking_id: claim.booking_id,
        trip_id: claim.trip_id,
        seats: claim.seats,
        legs: claim.legs.clone(),
        keep_until: claim.keep_until,
    };
    for attempt in 0..=CONFLICT_RETRIES {
        let now = Timestamp::now();
        let mut items = Vec::new();
        for seat in sale.seats {
            for leg in sale.legs.clone() {
                items.push(seat_put(table, &sale, seat, leg, OURS_OR_FREE, now)?);
            }
        }
        match transact(app, items).await? {
            None => return Ok(true),
            Some(failed) if failed.iter().any(|(_, c)| c == "ConditionalCheckFailed") => {
                return Ok(false);
            }
            Some(_) => tokio::time::sleep(Duration::from_millis(10 * u64::from(attempt + 1))).await,
        }
    }
    Err(ApiError::dependency(
        shared::stores::Dependency::DynamoDb,
        "seat sale kept colliding with other transactions",
    ))
}

/// Frees what booking `booking_id` holds or bought on `legs` (cancelled,
/// refunded, or a claim or sale being undone) and its passenger's hold
/// slots. Only this booking's items are deleted: a leg already taken by
/// another booking after this hold lapsed stays theirs.
pub async fn release(
    app: &App,
    booking_id: &str,
    trip_id: &str,
    seats: &[String],
    legs: Range<usize>,
    passenger_id: Option<&str>,
) -> Result<(), ApiError> {
    let keys = seat_keys(trip_id, seats, legs);
    delete_if_ours(app, booking_id, keys, false).await?;
    if let Some(passenger) = passenger_id {
        release_slots(app, passenger, booking_id).await?;
    }
    Ok(())
}

/// Frees a hold that ended unpaid (released, expired): only legs still
/// `held` by it. A payment may have sold them a moment ago; those stay sold
/// and its confirmation decides.
pub async fn release_hold(
    app: &App,
    booking_id: &str,
    trip_id: &str,
    seats: &[String],
    legs: Range<usize>,
    passenger_id: Option<&str>,
) -> Result<(), ApiError> {
    let keys = seat_keys(trip_id, seats, legs);
    delete_if_ours(app, booking_id, keys, true).await?;
    if let Some(passenger) = passenger_id {
        release_slots(app, passenger, booking_id).await?;
    }
    Ok(())
}

fn seat_keys(
    trip_id: &str,
    seats: &[String],
    legs: Range<usize>,
) -> Vec<(AttributeValue, AttributeValue)> {
    seats
        .iter()
        .flat_map(|seat| {
            legs.clone()
                .map(move |leg| (trip_pk(trip_id), seat_sk(seat, leg)))
        })
        .collect()
}

/// Frees the hold slots booking `booking_id` took of its passenger's (it
/// is no longer held: confirmed, released or expired).
pub async fn release_slots(
    app: &App,
    passenger_id: &str,
    booking_id: &str,
) -> Result<(), ApiError> {
    let slots = (0..MAX_HELD_BOOKINGS)
        .map(|i| format!("b{i}"))
        .chain((0..MAX_SEATS).map(|i| format!("s{i}")))
        .map(|sk| (slots_pk(passenger_id), s(sk)))
        .collect();
    delete_if_ours(app, booking_id, slots, false).await
}

/// Deletes each item that is still `booking_id`'s (and, with `held_only`,
/// still only held); others are left alone.
async fn delete_if_ours(
    app: &App,
    booking_id: &str,
    keys: Vec<(AttributeValue, AttributeValue)>,
    held_only: bool,
) -> Result<(), ApiError> {
    let table = app.config.table_name()?;
    let db = app.dynamodb().await;
    for (pk, sk) in keys {
        let mut delete = db
            .delete_item()
            .table_name(table)
            .key("pk", pk)
            .key("sk", sk)
            .expression_attribute_values(":booking", s(booking_id));
        delete = if held_only {
            delete
                .condition_expression("bookingId = :booking AND #state = :held")
                .expression_attribute_names("#state", "state")
                .expression_attribute_values(":held", s(HELD))
        } else {
            delete.condition_expression("bookingId = :booking")
        };
        let outcome = delete.send().await;
        match outcome {
            Ok(_) => {}
            Err(SdkError::ServiceError(e)) if e.err().is_conditional_check_failed_exception() => {}
            Err(e) => return Err(dynamodb_error(e)),
        }
    }
    Ok(())
}

/// Which (seat, leg) pairs of a trip are taken now: sold, or held by a
/// hold that has not lapsed.
pub async fn taken(app: &App, trip_id: &str) -> Result<BTreeSet<(String, usize)>, ApiError> {
    let now = Timestamp::now().as_second();
    let mut taken = BTreeSet::new();
    for item in partition(app, trip_pk(trip_id)).await? {
        let live = text_attr(&item, "state") == Some(SOLD)
            || number_attr(&item, "holdUntil").is_some_and(|t| t >= now);
        let Some((seat, leg)) = text_attr(&item, "sk").and_then(|sk| sk.rsplit_once('#')) else {
            continue;
        };
        if let (true, Ok(leg)) = (live, leg.parse::<usize>()) {
            taken.insert((seat.to_owned(), leg));
        }
    }
    Ok(taken)
}

/// Sends one transaction: `None` when it applied, else each cancelled
/// item's index and reason code (`ConditionalCheckFailed`,
/// `TransactionConflict`, ...). Any other failure is a 503.
async fn transact(
    app: &App,
    items: Vec<TransactWriteItem>,
) -> Result<Option<Vec<(usize, String)>>, ApiError> {
    let outcome = app
        .dynamodb()
        .await
        .transact_write_items()
        .set_transact_items(Some(items))
        .send()
        .await;
    match outcome {
        Ok(_) => Ok(None),
        Err(SdkError::ServiceError(e)) => match e.err() {
            TransactWriteItemsError::TransactionCanceledException(cancelled) => Ok(Some(
                cancelled
                    .cancellation_reasons()
                    .iter()
                    .enumerate()
                    .filter_map(|(i, r)| match r.code() {
                        None | Some("None") => None,
                        Some(code) => Some((i, code.to_owned())),
                    })
                    .collect(),
            )),
            _ => Err(dynamodb_error(SdkError::ServiceError(e))),
        },
        Err(e) => Err(dynamodb_error(e)),
    }
}
