//! Holds, bookings, counter sales and cancellations against the real
//! stores (TRANSIT.md §4: invariants 1, 5 and 6). The race of concurrent
//! requests against the running functions is `tests/transit/race.py`.

// The handlers' futures nest deeper than rustc's default layout query
// depth once wrapped in the test's calls.
#![recursion_limit = "256"]

mod common;

use common::*;
use mongodb::bson::doc;
use serde_json::json;
use shared::{App, telemetry::Business};
use test_support::stack_app;

fn app() -> &'static App {
    shared::runtime::keep(stack_app())
}

#[tokio::test]
async fn a_hold_takes_the_seat_on_overlapping_segments_only() {
    let app = app();
    let c = company(app).await;
    let t = trip(app, &c, 72).await;

    let metrics = shared::telemetry::capture();
    let (status, body) = hold(app, &passenger(), &t, 0, 2, &["1A"]).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(metrics.count(Business::HoldPlaced), 1);
    let b = &body["data"];
    assert_eq!(b["status"], "held");
    assert_eq!(b["amount"], 2350, "both legs' fares");
    assert_eq!(b["currency"], "EUR");
    assert!(b["holdExpiresAt"].is_string());

    // Overlapping segment: refused, and the answer names the seat.
    let (status, body) = hold(app, &passenger(), &t, 1, 2, &["1A"]).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["code"], "SEATS_TAKEN");
    assert_eq!(body["data"]["taken"], json!(["1A"]));
    assert_eq!(seat_status(app, &t, 0, 1, "1A").await, "taken");
    assert_eq!(metrics.count(Business::HoldPlaced), 1, "nothing held");

    // Adjacent segments of one seat: both sell.
    let (first, _) = hold(app, &passenger(), &t, 0, 1, &["5A"]).await;
    let (second, body) = hold(app, &passenger(), &t, 1, 2, &["5A"]).await;
    assert_eq!((first, second), (201, 201), "{body}");
    assert_eq!(body["data"]["amount"], 1100);
}

#[tokio::test]
async fn a_booking_holds_every_seat_or_none() {
    let app = app();
    let c = company(app).await;
    let t = trip(app, &c, 72).await;
    assert_eq!(hold(app, &passenger(), &t, 0, 2, &["3A"]).await.0, 201);

    let (status, body) = hold(app, &passenger(), &t, 0, 2, &["4A", "3A", "4B"]).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["data"]["taken"], json!(["3A"]));
    assert_eq!(
        seat_status(app, &t, 0, 2, "4A").await,
        "available",
        "nothing held"
    );
    assert_eq!(seat_status(app, &t, 0, 2, "4B").await, "available");
}

#[tokio::test]
async fn a_lapsed_hold_is_free_for_the_next_booking_at_once() {
    let app = app();
    let c = company(app).await;
    let t = trip(app, &c, 72).await;
    let (_, body) = hold(app, &passenger(), &t, 0, 2, &["2C"]).await;
    let first = body["data"]["id"].as_str().unwrap().to_owned();
    lapse(app, &t, &first, &["2C"], 0..2).await;

    // No expiry run in between: the condition itself frees the seat.
    let (status, body) = hold(app, &passenger(), &t, 0, 1, &["2C"]).await;
    assert_eq!(status, 201, "{body}");

    // expire-holds then marks the first expired and leaves the new hold be.
    let event = serde_json::from_value(test_support::event("ticketing", "expire-holds")).unwrap();
    let metrics = shared::telemetry::capture();
    ticketing::expire::expire_holds(app, event).await.unwrap();
    let stored = transit::bookings::find(app, &first).await.unwrap().unwrap();
    assert_eq!(stored.get_str("status").unwrap(), "expired");
    // At least this one: the run also expires other tests' lapsed holds.
    assert!(metrics.count(Business::HoldExpired) >= 1);
    assert_eq!(seat_status(app, &t, 0, 1, "2C").await, "taken");
    assert_eq!(seat_status(app, &t, 1, 2, "2C").await, "available");
}

#[tokio::test]
async fn a_passenger_holds_at_most_six_seats_in_three_bookings() {
    let app = app();
    let c = company(app).await;
    let t = trip(app, &c, 72).await;
    let p = passenger();
    let mut ids = Vec::new();
    for seat in ["6A", "6B", "6C"] {
        let (status, body) = hold(app, &p, &t, 0, 2, &[seat]).await;
        assert_eq!(status, 201, "{body}");
        ids.push(body["data"]["id"].as_str().unwrap().to_owned());
    }
    let (status, body) = hold(app, &p, &t, 0, 2, &["6D"]).await;
    assert_eq!(status, 429, "{body}");
    assert_eq!(body["code"], "HOLD_LIMIT");
    assert_eq!(seat_status(app, &t, 0, 2, "6D").await, "available");

    // Releasing one frees a booking slot again.
    let metrics = shared::telemetry::capture();
    let (status, body) = send(
        app,
        ticketing::cancel::cancel,
        "cancel-booking",
        Some(&p),
        Some(&ids[0]),
        None,
        &[],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["status"], "released");
    assert_eq!(metrics.count(Business::HoldReleased), 1);
    drop(metrics);
    assert_eq!(hold(app, &p, &t, 0, 2, &["6D"]).await.0, 201);

    // Seats count too: 5 more seats would make 8.
    let q = passenger();
    assert_eq!(
        hold(app, &q, &t, 0, 2, &["7A", "7B", "7C", "7D"]).await.0,
        201
    );
    let (status, body) = hold(app, &q, &t, 0, 2, &["8A", "8B", "8C"]).await;
    assert_eq!((status, body["code"].as_str()), (429, Some("HOLD_LIMIT")));
    assert_eq!(hold(app, &q, &t, 0, 2, &["8A", "8B"]).await.0, 201);
}

#[tokio::test]
async fn a_retried_booking_with_its_key_answers_the_first() {
    let app = app();
    let c = company(app).await;
    let t = trip(app, &c, 72).await;
    let p = passenger();
    let mut ev = test_support::as_principal(test_support::event("ticketing", "create-booking"), &p);
    ev["body"] = serde_json::Value::String(order(&t, 0, 2, &["9A"]).to_string());
    ev["headers"]["idempotency-key"] = json!(test_support::unique("key-"));
    let (s1, b1) =
        test_support::call(ticketing::SERVICE, app, ticketing::bookings::create, &ev).await;
    let (s2, b2) =
        test_support::call(ticketing::SERVICE, app, ticketing::bookings::create, &ev).await;
    assert_eq!((s1, s2), (201, 201), "{b2}");
    assert_eq!(b1["data"]["id"], b2["data"]["id"]);
}

#[tokio::test]
async fn bad_bookings_name_the_field() {
    let app = app();
    let c = company(app).await;
    let t = trip(app, &c, 72).await;
    let p = passenger();
    let cases = [
        (order(&t, 2, 0, &["1B"]), "toStopId"),
        (order(&t, 0, 1, &["99Z"]), "seats[0].seat"),
        (order(&t, 0, 1, &["1B", "1B"]), "seats[1].seat"),
        (order(&t, 0, 1, &[]), "seats"),
        (
            order(&t, 0, 1, &["1A", "1B", "1C", "1D", "2A", "2B", "2D"]),
            "seats",
        ),
        (
            json!({"tripId": "nope", "fromStopId": "a", "toStopId": "b", "seats": [{"seat": "1A", "passengerName": "A"}]}),
            "tripId",
        ),
    ];
    for (body, field) in cases {
        let (status, resp) = send(
            app,
            ticketing::bookings::create,
            "create-booking",
            Some(&p),
            None,
            Some(body),
            &[],
        )
        .await;
        assert_eq!(status, 400, "{resp}");
        assert!(
            resp["details"]
                .as_array()
                .unwrap()
                .iter()
                .any(|d| d["field"] == field),
            "{field}: {resp}"
        );
    }
    // A trip that has left the boarding stop sells nothing.
    let gone = trip(app, &c, -1).await;
    let (status, _) = hold(app, &p, &gone, 0, 2, &["1A"]).await;
    assert_eq!(status, 409);
}

/// The queue of transit jobs gone: the counter sale stands (the buyer has
/// paid at the counter), its e-ticket mail is not sent and is counted as
/// `MailsNotQueued`; with the queue there, nothing is counted.
#[tokio::test]
async fn a_counter_sale_stands_when_its_mail_cannot_be_queued() {
    let app = app();
    let mut config = test_support::stack_config();
    let gone = std::env::var("TRANSIT_QUEUE_URL").unwrap() + "-gone";
    config.set("TRANSIT_QUEUE_URL", Some(&gone));
    let no_queue: &'static App = shared::runtime::keep(App::new(config));
    let c = company(app).await;
    let t = trip(app, &c, 72).await;
    let buyer = json!({"name": "Ana", "email": "ana@example.com"});

    for (app, seat, not_queued) in [(app, "5A", 0), (no_queue, "5B", 1)] {
        let metrics = shared::telemetry::capture();
        let (status, body) =
            sell_at_counter(app, &c.staff, &t, (0, 2), &[seat], buyer.clone()).await;
        assert_eq!(status, 201, "{body}");
        assert_eq!(body["data"]["status"], "confirmed");
        assert_eq!(
            metrics.count(Business::MailNotQueued),
            not_queued,
            "seat {seat}"
        );
    }
}

#[tokio::test]
async fn a_counter_sale_is_confirmed_with_tickets_and_refunds_by_the_policy() {
    let app = app();
    let c = company(app).await;
    let t = trip(app, &c, 72).await;
    let buyer = json!({"name": "Rui", "email": "rui@example.com"});
    let (status, body) = sell_at_counter(app, &c.staff, &t, (0, 2), &["10A", "10B"], buyer).await;
    assert_eq!(status, 201, "{body}");
    let b = &body["data"];
    assert_eq!(b["status"], "confirmed");
    assert_eq!(b["amount"], 4700);
    assert_eq!(b["tickets"].as_array().unwrap().len(), 2);
    assert!(b["holdExpiresAt"].is_null());
    let id = b["id"].as_str().unwrap().to_owned();
    let sold = transit::sales::sold_seats(app, std::slice::from_ref(&t.id))
        .await
        .unwrap();
    assert_eq!(sold[&t.id].len(), 2);
    assert_eq!(hold(app, &passenger(), &t, 1, 2, &["10B"]).await.0, 409);

    // Staff may sell; only the admin cancels.
    let metrics = shared::telemetry::capture();
    let (status, _) = send(
        app,
        ticketing::cancel::cancel,
        "cancel-booking",
        Some(&c.staff),
        Some(&id),
        None,
        &[],
    )
    .await;
    assert_eq!(status, 403);
    let (status, body) = send(
        app,
        ticketing::cancel::cancel,
        "cancel-booking",
        Some(&c.admin),
        Some(&id),
        None,
        &[],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["status"], "refunded", "72 h ahead: 100 %");
    assert_eq!(metrics.count(Business::RefundIssued), 1, "cash, at once");
    assert_eq!(body["data"]["refundedAmount"], 4700);
    assert!(
        body["data"]["tickets"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["status"] == "void")
    );
    assert_eq!(seat_status(app, &t, 0, 2, "10A").await, "available");
    // Cancelling again refunds nothing more.
    let (status, again) = send(
        app,
        ticketing::cancel::cancel,
        "cancel-booking",
        Some(&c.admin),
        Some(&id),
        None,
        &[],
    )
    .await;
    assert_eq!(
        (status, &again["data"]["refundedAmount"]),
        (200, &json!(4700))
    );
    assert_eq!(metrics.count(Business::RefundIssued), 1, "once");
    drop(metrics);
    let refunds = transit::store::collection(app, transit::store::REFUNDS)
        .await
        .unwrap()
        .count_documents(doc! {"bookingId": &id})
        .await
        .unwrap();
    assert_eq!(refunds, 1);

    // 10 hours ahead the policy gives half back; money stays whole units.
    let soon = trip(app, &c, 10).await;
    let (_, sold) = sell_at_counter(
        app,
        &c.staff,
        &soon,
        (0, 1),
        &["1A"],
        json!({"name": "Rui"}),
    )
    .await;
    let id = sold["data"]["id"].as_str().unwrap();
    let (_, body) = send(
        app,
        ticketing::cancel::cancel,
        "cancel-booking",
        Some(&c.admin),
        Some(id),
        None,
        &[],
    )
    .await;
    assert_eq!(body["data"]["status"], "partially_refunded");
    assert_eq!(body["data"]["refundedAmount"], 625);
}

#[tokio::test]
async fn bookings_are_seen_only_by_their_passenger_and_company() {
    let app = app();
    let c = company(app).await;
    let other = company(app).await;
    let t = trip(app, &c, 72).await;
    let p = passenger();
    let (_, body) = hold(app, &p, &t, 0, 2, &["1D"]).await;
    let id = body["data"]["id"].as_str().unwrap().to_owned();
    let get = |who| {
        send(
            app,
            ticketing::bookings::get,
            "get-booking",
            Some(who),
            Some(&id),
            None,
            &[],
        )
    };

    assert_eq!(get(&p).await.0, 200);
    assert_eq!(get(&c.staff).await.0, 200);
    let stranger = passenger();
    assert_eq!(get(&stranger).await.0, 404, "another passenger");
    assert_eq!(get(&other.staff).await.0, 404, "another company");
    assert_eq!(
        get(&c.driver).await.0,
        403,
        "drivers read manifests, not bookings"
    );
    let (status, _) = send(
        app,
        ticketing::cancel::cancel,
        "cancel-booking",
        Some(&passenger()),
        Some(&id),
        None,
        &[],
    )
    .await;
    assert_eq!(status, 404);
    let (status, _) = send(
        app,
        ticketing::cancel::cancel,
        "cancel-booking",
        Some(&other.admin),
        Some(&id),
        None,
        &[],
    )
    .await;
    assert_eq!(status, 404);

    // Lists: the passenger's own, the company's own.
    let (_, mine) = send(
        app,
        ticketing::bookings::list_mine,
        "list-my-bookings",
        Some(&p),
        None,
        None,
        &[],
    )
    .await;
    assert_eq!(mine["data"].as_array().unwrap().len(), 1, "{mine}");
    let (_, theirs) = send(
        app,
        ticketing::bookings::list_company,
        "list-company-bookings",
        Some(&other.staff),
        None,
        None,
        &[],
    )
    .await;
    assert_eq!(theirs["data"].as_array().unwrap().len(), 0);
    let (_, ours) = send(
        app,
        ticketing::bookings::list_company,
        "list-company-bookings",
        Some(&c.staff),
        None,
        None,
        &[("tripId", &t.id)],
    )
    .await;
    assert_eq!(ours["data"].as_array().unwrap().len(), 1);

    // Another company's staff cannot sell this trip.
    let (status, _) =
        sell_at_counter(app, &other.staff, &t, (0, 2), &["2D"], json!({"name": "X"})).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn search_finds_trips_with_free_seats_for_the_segment() {
    let app = app();
    let c = company(app).await;
    let t = trip(app, &c, 30).await;
    // A call's date is the local date the bus leaves that stop: a trip leaving
    // Lisbon late in the evening calls at Coimbra the next day.
    let local_date = |after_min: i64| {
        (t.departs + jiff::SignedDuration::from_mins(after_min))
            .to_zoned(jiff::tz::TimeZone::get("Europe/Lisbon").unwrap())
            .date()
            .to_string()
    };
    let search = |from: &str, to: &str, n: &str| {
        let from_coimbra = from == t.cities[1];
        let date = local_date(if from_coimbra { 120 } else { 0 });
        let (from, to, n) = (from.to_owned(), to.to_owned(), n.to_owned());
        async move {
            send(
                app,
                ticketing::search::search,
                "search-trips",
                None,
                None,
                None,
                &[
                    ("from", &from),
                    ("to", &to),
                    ("date", &date),
                    ("passengers", &n),
                ],
            )
            .await
        }
    };
    assert_eq!(
        hold(app, &passenger(), &t, 0, 1, &["1A", "1B"]).await.0,
        201
    );

    let (status, body) = search(&t.cities[0].to_uppercase(), &t.cities[2], "1").await;
    assert_eq!(status, 200, "{body}");
    let offers = body["data"].as_array().unwrap();
    assert_eq!(offers.len(), 1, "{body}");
    let o = &offers[0];
    assert_eq!(o["tripId"], t.id.as_str());
    assert_eq!(o["seatsAvailable"], 38);
    assert_eq!(o["fare"], json!({"amount": 2350, "currency": "EUR"}));
    assert_eq!(o["durationMin"], 210);
    assert!(
        o["company"]["displayName"]
            .as_str()
            .unwrap()
            .starts_with("Rodo")
    );
    // Coimbra → Porto does not ride the held leg.
    let (_, body) = search(&t.cities[1], &t.cities[2], "1").await;
    assert_eq!(body["data"][0]["seatsAvailable"], 40);
    // Backwards, or a party bigger than the free seats: nothing.
    assert_eq!(
        search(&t.cities[2], &t.cities[0], "1").await.1["data"],
        json!([])
    );
    let (status, body) = search(&t.cities[0], &t.cities[2], "7").await;
    assert_eq!(status, 400, "{body}");
    let (status, _) = send(
        app,
        ticketing::search::search,
        "search-trips",
        None,
        None,
        None,
        &[("from", "x")],
    )
    .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn search_is_served_by_the_calls_index() {
    let app = app();
    let c = company(app).await;
    let t = trip(app, &c, 30).await;
    let key = transit::trips::call_key(
        &t.cities[0],
        t.departs
            .to_zoned(jiff::tz::TimeZone::get("Europe/Lisbon").unwrap())
            .date(),
    );
    let plan = transit::db(app)
        .await
        .unwrap()
        .run_command(doc! {"explain": {"find": "trips", "filter": {"calls": &key}, "sort": {"departureAt": 1}}})
        .await
        .unwrap();
    let text = plan.to_string();
    assert!(
        text.contains("IXSCAN"),
        "the search query scans an index: {text}"
    );
    assert!(!text.contains("COLLSCAN"), "{text}");
}

#[tokio::test]
async fn dynamodb_unreachable_during_a_hold_is_503_and_holds_nothing() {
    let moto = test_support::OwnMoto::start().await;
    let mut config = test_support::stack_config();
    config.dependency_timeout = std::time::Duration::from_millis(1000);
    let app: &'static App = shared::runtime::keep(moto.app(config).await);
    let c = company(app).await;
    let t = trip(app, &c, 72).await;
    assert_eq!(seat_status(app, &t, 0, 2, "1A").await, "available");

    moto.pause();
    let (status, body) = hold(app, &passenger(), &t, 0, 2, &["1A", "1B"]).await;
    moto.resume();
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["code"], "DEPENDENCY_UNAVAILABLE");
    // Whatever the store applied late is undone or lapses: after it caught
    // up, no seat is held and no booking was written.
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    assert_eq!(seat_status(app, &t, 0, 2, "1A").await, "available");
    assert_eq!(seat_status(app, &t, 0, 2, "1B").await, "available");
    let written = transit::db(app)
        .await
        .unwrap()
        .collection::<mongodb::bson::Document>("bookings")
        .count_documents(doc! {"tripId": &t.id})
        .await
        .unwrap();
    assert_eq!(written, 0);
}

#[tokio::test]
async fn expiring_a_hold_never_frees_legs_a_payment_just_sold() {
    let app = app();
    let c = company(app).await;
    let t = trip(app, &c, 72).await;
    let (_, body) = hold(app, &passenger(), &t, 0, 2, &["9C"]).await;
    let id = body["data"]["id"].as_str().unwrap().to_owned();
    lapse(app, &t, &id, &["9C"], 0..2).await;
    // A payment's confirmation has sold the legs but not yet moved the
    // booking when expire-holds runs.
    let booking = transit::bookings::find(app, &id).await.unwrap().unwrap();
    let seats = transit::bookings::seat_labels(&booking);
    assert!(
        transit::inventory::sell(app, &transit::sales::claim_of(&booking, &seats))
            .await
            .unwrap()
    );
    let event = serde_json::from_value(test_support::event("ticketing", "expire-holds")).unwrap();
    ticketing::expire::expire_holds(app, event).await.unwrap();
    assert_eq!(
        seat_status(app, &t, 0, 2, "9C").await,
        "taken",
        "the sale stands"
    );
    assert_eq!(hold(app, &passenger(), &t, 0, 1, &["9C"]).await.0, 409);
}
