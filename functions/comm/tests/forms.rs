//! The public forms against the real stack: one lead and one mail per
//! submission even when retried, leads kept when SES is down and sent later
//! by sync-to-crm, escaped HTML, spam defences.

use mongodb::bson::{Document, doc};
use serde_json::{Value, json};
use shared::{App, http::Role};
use test_support::{
    as_principal, call, event, principal, sent_mail, stack_app, stack_config, unique, unique_ip,
    with_body,
};

fn contact_event(body: &Value, key: Option<&str>, ip: &str) -> Value {
    let mut ev = with_body(event("comm", "contact"), body, ip);
    match key {
        Some(k) => ev["headers"]["idempotency-key"] = json!(k),
        None => {
            ev["headers"]
                .as_object_mut()
                .unwrap()
                .remove("idempotency-key");
        }
    }
    ev
}

async fn leads_from(app: &App, email: &str) -> Vec<Document> {
    use futures_util::TryStreamExt;
    crm::leads(app)
        .await
        .unwrap()
        .find(doc! {"email": email})
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap()
}

fn mail_to(address: &str) -> Vec<Value> {
    sent_mail()
        .into_iter()
        .filter(|m| m["destinations"]["ToAddresses"][0] == address)
        .collect()
}

fn mail_about(needle: &str) -> Vec<Value> {
    sent_mail()
        .into_iter()
        .filter(|m| m["body"].as_str().unwrap_or_default().contains(needle))
        .collect()
}

/// The retry sends every pending lead, whoever stored it: tests that leave a
/// lead pending or run the retry take turns, or one would send the other's
/// mail between its checks.
static RETRIES: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

#[tokio::test]
async fn a_contact_creates_one_lead_and_one_mail_even_when_posted_twice() {
    let app = stack_app();
    let email = format!("{}@example.com", unique("visitor"));
    let message = format!("Please call me about {}", unique("topic-"));
    let body = json!({"name": "Ada Visitor", "email": email, "message": message});
    let key = unique("idem-");
    let ip = unique_ip();

    let (s1, r1) = call(
        comm::SERVICE,
        &app,
        comm::forms::contact,
        &contact_event(&body, Some(&key), &ip),
    )
    .await;
    assert_eq!(s1, 201, "{r1}");
    assert_eq!(r1["data"]["mailStatus"], "sent");
    let (s2, r2) = call(
        comm::SERVICE,
        &app,
        comm::forms::contact,
        &contact_event(&body, Some(&key), &ip),
    )
    .await;
    assert_eq!(s2, 201, "{r2}");
    assert_eq!(
        r1["data"]["leadId"], r2["data"]["leadId"],
        "the retry is answered from the first result"
    );

    let leads = leads_from(&app, &email).await;
    assert_eq!(leads.len(), 1, "one lead");
    assert_eq!(leads[0].get_str("mailStatus").unwrap(), "sent");

    let to_sales: Vec<Value> = mail_about(&message)
        .into_iter()
        .filter(|m| m["destinations"]["ToAddresses"][0] == "sales@avaone.local")
        .collect();
    assert_eq!(to_sales.len(), 1, "one mail to sales");
    assert_eq!(
        to_sales[0]["subject"],
        "New contact message from Ada Visitor"
    );
    assert_eq!(to_sales[0]["source"], app.config.sender_email().unwrap());
    let confirmations = mail_to(&email);
    assert_eq!(confirmations.len(), 1, "one confirmation to the sender");
    // The confirmation repeats nothing that was typed: not a relay.
    let confirmation = confirmations[0]["body"].as_str().unwrap();
    assert!(!confirmation.contains(&message), "{confirmation}");
    assert!(!confirmation.contains("Ada Visitor"), "{confirmation}");

    // Same key, different body: refused, nothing new stored.
    let other = json!({"name": "Ada Visitor", "email": email, "message": "something else"});
    assert_eq!(
        call(
            comm::SERVICE,
            &app,
            comm::forms::contact,
            &contact_event(&other, Some(&key), &ip)
        )
        .await
        .0,
        409
    );
    assert_eq!(leads_from(&app, &email).await.len(), 1);
}

/// The stack's app with SES refusing connections (nothing listens on its
/// port), answering quickly.
fn app_with_ses_down() -> App {
    let mut config = stack_config();
    let closed = test_support::free_port();
    config.ses_endpoint_url = Some(format!("http://127.0.0.1:{closed}"));
    config.dependency_timeout = std::time::Duration::from_millis(800);
    App::new(config)
}

#[tokio::test]
async fn with_ses_down_the_lead_is_kept_and_sync_sends_it_later() {
    let _turn = RETRIES.lock().await;
    let broken = app_with_ses_down();
    let email = format!("{}@example.com", unique("pending"));
    let body = json!({"name": "Pat Pending", "email": email, "message": "Mail will come later"});

    let metrics = shared::telemetry::capture();
    let (status, resp) = call(
        comm::SERVICE,
        &broken,
        comm::forms::contact,
        &contact_event(&body, None, &unique_ip()),
    )
    .await;
    assert_eq!(status, 202, "{resp}");
    assert_eq!(resp["data"]["mailStatus"], "pending");
    assert_eq!(
        metrics.count(shared::telemetry::Business::MailLeftPending),
        1
    );
    drop(metrics);
    let lead = &leads_from(&broken, &email).await[0];
    assert_eq!(lead.get_str("mailStatus").unwrap(), "pending");
    assert!(mail_to(&email).is_empty(), "nothing sent yet");

    // Only the super admin may run the sync.
    let app = stack_app();
    let ev = as_principal(
        event("comm", "sync-to-crm"),
        &principal(Role::ADMIN, Some("acme"), "u-1"),
    );
    assert_eq!(
        call(comm::SERVICE, &app, comm::sync::handle, &ev).await.0,
        403
    );

    let ev = as_principal(
        event("comm", "sync-to-crm"),
        &principal(Role::SUPER_ADMIN, None, "super-admin"),
    );
    let (status, resp) = call(comm::SERVICE, &app, comm::sync::handle, &ev).await;
    assert_eq!(status, 200, "{resp}");
    assert!(resp["data"]["sent"].as_u64().unwrap() >= 1, "{resp}");
    assert_eq!(
        leads_from(&app, &email).await[0]
            .get_str("mailStatus")
            .unwrap(),
        "sent"
    );
    assert_eq!(mail_to(&email).len(), 1, "the confirmation went out once");
    // A second sync sends nothing twice.
    call(comm::SERVICE, &app, comm::sync::handle, &ev).await;
    assert_eq!(mail_to(&email).len(), 1);
}

/// The schedule (`retry-pending-mail`, every 15 minutes) retries on its own:
/// nothing is sent while SES is down, and the mail goes once it answers.
#[tokio::test]
async fn the_scheduled_retry_sends_pending_mail_once_ses_answers() {
    let _turn = RETRIES.lock().await;
    let broken: &'static App = shared::runtime::keep(app_with_ses_down());
    let email = format!("{}@example.com", unique("scheduled"));
    let body = json!({"name": "Sam Scheduled", "email": email, "message": "Mail by the schedule"});
    let (status, resp) = call(
        comm::SERVICE,
        broken,
        comm::forms::contact,
        &contact_event(&body, None, &unique_ip()),
    )
    .await;
    assert_eq!(status, 202, "{resp}");
    let scheduled = || {
        serde_json::from_value(event("comm", "retry-pending-mail")).expect("an EventBridge event")
    };

    comm::sync::retry_pending(broken, scheduled())
        .await
        .expect("SES down is not a failed run");
    let lead = &leads_from(broken, &email).await[0];
    assert_eq!(lead.get_str("mailStatus").unwrap(), "pending");
    assert!(mail_to(&email).is_empty());

    let app: &'static App = shared::runtime::keep(stack_app());
    comm::sync::retry_pending(app, scheduled()).await.unwrap();
    assert_eq!(
        leads_from(app, &email).await[0]
            .get_str("mailStatus")
            .unwrap(),
        "sent"
    );
    assert_eq!(mail_to(&email).len(), 1, "the confirmation went out once");
    comm::sync::retry_pending(app, scheduled()).await.unwrap();
    assert_eq!(mail_to(&email).len(), 1, "a later run sends nothing twice");
}

#[tokio::test]
async fn html_injection_is_escaped_in_the_html_mail() {
    let app = stack_app();
    let email = format!("{}@example.com", unique("xss"));
    let marker = unique("m");
    let body = json!({"name": "<img src=x onerror=alert(1)>", "email": email,
                      "message": format!("<script>steal()</script> {marker} & <b>bold</b>")});
    assert_eq!(
        call(
            comm::SERVICE,
            &app,
            comm::forms::contact,
            &contact_event(&body, None, &unique_ip())
        )
        .await
        .0,
        201
    );
    let mails = mail_about(&marker);
    assert_eq!(
        mails.len(),
        1,
        "the sales mail (the confirmation repeats nothing typed)"
    );
    let confirmation = mail_to(&email);
    assert_eq!(confirmation.len(), 1);
    assert!(
        !confirmation[0]["body"]
            .as_str()
            .unwrap()
            .contains("onerror")
    );
    for m in mails {
        let html = m["body"].as_str().unwrap();
        assert!(
            html.contains("&lt;script&gt;steal()&lt;/script&gt;"),
            "{html}"
        );
        assert!(
            html.contains("&lt;img src=x onerror=alert(1)&gt;"),
            "{html}"
        );
        assert!(
            !html.contains("<script>") && !html.contains("<img"),
            "{html}"
        );
    }
}

#[tokio::test]
async fn every_form_validates_with_field_names() {
    let app = stack_app();
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "contact",
            json!({"name": "A", "email": "not-an-email", "message": "hi"}),
            "email",
        ),
        (
            "contact",
            json!({"name": "A", "email": "a@b.co"}),
            "message",
        ),
        (
            "contact",
            json!({"name": "A", "email": "a@b.co", "message": "x".repeat(5001)}),
            "message",
        ),
        (
            "contact",
            json!({"name": "A", "email": "a@b.co", "message": "hi", "phone": "call me"}),
            "phone",
        ),
        (
            "send-meeting-request",
            json!({"name": "A", "email": "a@b.co", "date": "2020-01-01", "time": "10:00"}),
            "date",
        ),
        (
            "send-meeting-request",
            json!({"name": "A", "email": "a@b.co", "date": "2026-13-40", "time": "10:00"}),
            "date",
        ),
        (
            "send-meeting-request",
            json!({"name": "A", "email": "a@b.co", "date": "2099-01-01", "time": "10:00"}),
            "date",
        ),
        (
            "send-meeting-request",
            json!({"name": "A", "email": "a@b.co", "date": "2026-12-24", "time": "25:61"}),
            "time",
        ),
        (
            "send-pricing-inquiry",
            json!({"name": "A", "email": "a@b.co"}),
            "company",
        ),
        (
            "send-pricing-inquiry",
            json!({"name": "A", "email": "a@b.co", "company": "C", "seats": -1}),
            "seats",
        ),
        (
            "send-contact-form",
            json!({"name": "A", "email": "a@b.co", "message": "hi", "admin": true}),
            "admin",
        ),
    ];
    for (route, body, field) in cases {
        let ev = with_body(event("comm", route), &body, &unique_ip());
        let handler = match route {
            "contact" => |a, r| {
                Box::pin(comm::forms::contact(a, r)) as std::pin::Pin<Box<dyn Future<Output = _>>>
            },
            "send-contact-form" => |a, r| {
                Box::pin(comm::forms::contact_form(a, r))
                    as std::pin::Pin<Box<dyn Future<Output = _>>>
            },
            "send-meeting-request" => |a, r| {
                Box::pin(comm::forms::meeting_request(a, r))
                    as std::pin::Pin<Box<dyn Future<Output = _>>>
            },
            _ => |a, r| {
                Box::pin(comm::forms::pricing_inquiry(a, r))
                    as std::pin::Pin<Box<dyn Future<Output = _>>>
            },
        };
        let (status, resp) = call(comm::SERVICE, &app, handler, &ev).await;
        assert_eq!(status, 400, "{route} {body} → {resp}");
        assert!(
            resp["details"]
                .as_array()
                .unwrap()
                .iter()
                .any(|d| d["field"] == field),
            "{route} {body} → {resp}"
        );
    }
}

#[tokio::test]
async fn meeting_and_pricing_forms_store_their_details() {
    let app = stack_app();
    let email = format!("{}@example.com", unique("meet"));
    let tomorrow = (time::OffsetDateTime::now_utc().date() + time::Duration::days(1)).to_string();
    let body = json!({"name": "Mia", "email": email, "date": tomorrow, "time": "09:30", "timezone": "Europe/Berlin", "topic": "Demo"});
    let (status, resp) = call(
        comm::SERVICE,
        &app,
        comm::forms::meeting_request,
        &with_body(event("comm", "send-meeting-request"), &body, &unique_ip()),
    )
    .await;
    assert_eq!(status, 201, "{resp}");
    let lead = &leads_from(&app, &email).await[0];
    assert_eq!(lead.get_str("type").unwrap(), "meeting");
    assert_eq!(
        lead.get_document("details")
            .unwrap()
            .get_str("timezone")
            .unwrap(),
        "Europe/Berlin"
    );
    // Sales gets the details (the confirmation to the sender repeats none).
    let to_sales: Vec<Value> = mail_about(&email)
        .into_iter()
        .filter(|m| m["destinations"]["ToAddresses"][0] == "sales@avaone.local")
        .collect();
    assert!(to_sales[0]["body"].as_str().unwrap().contains("09:30"));
    assert!(
        !mail_to(&email)[0]["body"]
            .as_str()
            .unwrap()
            .contains("09:30")
    );

    let email = format!("{}@example.com", unique("price"));
    let body = json!({"name": "Raj", "email": email, "company": "Globex", "plan": "Business", "seats": 120});
    let (status, _) = call(
        comm::SERVICE,
        &app,
        comm::forms::pricing_inquiry,
        &with_body(event("comm", "send-pricing-inquiry"), &body, &unique_ip()),
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(
        leads_from(&app, &email).await[0]
            .get_document("details")
            .unwrap()
            .get_i64("seats")
            .unwrap(),
        120
    );
}

#[tokio::test]
async fn honeypot_hits_are_dropped_and_floods_are_limited() {
    // Counting up to a limit: stay inside one rate-limit window.
    test_support::within_one_window(comm::forms::FORM_LIMIT, std::time::Duration::from_secs(30))
        .await;
    let app = stack_app();
    let email = format!("{}@example.com", unique("bot"));
    let body = json!({"name": "Bot", "email": email, "message": "Buy now", "website": "http://spam.example"});
    let (status, _) = call(
        comm::SERVICE,
        &app,
        comm::forms::contact,
        &contact_event(&body, None, &unique_ip()),
    )
    .await;
    assert_eq!(status, 202, "looks accepted to the bot");
    assert!(
        leads_from(&app, &email).await.is_empty(),
        "but nothing is stored"
    );
    assert!(mail_to(&email).is_empty());

    let ip = unique_ip();
    let max = comm::forms::FORM_LIMIT.max;
    for i in 0..max {
        let body =
            json!({"name": "Flood", "email": format!("flood{i}@example.com"), "message": "again"});
        assert_eq!(
            call(
                comm::SERVICE,
                &app,
                comm::forms::contact,
                &contact_event(&body, None, &ip)
            )
            .await
            .0,
            201
        );
    }
    let body = json!({"name": "Flood", "email": "flood-last@example.com", "message": "again"});
    let (status, resp) = call(
        comm::SERVICE,
        &app,
        comm::forms::contact,
        &contact_event(&body, None, &ip),
    )
    .await;
    assert_eq!(status, 429, "{resp}");
}

#[tokio::test]
async fn the_forms_are_not_a_mail_relay() {
    // Counting up to a limit: stay inside one rate-limit window.
    test_support::within_one_window(
        comm::leads::CONFIRMATIONS_PER_ADDRESS,
        std::time::Duration::from_secs(30),
    )
    .await;
    let app = stack_app();
    // Someone types a victim's address, with their own text, again and again
    // from different addresses (so the per-IP limit does not stop them).
    let victim = format!("{}@example.com", unique("victim"));
    let spam = unique("Buy cheap watches at evil.example ");
    let cap = comm::leads::CONFIRMATIONS_PER_ADDRESS.max as usize;
    for _ in 0..cap + 3 {
        let body = json!({"name": "Totally Legit", "email": victim, "message": spam,
                          "subject": "You won!"});
        let (status, resp) = call(
            comm::SERVICE,
            &app,
            comm::forms::contact,
            &contact_event(&body, None, &unique_ip()),
        )
        .await;
        assert_eq!(status, 201, "{resp}");
    }
    // Every lead is kept and reaches sales...
    assert_eq!(leads_from(&app, &victim).await.len(), cap + 3);
    assert_eq!(mail_about(&spam).len(), cap + 3, "sales got every lead");
    // ...but the victim gets at most `cap` mails, none carrying the text.
    let to_victim = mail_to(&victim);
    assert_eq!(to_victim.len(), cap, "confirmations are capped per address");
    for m in &to_victim {
        let text = format!("{} {}", m["subject"], m["body"]);
        assert!(
            !text.contains(&spam) && !text.contains("You won") && !text.contains("Legit"),
            "{text}"
        );
    }
    let skipped = leads_from(&app, &victim)
        .await
        .iter()
        .filter(|l| {
            l.get_document("mail")
                .is_ok_and(|m| m.get_bool("confirmationSkipped") == Ok(true))
        })
        .count();
    assert_eq!(skipped, 3);
}

#[tokio::test]
async fn sync_never_sends_a_lead_its_request_is_still_delivering() {
    let _turn = RETRIES.lock().await;
    let app = stack_app();
    let email = format!("{}@example.com", unique("racing"));
    let marker = unique("race-");
    let stored = comm::leads::store(
        &app,
        doc! {"type": "contact", "name": "Ray Race", "email": &email, "message": &marker},
    )
    .await
    .unwrap();
    let id = stored.lead.get_str("id").unwrap().to_owned();
    let sync = as_principal(
        event("comm", "sync-to-crm"),
        &principal(Role::SUPER_ADMIN, None, "super-admin"),
    );

    // The request that stored it holds it: a sync now leaves it alone...
    assert_eq!(
        call(comm::SERVICE, &app, comm::sync::handle, &sync).await.0,
        200
    );
    assert!(mail_about(&marker).is_empty(), "sync raced the request");
    // ...and the request delivers it, once.
    assert!(
        comm::leads::deliver(&app, &id, &stored.claim)
            .await
            .unwrap()
    );
    call(comm::SERVICE, &app, comm::sync::handle, &sync).await;
    assert_eq!(mail_about(&marker).len(), 1, "one mail to sales");
    assert_eq!(mail_to(&email).len(), 1, "one confirmation");

    // A lead whose deliverer died (its claim lapsed) is taken over by sync.
    let orphan = comm::leads::store(
        &app,
        doc! {"type": "contact", "name": "Olive Orphan", "email": format!("o-{email}"), "message": format!("orphan {marker}")},
    )
    .await
    .unwrap();
    let orphan_id = orphan.lead.get_str("id").unwrap().to_owned();
    crm::leads(&app)
        .await
        .unwrap()
        .update_one(
            doc! {"id": &orphan_id},
            doc! {"$set": {"mail.claim.until": 0_i64}},
        )
        .await
        .unwrap();
    call(comm::SERVICE, &app, comm::sync::handle, &sync).await;
    assert_eq!(mail_about(&format!("orphan {marker}")).len(), 1);
    assert_eq!(
        leads_from(&app, &format!("o-{email}")).await[0]
            .get_str("mailStatus")
            .unwrap(),
        "sent"
    );
}
