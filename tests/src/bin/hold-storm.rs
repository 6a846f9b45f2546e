//! hold-storm: N clients booking seats of one bus at once, through the
//! real `create-booking` handler against the local stack (`make bench`).
//!
//!   hold-storm --clients 32 --out target/bench/storm.json
//!
//! Every client is a passenger of its own; each keeps booking a random
//! seat on a random segment (Lisbon → Coimbra, Coimbra → Porto or the
//! whole way) until the passenger's hold limit answers 429 or it has tried
//! 20 times. All clients' requests are in flight together. Reports latency
//! percentiles per answer and checks the headline invariant: no seat's leg
//! is held by two winning bookings, and the inventory holds exactly what
//! the winners were told.

use std::{
    collections::{BTreeMap, BTreeSet},
    time::{Duration, Instant},
};

use jiff::{SignedDuration, Timestamp};
use mongodb::bson::{Document, doc};
use serde_json::{Value, json};
use shared::{App, Config, http::dispatch};

const ATTEMPTS: usize = 20;

/// A small deterministic generator: runs are comparable.
struct Rng(u64);

impl Rng {
    fn next(&mut self, below: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % below as u64) as usize
    }
}

async fn setup(app: &App) -> (String, [String; 3]) {
    let company = format!("storm-{}", uuid::Uuid::new_v4().simple());
    app.main_db()
        .await
        .unwrap()
        .collection::<Document>("organizations")
        .insert_one(doc! {"id": &company, "accountId": &company, "name": "Storm Coaches", "email": format!("ops@{company}.example"),
            "licenseStatus": "active", "licenseExpiry": "2099-12-31", "selectedProducts": ["transit"], "userLimit": "10"})
        .await
        .unwrap();
    let stops = [0, 1, 2].map(|i| format!("{company}-stop-{i}"));
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
        "id": format!("{company}-route"), "code": "STORM", "name": "Storm", "timezone": "Europe/Lisbon",
        "currency": "EUR", "legFares": [1250, 1100],
        "stops": [
            {"stopId": stops[0], "name": "A", "city": "Lisbon", "arriveOffsetMin": 0, "departOffsetMin": 0},
            {"stopId": stops[1], "name": "B", "city": "Coimbra", "arriveOffsetMin": 110, "departOffsetMin": 120},
            {"stopId": stops[2], "name": "C", "city": "Porto", "arriveOffsetMin": 210, "departOffsetMin": 210},
        ],
    }))
    .unwrap();
    let bus = mongodb::bson::to_document(
        &json!({"id": "storm-bus", "plateNumber": "ST-0R-M1", "seatLayout": {"rows": rows}}),
    )
    .unwrap();
    let id = format!("{company}-trip");
    let at = Timestamp::from_second(
        (Timestamp::now() + SignedDuration::from_hours(48)).as_second() / 60 * 60,
    )
    .unwrap();
    let trip = transit::trips::NewTrip {
        company_id: &company,
        slot: format!("oneoff#{id}"),
        schedule_id: None,
        route: &route,
        bus: &bus,
        driver_id: None,
        at,
    }
    .document(&id)
    .unwrap();
    transit::store::ensure_fleet_indexes(app).await.unwrap();
    transit::trips::insert_once(app, &trip).await.unwrap();
    (id, stops)
}

/// One client's bookings: (status, latency, seat, legs) per attempt.
async fn client(
    app: &'static App,
    template: Value,
    trip: String,
    stops: [String; 3],
    n: usize,
) -> Vec<(u16, Duration, String, (usize, usize))> {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ (n as u64 + 1).wrapping_mul(0x2545_F491_4F6C_DD1D));
    let passenger = format!("storm-passenger-{n}-{}", uuid::Uuid::new_v4().simple());
    let mut results = Vec::new();
    for _ in 0..ATTEMPTS {
        let seat = format!("{}{}", 1 + rng.next(10), ["A", "B", "C", "D"][rng.next(4)]);
        let (from, to) = [(0, 1), (1, 2), (0, 2)][rng.next(3)];
        let mut event = template.clone();
        event["requestContext"]["authorizer"] = json!({"lambda": {"userId": passenger, "role": "passenger", "organizationId": "", "permissions": []}});
        event["body"] = Value::String(
            json!({"tripId": trip, "fromStopId": stops[from], "toStopId": stops[to],
                   "seats": [{"seat": seat, "passengerName": "Storm"}]})
            .to_string(),
        );
        let request = lambda_http::request::from_str(&event.to_string()).unwrap();
        let started = Instant::now();
        let response = dispatch(ticketing::SERVICE, request, |req| {
            ticketing::bookings::create(app, req)
        })
        .await;
        let status = response.status().as_u16();
        results.push((status, started.elapsed(), seat, (from, to)));
        if status == 429 {
            break;
        }
    }
    results
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    (sorted[i].as_secs_f64() * 1000.0 * 100.0).round() / 100.0
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let clients: usize = arg("--clients").and_then(|c| c.parse().ok()).unwrap_or(32);
    let out = arg("--out").unwrap_or_else(|| "target/bench/storm.json".into());
    let app: &'static App =
        shared::runtime::keep(App::new(Config::from_env().expect("the stack's env")));
    let (trip, stops) = setup(app).await;
    let template: Value = serde_json::from_str(
        &std::fs::read_to_string("events/ticketing/create-booking.json")
            .expect("run from the repository root"),
    )
    .unwrap();

    let started = Instant::now();
    let tasks: Vec<_> = (0..clients)
        .map(|n| {
            tokio::spawn(client(
                app,
                template.clone(),
                trip.clone(),
                stops.clone(),
                n,
            ))
        })
        .collect();
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.unwrap());
    }
    let elapsed = started.elapsed();

    let mut statuses: BTreeMap<u16, usize> = BTreeMap::new();
    let mut latencies: BTreeMap<u16, Vec<Duration>> = BTreeMap::new();
    let mut won: BTreeMap<(String, usize), usize> = BTreeMap::new();
    for (status, latency, seat, (from, to)) in &all {
        *statuses.entry(*status).or_default() += 1;
        latencies.entry(*status).or_default().push(*latency);
        if *status == 201 {
            for leg in *from..*to {
                *won.entry((seat.clone(), leg)).or_default() += 1;
            }
        }
    }
    let double_sales = won.values().filter(|n| **n > 1).count();
    let taken: BTreeSet<(String, usize)> = transit::inventory::taken(app, &trip).await.unwrap();
    let inventory_matches = taken == won.keys().cloned().collect::<BTreeSet<_>>();
    let mut every: Vec<Duration> = all.iter().map(|r| r.1).collect();
    every.sort();
    let per_status: BTreeMap<String, Value> = latencies
        .into_iter()
        .map(|(status, mut l)| {
            l.sort();
            (status.to_string(), json!({"count": l.len(), "p50Ms": percentile(&l, 0.5), "p95Ms": percentile(&l, 0.95), "p99Ms": percentile(&l, 0.99)}))
        })
        .collect();
    let report = json!({
        "clients": clients,
        "requests": all.len(),
        "elapsedMs": elapsed.as_millis(),
        "statuses": statuses,
        "p50Ms": percentile(&every, 0.5),
        "p95Ms": percentile(&every, 0.95),
        "p99Ms": percentile(&every, 0.99),
        "maxMs": percentile(&every, 1.0),
        "perStatus": per_status,
        "seatLegsWon": won.len(),
        "doubleSales": double_sales,
        "inventoryMatchesWinners": inventory_matches,
    });
    std::fs::write(&out, serde_json::to_string_pretty(&report).unwrap()).unwrap();
    println!("{report}");
    if double_sales > 0 || !inventory_matches {
        eprintln!("hold-storm: the no-double-sale invariant broke");
        std::process::exit(1);
    }
}
