//! Payments end to end over the real handlers, the local stores, the
//! payment provider as `scripts/fake-payments.py` plays it, and a queue of
//! the test's own in moto (TRANSIT.md §4: invariants 2, 3 and 7).

// The handlers' futures nest deeper than rustc's default layout query
// depth once wrapped in the test's calls.
#![recursion_limit = "256"]

#[path = "../../functions/ticketing/tests/common/mod.rs"]
mod common;

use common::*;
use serde_json::{Value, json};
use shared::{App, http::Principal, runtime::SqsMessage, telemetry::Business};
use test_support::{FakePayments, call, event, stack_config, unique};

const WEBHOOK_SECRET: &str = "whsec_local";

/// An app whose provider is `fake` and whose queue is a fresh one (with a
/// dead-letter queue after 5 receives, like the template's).
async fn app_for(fake: &FakePayments) -> (&'static App, String, String) {
    let stack = test_support::stack_app();
    let sqs = stack.sqs().await;
    let name = unique("transit-test-");
    let dead = sqs
        .create_queue()
        .queue_name(format!("{name}-dl"))
        .send()
        .await
        .unwrap();
    let dead_url = dead.queue_url().unwrap().to_owned();
    let arn = sqs
        .get_queue_attributes()
        .queue_url(&dead_url)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
        .send()
        .await
        .unwrap()
        .attributes()
        .unwrap()[&aws_sdk_sqs::types::QueueAttributeName::QueueArn]
        .clone();
    let queue = sqs
        .create_queue()
        .queue_name(&name)
        .attributes(
            aws_sdk_sqs::types::QueueAttributeName::RedrivePolicy,
            json!({"deadLetterTargetArn": arn, "maxReceiveCount": "5"}).to_string(),
        )
        .send()
        .await
        .unwrap();
    let url = queue.queue_url().unwrap().to_owned();
    let mut config = stack_config();
    config.set("PAYMENT_API_BASE", Some(&fake.base));
    config.set("TRANSIT_QUEUE_URL", Some(&url));
    (shared::runtime::keep(App::new(config)), url, dead_url)
}

/// `who` pays booking `id`: the payment's answer.
async fn pay(app: &App, who: &Principal, id: &str) -> (u16, Value) {
    let mut ev = test_support::as_principal(event("payment", "create-payment"), who);
    ev["pathParameters"] = json!({"id": id});
    call(payment::SERVICE, app, payment::intents::create, &ev).await
}

/// The provider's latest event of `kind` for intent `pi`.
fn provider_event(fake: &FakePayments, pi: &str, kind: &str) -> Value {
    let (_, events) = fake.get("/_fake/events");
    events
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .map(|e| e["event"].clone())
        .find(|e| e["type"] == kind && e["data"]["object"]["id"] == pi)
        .unwrap_or_else(|| panic!("no {kind} event for {pi}: {events}"))
}

/// Delivers `body` to the webhook signed `t` seconds from now with `secret`.
async fn deliver(app: &App, body: &str, secret: &str, skew: i64) -> (u16, Value) {
    let t = jiff::Timestamp::now().as_second() + skew;
    let mut ev = event("payment", "payment-webhook");
    ev["body"] = Value::String(body.to_owned());
    ev["headers"]["stripe-signature"] = json!(format!(
        "t={t},v1={}",
        payment::signature::sign(secret, t, body.as_bytes())
    ));
    call(payment::SERVICE, app, payment::webhook::receive, &ev).await
}

/// Runs `transit-worker` on what is on `queue` now, as Lambda's poller
/// would: messages it reports failed stay on the queue.
async fn work(app: &'static App, queue: &str) -> usize {
    let sqs = app.sqs().await;
    let received = sqs
        .receive_message()
        .queue_url(queue)
        .max_number_of_messages(10)
        .visibility_timeout(0)
        .send()
        .await
        .unwrap();
    let messages = received.messages().to_vec();
    let records: Vec<Value> = messages
        .iter()
        .map(|m| json!({"messageId": m.message_id(), "receiptHandle": m.receipt_handle(), "body": m.body(), "attributes": {}, "messageAttributes": {}}))
        .collect();
    let batch = serde_json::from_value(json!({"Records": records})).unwrap();
    let outcome =
        shared::runtime::sqs_batch(batch, |m: SqsMessage| worker::jobs::handle(app, m)).await;
    let failed: Vec<String> = outcome
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.clone())
        .collect();
    for m in &messages {
        if !failed.iter().any(|f| Some(f.as_str()) == m.message_id()) {
            sqs.delete_message()
                .queue_url(queue)
                .receipt_handle(m.receipt_handle().unwrap())
                .send()
                .await
                .unwrap();
        }
    }
    messages.len() - failed.len()
}

async fn booking(app: &App, id: &str) -> mongodb::bson::Document {
    transit::bookings::find(app, id).await.unwrap().unwrap()
}

fn mails_about(id: &str) -> Vec<String> {
    test_support::sent_mail()
        .iter()
        .filter_map(|m| m["subject"].as_str().map(str::to_owned))
        .filter(|s| s.contains(id))
        .collect()
}

#[tokio::test]
async fn a_paid_booking_is_confirmed_once_and_its_e_ticket_mailed() {
    let fake = FakePayments::start().await;
    let (app, queue, _) = app_for(&fake).await;
    let c = company(app).await;
    let t = trip(app, &c, 72).await;
    let p = passenger_with_email(app).await;
    let (_, held) = hold(app, &p, &t, 0, 2, &["1A", "1B"]).await;
    let id = held["data"]["id"].as_str().unwrap().to_owned();

    let (status, first) = pay(app, &p, &id).await;
    assert_eq!(status, 201, "{first}");
    assert_eq!(first["data"]["amount"], 4700);
    let (status, again) = pay(app, &p, &id).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(
        again["data"]["paymentId"], first["data"]["paymentId"],
        "one intent per booking"
    );
    let pi = first["data"]["paymentId"].as_str().unwrap().to_owned();
    assert!(pi.starts_with("pi_"));
    let (_, intents) = fake.get("/_fake/payment_intents");
    assert_eq!(intents.as_array().unwrap().len(), 1, "charged at most once");

    // Another passenger's token cannot pay it.
    assert_eq!(pay(app, &passenger(), &id).await.0, 404);

    let (status, _) = fake.post(
        &format!("/v1/payment_intents/{pi}/confirm"),
        "payment_method=pm_card_visa",
    );
    assert_eq!(status, 200);
    let body = provider_event(&fake, &pi, "payment_intent.succeeded").to_string();
    let metrics = shared::telemetry::capture();
    let (status, answer) = deliver(app, &body, WEBHOOK_SECRET, 0).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["data"]["duplicate"], false);
    assert_eq!(metrics.count(Business::PaymentSucceeded), 1);
    let b = booking(app, &id).await;
    assert_eq!(b.get_str("status").unwrap(), "confirmed");
    let tickets = transit::sales::tickets_of(app, &id).await.unwrap();
    assert_eq!(tickets.len(), 2);

    // The same event again: processed once.
    let (status, answer) = deliver(app, &body, WEBHOOK_SECRET, 0).await;
    assert_eq!((status, &answer["data"]["duplicate"]), (200, &json!(true)));
    assert_eq!(transit::sales::tickets_of(app, &id).await.unwrap().len(), 2);
    assert_eq!(metrics.count(Business::PaymentSucceeded), 1, "counted once");

    // A failure that arrives late never moves it backwards.
    let mut failed: Value = serde_json::from_str(&body).unwrap();
    failed["id"] = json!(unique("evt_"));
    failed["type"] = json!("payment_intent.payment_failed");
    assert_eq!(
        deliver(app, &failed.to_string(), WEBHOOK_SECRET, 0).await.0,
        200
    );
    assert_eq!(
        booking(app, &id).await.get_str("status").unwrap(),
        "confirmed"
    );
    assert_eq!(metrics.count(Business::PaymentFailed), 1);
    drop(metrics);

    // The e-ticket is a job of its own, mailed by the worker, with each
    // ticket's QR code inline (moto keeps the HTML, not the attachments).
    assert_eq!(work(app, &queue).await, 1);
    let mails = mails_about(&id);
    assert!(mails.iter().any(|s| s.contains("ticket")), "{mails:?}");
    let html = test_support::sent_mail()
        .into_iter()
        .find(|m| m["subject"].as_str().is_some_and(|s| s.contains(&id)))
        .map(|m| m["body"].as_str().unwrap_or_default().to_owned())
        .unwrap();
    for t in &tickets {
        let cid = format!("cid:ticket-{}", t.get_str("id").unwrap());
        assert!(html.contains(&cid), "{cid} in {html}");
    }
}

#[tokio::test]
async fn webhooks_without_a_valid_signature_change_nothing() {
    let fake = FakePayments::start().await;
    let (app, _, _) = app_for(&fake).await;
    let c = company(app).await;
    let t = trip(app, &c, 72).await;
    let p = passenger_with_email(app).await;
    let (_, held) = hold(app, &p, &t, 0, 2, &["2A"]).await;
    let id = held["data"]["id"].as_str().unwrap().to_owned();
    let (_, paid) = pay(app, &p, &id).await;
    let pi = paid["data"]["paymentId"].as_str().unwrap().to_owned();
    fake.post(
        &format!("/v1/payment_intents/{pi}/confirm"),
        "payment_method=pm_card_visa",
    );
    let body = provider_event(&fake, &pi, "payment_intent.succeeded").to_string();

    for (what, body, secret, skew) in [
        ("another secret", body.clone(), "whsec_other", 0),
        ("stale", body.clone(), WEBHOOK_SECRET, -301),
        ("from the future", body.clone(), WEBHOOK_SECRET, 301),
    ] {
        let (status, answer) = deliver(app, &body, secret, skew).await;
        assert_eq!(status, 400, "{what}: {answer}");
        assert_eq!(answer["details"][0]["field"], "header.Stripe-Signature");
    }
    // Signed, then altered.
    let t = jiff::Timestamp::now().as_second();
    let mut ev = event("payment", "payment-webhook");
    ev["body"] = Value::String(body.replace("succeeded", "succeeded "));
    ev["headers"]["stripe-signature"] = json!(format!(
        "t={t},v1={}",
        payment::signature::sign(WEBHOOK_SECRET, t, body.as_bytes())
    ));
    assert_eq!(
        call(payment::SERVICE, app, payment::webhook::receive, &ev)
            .await
            .0,
        400
    );
    // No signature at all.
    let mut ev = event("payment", "payment-webhook");
    ev["body"] = Value::String(body.clone());
    assert_eq!(
        call(payment::SERVICE, app, payment::webhook::receive, &ev)
            .await
            .0,
        400
    );

    assert_eq!(booking(app, &id).await.get_str("status").unwrap(), "held");
    assert!(
        transit::sales::tickets_of(app, &id)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn a_payment_after_the_seats_went_elsewhere_is_refunded_in_full() {
    let fake = FakePayments::start().await;
    let (app, queue, _) = app_for(&fake).await;
    let c = company(app).await;
    let t = trip(app, &c, 72).await;
    let p = passenger_with_email(app).await;
    let (_, held) = hold(app, &p, &t, 0, 2, &["3C"]).await;
    let id = held["data"]["id"].as_str().unwrap().to_owned();
    let (_, paid) = pay(app, &p, &id).await;
    let pi = paid["data"]["paymentId"].as_str().unwrap().to_owned();

    // The hold lapses and someone else takes the seat before the money lands.
    lapse(app, &t, &id, &["3C"], 0..2).await;
    assert_eq!(hold(app, &passenger(), &t, 1, 2, &["3C"]).await.0, 201);
    fake.post(
        &format!("/v1/payment_intents/{pi}/confirm"),
        "payment_method=pm_card_visa",
    );
    let body = provider_event(&fake, &pi, "payment_intent.succeeded").to_string();
    assert_eq!(deliver(app, &body, WEBHOOK_SECRET, 0).await.0, 200);

    let b = booking(app, &id).await;
    assert_eq!(b.get_str("status").unwrap(), "refunded");
    assert_eq!(b.get_i64("refundedAmount").unwrap(), 2350);
    assert!(
        transit::sales::tickets_of(app, &id)
            .await
            .unwrap()
            .is_empty(),
        "no ticket without a seat"
    );

    // The first worker run meets a provider failure: retried, not lost.
    fake.control(
        "/_fake/fail",
        &json!({"path": "/v1/refunds", "count": 1, "status": 500}),
    );
    let metrics = shared::telemetry::capture();
    assert_eq!(work(app, &queue).await, 0);
    assert_eq!(metrics.count(Business::RefundIssued), 0);
    assert_eq!(work(app, &queue).await, 1);
    assert_eq!(metrics.count(Business::RefundIssued), 1);
    drop(metrics);
    let (_, refunds) = fake.get("/_fake/refunds");
    let ours: Vec<&Value> = refunds
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["payment_intent"] == pi)
        .collect();
    assert_eq!(ours.len(), 1, "refunded once: {refunds}");
    assert_eq!(ours[0]["amount"], 2350, "in full");
    let refund = transit::refunds::of_booking(app, &id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(refund.get_str("status").unwrap(), "succeeded");
    assert!(mails_about(&id).iter().any(|s| s.contains("refunded")));
}

#[tokio::test]
async fn a_payment_of_the_wrong_amount_confirms_nothing() {
    let fake = FakePayments::start().await;
    let (app, queue, _) = app_for(&fake).await;
    let c = company(app).await;
    let t = trip(app, &c, 72).await;
    let p = passenger_with_email(app).await;
    let (_, held) = hold(app, &p, &t, 0, 2, &["4D"]).await;
    let id = held["data"]["id"].as_str().unwrap().to_owned();
    // An intent for less than the booking, paid: its event is authentic.
    let (status, intent) = fake.post(
        "/v1/payment_intents",
        &format!("amount=100&currency=eur&metadata[bookingId]={id}"),
    );
    assert_eq!(status, 200, "{intent}");
    let pi = intent["id"].as_str().unwrap().to_owned();
    fake.post(
        &format!("/v1/payment_intents/{pi}/confirm"),
        "payment_method=pm_card_visa",
    );
    let body = provider_event(&fake, &pi, "payment_intent.succeeded").to_string();
    assert_eq!(deliver(app, &body, WEBHOOK_SECRET, 0).await.0, 200);
    assert_eq!(booking(app, &id).await.get_str("status").unwrap(), "held");
    let refund = transit::refunds::of_booking(app, &id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(refund.get_str("reason").unwrap(), "amount_mismatch");
    assert_eq!(refund.get_i64("amount").unwrap(), 100);
    assert_eq!(work(app, &queue).await, 1, "the refund job ran");
}

#[tokio::test]
async fn a_declined_card_or_a_provider_outage_leaves_the_booking_held() {
    let fake = FakePayments::start().await;
    let (app, _, _) = app_for(&fake).await;
    let c = company(app).await;
    let t = trip(app, &c, 72).await;
    let p = passenger_with_email(app).await;
    let (_, held) = hold(app, &p, &t, 0, 2, &["5B"]).await;
    let id = held["data"]["id"].as_str().unwrap().to_owned();
    let (_, paid) = pay(app, &p, &id).await;
    let pi = paid["data"]["paymentId"].as_str().unwrap().to_owned();
    let (status, _) = fake.post(
        &format!("/v1/payment_intents/{pi}/confirm"),
        "payment_method=pm_card_chargeDeclined",
    );
    assert_eq!(status, 402);
    let body = provider_event(&fake, &pi, "payment_intent.payment_failed").to_string();
    assert_eq!(deliver(app, &body, WEBHOOK_SECRET, 0).await.0, 200);
    assert_eq!(booking(app, &id).await.get_str("status").unwrap(), "held");

    // The provider unreachable: 503, nothing created, still held.
    let mut config = stack_config();
    config.set(
        "PAYMENT_API_BASE",
        Some(&format!("http://127.0.0.1:{}", test_support::free_port())),
    );
    let down = shared::runtime::keep(App::new(config));
    let (_, second) = hold(down, &p, &t, 0, 2, &["5C"]).await;
    let second = second["data"]["id"].as_str().unwrap().to_owned();
    let (status, answer) = pay(down, &p, &second).await;
    assert_eq!(status, 503, "{answer}");
    assert_eq!(
        booking(app, &second).await.get_str("status").unwrap(),
        "held"
    );
    let (_, intents) = fake.get("/_fake/payment_intents");
    assert!(!intents.to_string().contains(&second), "nothing charged");
}

#[tokio::test]
async fn a_job_that_keeps_failing_lands_in_the_dead_letter_queue() {
    let fake = FakePayments::start().await;
    let (app, queue, dead) = app_for(&fake).await;
    // A refund job whose booking has no refund record fails every time.
    transit::events::publish(
        app,
        &transit::events::Event::RefundDue {
            booking_id: unique("b-"),
        },
    )
    .await
    .unwrap();
    for _ in 0..5 {
        assert_eq!(
            work(app, &queue).await,
            0,
            "reported failed, left on the queue"
        );
    }
    let sqs = app.sqs().await;
    let left = sqs
        .receive_message()
        .queue_url(&queue)
        .send()
        .await
        .unwrap();
    assert!(
        left.messages().is_empty(),
        "moved off the queue after 5 receives"
    );
    let parked = sqs.receive_message().queue_url(&dead).send().await.unwrap();
    assert_eq!(
        parked.messages().len(),
        1,
        "parked in the dead-letter queue"
    );
}

/// Runs the worker until its queue is empty (a failed job comes back at
/// once: `work` receives with no visibility timeout): how many runs it took.
async fn drain(app: &'static App, queue: &str) -> usize {
    for round in 1..=20 {
        work(app, queue).await;
        let left = app
            .sqs()
            .await
            .get_queue_attributes()
            .queue_url(queue)
            .attribute_names(aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessages)
            .send()
            .await
            .unwrap();
        let count = left.attributes().unwrap()
            [&aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessages]
            .clone();
        if count == "0" {
            return round;
        }
    }
    panic!("the queue never emptied");
}

async fn cancel_trip(app: &App, who: &Principal, trip: &str) -> (u16, Value) {
    let mut ev = test_support::as_principal(event("company", "cancel-trip"), who);
    ev["pathParameters"] = json!({"id": trip});
    call(company::SERVICE, app, company::trips::cancel, &ev).await
}

#[tokio::test]
async fn a_cancelled_trip_refunds_every_booking_once_even_when_the_provider_fails() {
    let fake = FakePayments::start().await;
    let (app, queue, dead) = app_for(&fake).await;
    let c = company(app).await;
    let t = trip(app, &c, 72).await;

    // Three passengers pay for their seats; a fourth only holds one.
    let mut paid = Vec::new();
    for seat in ["4A", "4B", "4C"] {
        let p = passenger_with_email(app).await;
        let (_, held) = hold(app, &p, &t, 0, 2, &[seat]).await;
        let id = held["data"]["id"].as_str().unwrap().to_owned();
        let (_, payment) = pay(app, &p, &id).await;
        let pi = payment["data"]["paymentId"].as_str().unwrap().to_owned();
        fake.post(
            &format!("/v1/payment_intents/{pi}/confirm"),
            "payment_method=pm_card_visa",
        );
        let body = provider_event(&fake, &pi, "payment_intent.succeeded").to_string();
        assert_eq!(deliver(app, &body, WEBHOOK_SECRET, 0).await.0, 200);
        paid.push((id, pi));
    }
    let holder = passenger_with_email(app).await;
    let (_, held) = hold(app, &holder, &t, 1, 2, &["9D"]).await;
    let held_id = held["data"]["id"].as_str().unwrap().to_owned();
    // One more starts paying before the cancellation and pays after it.
    let late = passenger_with_email(app).await;
    let (_, late_hold) = hold(app, &late, &t, 0, 2, &["8C"]).await;
    let late_id = late_hold["data"]["id"].as_str().unwrap().to_owned();
    let (_, payment) = pay(app, &late, &late_id).await;
    let late_pi = payment["data"]["paymentId"].as_str().unwrap().to_owned();
    drain(app, &queue).await; // the e-tickets

    // Only the company's admin cancels; staff and other companies cannot.
    assert_eq!(cancel_trip(app, &c.staff, &t.id).await.0, 403);
    let other = company(app).await;
    assert_eq!(cancel_trip(app, &other.admin, &t.id).await.0, 404);
    let (status, body) = cancel_trip(app, &c.admin, &t.id).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["status"], "cancelled");
    // Asked twice (a retry): still one refund per booking.
    assert_eq!(cancel_trip(app, &c.admin, &t.id).await.0, 200);

    // The late payment completes after the cancellation: no seat, a full refund.
    fake.post(
        &format!("/v1/payment_intents/{late_pi}/confirm"),
        "payment_method=pm_card_visa",
    );
    let body = provider_event(&fake, &late_pi, "payment_intent.succeeded").to_string();
    assert_eq!(deliver(app, &body, WEBHOOK_SECRET, 0).await.0, 200);
    assert_ne!(
        booking(app, &late_id).await.get_str("status").unwrap(),
        "confirmed"
    );
    paid.push((late_id.clone(), late_pi.clone()));

    // The provider fails once, mid-way through the refunds.
    fake.control(
        "/_fake/fail",
        &json!({"path": "/v1/refunds", "count": 1, "status": 500}),
    );
    drain(app, &queue).await;
    // The failure was met (and the refund it failed retried, below).
    let (_, pending) = fake.control(
        "/_fake/fail",
        &json!({"path": "/v1/none", "count": 1, "status": 500}),
    );
    assert!(
        !pending["failures"].to_string().contains("/v1/refunds"),
        "{pending}"
    );
    fake.control("/_fake/reset", &json!({}));

    let (_, refunds) = fake.get("/_fake/refunds");
    for (id, pi) in &paid {
        let ours: Vec<&Value> = refunds
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["payment_intent"] == pi.as_str())
            .collect();
        assert_eq!(ours.len(), 1, "{id} refunded once: {refunds}");
        assert_eq!(ours[0]["amount"], 2350, "in full");
        let b = booking(app, id).await;
        assert_eq!(b.get_str("status").unwrap(), "refunded");
        assert_eq!(b.get_i64("refundedAmount").unwrap(), 2350);
        let refund = transit::refunds::of_booking(app, id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(refund.get_str("status").unwrap(), "succeeded");
        let tickets = transit::sales::tickets_of(app, id).await.unwrap();
        assert!(tickets.iter().all(|t| t.get_str("status") == Ok("void")));
        let mails = mails_about(id);
        assert!(mails.iter().any(|s| s.contains("refunded")), "{mails:?}");
        if *id != late_id {
            assert_eq!(refund.get_str("reason").unwrap(), "trip_cancelled");
            assert!(mails.iter().any(|s| s.contains("cancelled")), "{mails:?}");
        }
    }
    assert_eq!(
        booking(app, &held_id).await.get_str("status").unwrap(),
        "released"
    );
    // Nothing is left for a person to look at, and the seats are free.
    let left = app
        .sqs()
        .await
        .receive_message()
        .queue_url(&dead)
        .send()
        .await
        .unwrap();
    assert!(
        left.messages().is_empty(),
        "nothing in the dead-letter queue"
    );
    assert!(
        transit::inventory::taken(app, &t.id)
            .await
            .unwrap()
            .is_empty()
    );
}
