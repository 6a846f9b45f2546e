//! What the ticketing tests share: transit's fixtures (a licensed company
//! with one trip, passengers; `transit-fixtures`) and calls of the real
//! handlers.

#![allow(dead_code)]

use std::future::Future;

use lambda_http::Request;
use serde_json::{Value, json};
use shared::{
    App,
    http::{ApiError, Principal, Reply},
};
use test_support::{as_principal, call, event, with_query};

pub use transit_fixtures::*;

/// Calls `handler` as API Gateway would after the authorizer allowed `who`
/// (`None`: a public route, no principal).
pub async fn send<'a, F, Fut>(
    app: &'a App,
    handler: F,
    route: &str,
    who: Option<&Principal>,
    id: Option<&str>,
    body: Option<Value>,
    query: &[(&str, &str)],
) -> (u16, Value)
where
    F: FnOnce(&'a App, Request) -> Fut,
    Fut: Future<Output = Result<Reply, ApiError>>,
{
    let mut ev = event("ticketing", route);
    if let Some(who) = who {
        ev = as_principal(ev, who);
    }
    if let Some(id) = id {
        ev["pathParameters"] = json!({"id": id});
    }
    if let Some(body) = body {
        ev["body"] = Value::String(body.to_string());
    }
    ev = with_query(ev, query);
    call(ticketing::SERVICE, app, handler, &ev).await
}

/// A booking body for `seats` from stop `from` to stop `to` of `t`.
pub fn order(t: &Trip, from: usize, to: usize, seats: &[&str]) -> Value {
    json!({
        "tripId": t.id, "fromStopId": t.stops[from], "toStopId": t.stops[to],
        "seats": seats.iter().map(|s| json!({"seat": s, "passengerName": "Ana Sousa"})).collect::<Vec<_>>(),
    })
}

/// `who` holds `seats` of `t` from stop `from` to `to`: status and body.
pub async fn hold(
    app: &App,
    who: &Principal,
    t: &Trip,
    from: usize,
    to: usize,
    seats: &[&str],
) -> (u16, Value) {
    send(
        app,
        ticketing::bookings::create,
        "create-booking",
        Some(who),
        None,
        Some(order(t, from, to, seats)),
        &[],
    )
    .await
}

/// `who` (company staff) sells `seats` of `t` from stop `from` to `to` at
/// the counter to `buyer`: status and body.
pub async fn sell_at_counter(
    app: &App,
    who: &Principal,
    t: &Trip,
    (from, to): (usize, usize),
    seats: &[&str],
    buyer: Value,
) -> (u16, Value) {
    let mut body = order(t, from, to, seats);
    body["buyer"] = buyer;
    send(
        app,
        ticketing::counter::sell,
        "create-counter-sale",
        Some(who),
        None,
        Some(body),
        &[],
    )
    .await
}

/// The seat map's status of `seat` for stops `from`..`to`.
pub async fn seat_status(app: &App, t: &Trip, from: usize, to: usize, seat: &str) -> String {
    let (status, body) = send(
        app,
        ticketing::seats::get,
        "get-trip-seats",
        None,
        Some(&t.id),
        None,
        &[("from", &t.stops[from]), ("to", &t.stops[to])],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body["data"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r.as_array().unwrap().iter())
        .find(|s| s["seat"] == seat)
        .map(|s| s["status"].as_str().unwrap().to_owned())
        .expect("the seat is on the map")
}
