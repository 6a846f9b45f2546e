//! The company dashboard against the real stores: every figure matches the
//! bookings, tickets and boardings it was computed from, and a company sees
//! only its own.

// The handlers' futures nest deeper than rustc's default layout query
// depth once wrapped in the test's calls.
#![recursion_limit = "256"]

use jiff::{SignedDuration, Timestamp};
use mongodb::bson::doc;
use serde_json::{Value, json};
use shared::{App, http::Principal};
use test_support::{as_principal, call, event, stack_app, with_query};
use transit::boarding::{self, Rule, Scan};
use transit_fixtures::*;

async fn dashboard(app: &App, who: &Principal, query: &[(&str, &str)]) -> (u16, Value) {
    let ev = with_query(
        as_principal(event("company", "get-company-dashboard"), who),
        query,
    );
    call(company::SERVICE, app, company::dashboard::get, &ev).await
}

fn local_date(at: Timestamp, days: i64) -> String {
    (at + SignedDuration::from_hours(24 * days))
        .to_zoned(jiff::tz::TimeZone::get("Europe/Lisbon").unwrap())
        .date()
        .to_string()
}

async fn set_status(app: &App, booking: &str, set: mongodb::bson::Document) {
    transit::db(app)
        .await
        .unwrap()
        .collection::<mongodb::bson::Document>("bookings")
        .update_one(doc! {"id": booking}, doc! {"$set": set})
        .await
        .unwrap();
}

#[tokio::test]
async fn the_dashboard_adds_up_to_the_bookings() {
    let app: &'static App = Box::leak(Box::new(stack_app()));
    let c = company(app).await;
    let left = trip(app, &c, -5).await; // left five hours ago
    let next = trip(app, &c, 30).await;
    let who = passenger();

    // Left: two seats all the way and one to Coimbra; one of them boarded.
    let b1 = confirmed_booking(app, &left, &who, 0, 2, &["1A", "1B"]).await;
    confirmed_booking(app, &left, &who, 0, 1, &["2A"]).await;
    let b1_id = b1.get_str("id").unwrap();
    let boarded = Scan {
        scanned_at: left.departs,
        device_id: "dev-1".into(),
        scanned_by: c.driver.user_id.clone(),
    };
    boarding::board(
        app,
        &left.id,
        &format!("{b1_id}-1"),
        &boarded,
        Rule::FirstWritten,
        Timestamp::now(),
    )
    .await
    .unwrap();
    // Next: one seat Coimbra → Porto, one half refunded, one only held.
    confirmed_booking(app, &next, &who, 1, 2, &["3A"]).await;
    let b4 = confirmed_booking(app, &next, &who, 0, 2, &["4A"]).await;
    let b4_id = b4.get_str("id").unwrap();
    set_status(
        app,
        b4_id,
        doc! {"status": "partially_refunded", "refundedAmount": 625_i64},
    )
    .await;
    transit::sales::void_tickets(app, b4_id).await.unwrap();
    let b5 = confirmed_booking(app, &next, &who, 0, 1, &["5A"]).await;
    let b5_id = b5.get_str("id").unwrap();
    set_status(app, b5_id, doc! {"status": "held"}).await;
    transit::sales::void_tickets(app, b5_id).await.unwrap();
    // A trip the company cancelled offers and sells nothing (its booking is
    // being refunded), but its money is still counted until it is.
    let gone = trip(app, &c, 40).await;
    confirmed_booking(app, &gone, &who, 0, 2, &["6A"]).await;
    transit::store::collection(app, transit::store::TRIPS)
        .await
        .unwrap()
        .update_one(
            doc! {"id": &gone.id},
            doc! {"$set": {"status": "cancelled"}},
        )
        .await
        .unwrap();
    // Another company's sales are not ours.
    let other = company(app).await;
    let theirs = trip(app, &other, 30).await;
    confirmed_booking(app, &theirs, &who, 0, 2, &["1A"]).await;

    let from = local_date(left.departs, -1);
    let to = local_date(gone.departs, 1);
    let (status, body) = dashboard(app, &c.staff, &[("from", &from), ("to", &to)]).await;
    assert_eq!(status, 200, "{body}");
    let d = &body["data"];
    assert_eq!(d["timezone"], "Europe/Lisbon");
    assert_eq!(d["trips"], 3);
    assert_eq!(d["bookings"]["total"], 6);
    assert_eq!(
        d["bookings"]["byStatus"],
        json!({"confirmed": 4, "held": 1, "partially_refunded": 1})
    );
    assert_eq!(d["seatsSold"], 4);
    assert_eq!(
        d["revenue"],
        json!([{"currency": "EUR", "paid": 7500, "refunded": 625, "net": 6875, "refunds": 1}])
    );
    let trips = d["occupancyByTrip"].as_array().unwrap();
    assert_eq!(trips[0]["tripId"], left.id.as_str());
    assert_eq!(trips[0]["seatsSold"], 3);
    assert_eq!(trips[0]["seatLegsSold"], 5);
    assert_eq!(trips[0]["seatLegs"], 80);
    assert_eq!(trips[0]["rate"], 0.0625);
    assert_eq!(trips[1]["seatLegsSold"], 1);
    assert_eq!(trips[2]["status"], "cancelled");
    assert_eq!(
        (&trips[2]["seatLegsSold"], &trips[2]["seatLegs"]),
        (&json!(0), &json!(0))
    );
    let routes = d["occupancyByRoute"].as_array().unwrap();
    let sold: u64 = routes
        .iter()
        .map(|r| r["seatLegsSold"].as_u64().unwrap())
        .sum();
    assert_eq!(sold, 6);
    // Three valid tickets on the trip that left, one boarded.
    assert_eq!(d["noShows"]["tickets"], 3);
    assert_eq!(d["noShows"]["boarded"], 1);
    assert!((d["noShows"]["rate"].as_f64().unwrap() - 2.0 / 3.0).abs() < 1e-9);

    // The other company sees its own trip only; a driver sees none of it.
    let (_, body) = dashboard(app, &other.staff, &[("from", &from), ("to", &to)]).await;
    assert_eq!(body["data"]["trips"], 1);
    assert_eq!(body["data"]["bookings"]["total"], 1);
    assert_eq!(dashboard(app, &c.driver, &[]).await.0, 403);
    // The default period is the last 30 days; bad periods name the field.
    let (status, body) = dashboard(app, &c.admin, &[]).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["to"], local_date(Timestamp::now(), 0));
    for (query, field) in [
        (vec![("from", "yesterday")], "query.from"),
        (vec![("to", "2026-02-30")], "query.to"),
        (
            vec![("from", "2026-03-02"), ("to", "2026-03-01")],
            "query.from",
        ),
        (
            vec![("from", "2026-01-01"), ("to", "2026-12-31")],
            "query.from",
        ),
    ] {
        let (status, body) = dashboard(app, &c.staff, &query).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(body["details"][0]["field"], field, "{body}");
    }
}
