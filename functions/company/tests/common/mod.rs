//! What the company tests share: a licensed company in the stack's main
//! database, principals of its people, and calls of the real handlers.

#![allow(dead_code)]

use std::future::Future;

use lambda_http::Request;
use mongodb::bson::{Document, doc};
use serde_json::{Value, json};
use shared::{
    App,
    http::{ApiError, Principal, Reply, Role},
};
use test_support::{as_principal, call, event, principal, unique, with_query};

/// A bus company: an organization licensed for transit.
pub struct Company {
    pub id: String,
    pub admin: Principal,
    pub staff: Principal,
    pub driver: Principal,
}

/// Inserts an organization with `products` and a user limit of `limit`.
pub async fn seed_org(app: &App, products: &[&str], limit: &str) -> String {
    let account_id = unique("bus");
    app.main_db()
        .await
        .unwrap()
        .collection::<Document>("organizations")
        .insert_one(doc! {
            "id": unique("o-"), "accountId": &account_id, "name": format!("Bus {account_id}"),
            "email": format!("ops@{account_id}.example"), "adminEmail": format!("ops@{account_id}.example"),
            "adminPassword": "x", "licenseStatus": "active", "licenseExpiry": "2099-12-31",
            "selectedProducts": products, "userLimit": limit,
        })
        .await
        .unwrap();
    account_id
}

/// A company in `zone` with EUR prices.
pub async fn company(app: &App, zone: &str) -> Company {
    let id = seed_org(app, &["transit"], "10").await;
    let c = Company {
        admin: principal(Role::ADMIN, Some(&id), "u-admin"),
        staff: principal(Role::EMPLOYEE, Some(&id), "u-staff"),
        driver: principal(Role::DRIVER, Some(&id), "u-driver"),
        id,
    };
    let (status, body) = send(
        app,
        company::settings::update,
        "update-company-settings",
        &c.admin,
        None,
        Some(json!({"timezone": zone, "currency": "EUR", "displayName": "Rodo Norte"})),
        &[],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    c
}

/// Calls `handler` as API Gateway would after the authorizer allowed `who`.
pub async fn send<'a, F, Fut>(
    app: &'a App,
    handler: F,
    route: &str,
    who: &Principal,
    id: Option<&str>,
    body: Option<Value>,
    query: &[(&str, &str)],
) -> (u16, Value)
where
    F: FnOnce(&'a App, Request) -> Fut,
    Fut: Future<Output = Result<Reply, ApiError>>,
{
    let mut ev = as_principal(event("company", route), who);
    if let Some(id) = id {
        ev["pathParameters"] = json!({"id": id});
    }
    if let Some(body) = body {
        ev["body"] = Value::String(body.to_string());
    }
    // The sample events carry a query of their own: replace it, always.
    ev = with_query(ev, query);
    call(company::SERVICE, app, handler, &ev).await
}

/// Creates with `handler` as the company's admin; the new resource's id.
pub async fn created<'a, F, Fut>(
    app: &'a App,
    c: &Company,
    handler: F,
    route: &str,
    body: Value,
) -> String
where
    F: FnOnce(&'a App, Request) -> Fut,
    Fut: Future<Output = Result<Reply, ApiError>>,
{
    let (status, resp) = send(app, handler, route, &c.admin, None, Some(body), &[]).await;
    assert_eq!(status, 201, "{route}: {resp}");
    resp["data"]["id"].as_str().unwrap().to_owned()
}

/// A 40-seat layout: rows 1-10, seats A B _ C D.
pub fn forty_seats() -> Value {
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
    json!({"rows": rows})
}

/// The fleet of one route: three stops, a bus, a route.
pub struct Fleet {
    pub stops: Vec<String>,
    pub bus: String,
    pub route: String,
}

pub async fn fleet(app: &App, c: &Company, zone: Option<&str>) -> Fleet {
    let mut stops = Vec::new();
    for city in ["Lisbon", "Coimbra", "Porto"] {
        stops.push(
            created(
                app,
                c,
                company::stops::create,
                "create-stop",
                json!({"name": format!("{city} {}", unique("t")), "city": city}),
            )
            .await,
        );
    }
    let bus = created(
        app,
        c,
        company::buses::create,
        "create-bus",
        json!({"plateNumber": unique("AA-"), "seatLayout": forty_seats(), "amenities": ["wifi"]}),
    )
    .await;
    let mut route = json!({
        "code": unique("LIS-OPO-"), "name": "Lisbon - Porto",
        "stops": [
            {"stopId": stops[0], "arriveOffsetMin": 0, "departOffsetMin": 0},
            {"stopId": stops[1], "arriveOffsetMin": 110, "departOffsetMin": 120},
            {"stopId": stops[2], "arriveOffsetMin": 210, "departOffsetMin": 210},
        ],
        "legFares": [1250, 1100],
    });
    if let Some(zone) = zone {
        route["timezone"] = json!(zone);
    }
    let route = created(app, c, company::routes::create, "create-route", route).await;
    Fleet { stops, bus, route }
}

/// Every trip of `schedule` (all service dates), by departure.
pub async fn trips_of(app: &App, schedule: &str) -> Vec<Document> {
    use futures_util::TryStreamExt;
    transit::store::collection(app, transit::store::TRIPS)
        .await
        .unwrap()
        .find(doc! {"scheduleId": schedule})
        .sort(doc! {"departureAt": 1})
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap()
}

/// Runs the real `generate-trips` handler as if EventBridge fired at `time`.
pub async fn generate_at(app: &'static App, time: &str) {
    let mut ev = event("company", "generate-trips");
    ev["time"] = json!(time);
    let event = serde_json::from_value(ev).expect("an EventBridge event");
    company::generate::generate_trips(app, event)
        .await
        .expect("generate-trips runs");
}

/// Marks `seat` of `trip` sold, as a confirmed booking's ticket does.
pub async fn sell(app: &App, trip: &str, seat: &str) {
    transit::store::collection(app, transit::store::TICKETS)
        .await
        .unwrap()
        .insert_one(doc! {"id": unique("tk-"), "tripId": trip, "seat": seat, "status": "valid"})
        .await
        .unwrap();
}
