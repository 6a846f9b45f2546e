//! What the ticketing tests share: a licensed company with one trip
//! (Lisbon → Coimbra → Porto, 40 seats) stored as the company domain
//! stores it, principals, and calls of the real handlers.

#![allow(dead_code)]

use std::future::Future;

use jiff::{SignedDuration, Timestamp};
use lambda_http::Request;
use mongodb::bson::{Document, doc};
use serde_json::{Value, json};
use shared::{
    App,
    http::{ApiError, Principal, Reply, Role},
};
use test_support::{as_principal, call, event, principal, unique, with_query};

pub struct Company {
    pub id: String,
    pub admin: Principal,
    pub staff: Principal,
    pub driver: Principal,
}

/// A company licensed for transit: Lisbon time, EUR, holds of 10 minutes,
/// 100 % back until 24 h before departure, 50 % until 2 h.
pub async fn company(app: &App) -> Company {
    let id = unique("bus");
    app.main_db()
        .await
        .unwrap()
        .collection::<Document>("organizations")
        .insert_one(doc! {
            "id": unique("o-"), "accountId": &id, "name": format!("Bus {id}"),
            "email": format!("ops@{id}.example"), "licenseStatus": "active",
            "licenseExpiry": "2099-12-31", "selectedProducts": ["transit"], "userLimit": "10",
        })
        .await
        .unwrap();
    transit::store::collection(app, transit::store::COMPANIES)
        .await
        .unwrap()
        .insert_one(doc! {
            "companyId": &id, "timezone": "Europe/Lisbon", "currency": "EUR",
            "holdMinutes": 10, "displayName": format!("Rodo {id}"),
            "cancellationPolicy": [
                {"hoursBefore": 24, "refundPercent": 100},
                {"hoursBefore": 2, "refundPercent": 50},
            ],
        })
        .await
        .unwrap();
    Company {
        admin: principal(Role::ADMIN, Some(&id), "u-admin"),
        staff: principal(Role::EMPLOYEE, Some(&id), "u-staff"),
        driver: principal(Role::DRIVER, Some(&id), "u-driver"),
        id,
    }
}

/// A trip of `c` leaving its first stop `hours` from now, with its own
/// city names (so searches of one test see only its trips).
pub struct Trip {
    pub id: String,
    pub stops: [String; 3],
    pub cities: [String; 3],
    pub departs: Timestamp,
}

pub async fn trip(app: &App, c: &Company, hours: i64) -> Trip {
    let tag = unique("c");
    let cities = [
        format!("Lisbon-{tag}"),
        format!("Coimbra-{tag}"),
        format!("Porto-{tag}"),
    ];
    let stops = [unique("st-"), unique("st-"), unique("st-")];
    let rows: Vec<Value> = (1..=10)
        .map(|r| {
            json!([
                format!("{r}A"),
                format!("{r}B"),
                null,
                format!("{r}C"),
                format!("{r}D")
            ])
        })
        .collect();
    let route = mongodb::bson::to_document(&json!({
        "id": unique("rt-"), "code": "LIS-OPO", "name": "Lisbon - Porto",
        "timezone": "Europe/Lisbon", "currency": "EUR", "legFares": [1250, 1100],
        "stops": [
            {"stopId": stops[0], "name": "Oriente", "city": cities[0], "arriveOffsetMin": 0, "departOffsetMin": 0},
            {"stopId": stops[1], "name": "Coimbra B", "city": cities[1], "arriveOffsetMin": 110, "departOffsetMin": 120},
            {"stopId": stops[2], "name": "Campanhã", "city": cities[2], "arriveOffsetMin": 210, "departOffsetMin": 210},
        ],
    }))
    .unwrap();
    let bus = mongodb::bson::to_document(&json!({
        "id": unique("bus-"), "plateNumber": unique("AA-"), "name": "Coach", "seatLayout": {"rows": rows},
    }))
    .unwrap();
    // Whole minutes, as schedules depart.
    let departs = Timestamp::from_second(
        (Timestamp::now() + SignedDuration::from_hours(hours)).as_second() / 60 * 60,
    )
    .unwrap();
    let id = unique("trip-");
    let new = transit::trips::NewTrip {
        company_id: &c.id,
        slot: format!("oneoff#{id}"),
        schedule_id: None,
        route: &route,
        bus: &bus,
        driver_id: None,
        at: departs,
    };
    transit::store::ensure_fleet_indexes(app).await.unwrap();
    assert!(
        transit::trips::insert_once(app, &new.document(&id).unwrap())
            .await
            .unwrap()
    );
    Trip {
        id,
        stops,
        cities,
        departs,
    }
}

pub fn passenger() -> Principal {
    principal(Role::PASSENGER, None, &unique("p-"))
}

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

/// A passenger with an account (so mail has an address).
pub async fn passenger_with_email(app: &App) -> Principal {
    let who = passenger();
    transit::passengers::ensure_indexes(app).await.unwrap();
    transit::db(app)
        .await
        .unwrap()
        .collection::<Document>("passengers")
        .insert_one(doc! {
            "id": &who.user_id, "email": format!("{}@example.com", who.user_id),
            "name": "Ana Sousa", "passwordHash": "x", "emailVerified": true,
        })
        .await
        .unwrap();
    who
}

/// Makes booking `id`'s hold lapse now, as time passing would: its
/// inventory items' `holdUntil` and its `holdExpiresAt` move to the past.
pub async fn lapse(
    app: &App,
    t: &Trip,
    booking: &str,
    seats: &[&str],
    legs: std::ops::Range<usize>,
) {
    use aws_sdk_dynamodb::types::AttributeValue;
    let past = (Timestamp::now().as_second() - 1).to_string();
    for seat in seats {
        for leg in legs.clone() {
            app.dynamodb()
                .await
                .update_item()
                .table_name(app.config.table_name().unwrap())
                .key("pk", AttributeValue::S(format!("seats#{}", t.id)))
                .key("sk", AttributeValue::S(format!("{seat}#{leg:02}")))
                .update_expression("SET holdUntil = :past")
                .expression_attribute_values(":past", AttributeValue::N(past.clone()))
                .send()
                .await
                .unwrap();
        }
    }
    transit::db(app)
        .await
        .unwrap()
        .collection::<Document>("bookings")
        .update_one(
            doc! {"id": booking},
            doc! {"$set": {"holdExpiresAt": mongodb::bson::DateTime::from_millis(0)}},
        )
        .await
        .unwrap();
}
