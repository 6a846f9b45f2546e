//! Transit fixtures the transit domains' tests share, stored as the
//! domains store them on the real local stack: a licensed company with
//! staff and a driver, a trip (Lisbon → Coimbra → Porto, 40 seats, driven
//! by that driver), passengers, a confirmed booking with its tickets, and
//! time passing for a hold.

use jiff::{SignedDuration, Timestamp};
use mongodb::bson::{Document, doc};
use serde_json::{Value, json};
use shared::{
    App,
    http::{Principal, Role},
};
use test_support::{principal, unique};

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
        driver: principal(Role::DRIVER, Some(&id), &unique("u-driver-")),
        id,
    }
}

/// A trip of `c` leaving its first stop `hours` from now, with its own
/// city names (so searches of one test see only its trips).
pub struct Trip {
    pub id: String,
    pub company_id: String,
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
        driver_id: Some(&c.driver.user_id),
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
        company_id: c.id.clone(),
        stops,
        cities,
        departs,
    }
}

pub fn passenger() -> Principal {
    principal(Role::PASSENGER, None, &unique("p-"))
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

/// When trip `t` reaches its stop `i` (the route's arrival offsets).
pub fn arrival(t: &Trip, i: usize) -> Timestamp {
    t.departs + SignedDuration::from_mins([0, 110, 210][i])
}

/// A confirmed booking of `who` on `t` from stop `from` to `to`, with its
/// tickets issued as a payment issues them: the booking's document.
pub async fn confirmed_booking(
    app: &App,
    t: &Trip,
    who: &Principal,
    from: usize,
    to: usize,
    seats: &[&str],
) -> Document {
    let stop = |i: usize| doc! {"stopId": &t.stops[i], "name": "Stop", "city": &t.cities[i]};
    let booking = doc! {
        "id": uuid::Uuid::new_v4().to_string(),
        "companyId": t.company_id.as_str(),
        "passengerId": &who.user_id,
        "tripId": &t.id,
        "status": transit::bookings::CONFIRMED,
        "legs": {"from": from as i32, "to": to as i32},
        "fromStop": stop(from),
        "toStop": stop(to),
        "departureAt": transit::zone::bson(t.departs),
        "arrivalAt": transit::zone::bson(arrival(t, to)),
        "seats": seats.iter().map(|s| doc! {"seat": *s, "passengerName": format!("Rider {s}")}).collect::<Vec<_>>(),
        "amount": 1250_i64 * seats.len() as i64,
        "refundedAmount": 0_i64,
        "currency": "EUR",
        "confirmedAt": shared::clock::now(),
        "createdAt": shared::clock::now(),
    };
    transit::store::ensure_booking_indexes(app).await.unwrap();
    transit::db(app)
        .await
        .unwrap()
        .collection::<Document>(transit::bookings::BOOKINGS)
        .insert_one(&booking)
        .await
        .unwrap();
    transit::sales::issue_tickets(app, &booking).await.unwrap();
    booking
}
