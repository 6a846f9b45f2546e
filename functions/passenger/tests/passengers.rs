//! The passenger routes against the local stack: the mailed code read back
//! from the SES emulator, the sessions in DynamoDB, the accounts in MongoDB.

use passenger::{SERVICE, codes, login, password, profile, register};
use serde_json::{Value, json};
use shared::{App, http::Role};
use test_support::{
    as_principal, call, event, principal, sent_mail, stack_app, unique, unique_ip, with_bearer,
    with_body,
};

fn address() -> String {
    format!("{}@travel.example", unique("p-"))
}

fn post(name: &str, body: Value, ip: &str) -> Value {
    with_body(event("passenger", name), &body, ip)
}

/// Every mail to `to`, oldest first.
fn mail_to(to: &str) -> Vec<Value> {
    sent_mail()
        .into_iter()
        .filter(|m| m["destinations"]["ToAddresses"][0] == to)
        .collect()
}

/// The code of the newest code mail to `to`, from its subject.
fn code_mailed_to(to: &str) -> String {
    let mail = mail_to(to);
    let subject = mail
        .iter()
        .rev()
        .filter_map(|m| m["subject"].as_str())
        .find(|s| s.starts_with("Your AvaOne Transit code: "))
        .unwrap_or_else(|| panic!("no code mail to {to}: {mail:?}"));
    subject.rsplit(' ').next().unwrap().to_owned()
}

async fn register_as(app: &App, email: &str, password: &str) -> (u16, Value) {
    call(
        SERVICE,
        app,
        register::register,
        &post(
            "passenger-register",
            json!({"email": email, "password": password, "name": "Ana Lima", "phone": "+351 912 345 678"}),
            &unique_ip(),
        ),
    )
    .await
}

async fn verify(app: &App, email: &str, code: &str) -> (u16, Value) {
    call(
        SERVICE,
        app,
        register::verify_email,
        &post(
            "passenger-verify-email",
            json!({"email": email, "code": code}),
            &unique_ip(),
        ),
    )
    .await
}

async fn log_in(app: &App, email: &str, password: &str) -> (u16, Value) {
    call(
        SERVICE,
        app,
        login::login,
        &post(
            "passenger-login",
            json!({"email": email, "password": password}),
            &unique_ip(),
        ),
    )
    .await
}

async fn me(app: &App, token: &str) -> (u16, Value) {
    let ev = with_bearer(event("passenger", "passenger-profile"), Some(token));
    call(SERVICE, app, profile::get, &ev).await
}

/// A verified passenger: (email, access token, refresh token).
async fn verified_passenger(app: &App, password: &str) -> (String, String, String) {
    let email = address();
    assert_eq!(register_as(app, &email, password).await.0, 202);
    let (status, body) = verify(app, &email, &code_mailed_to(&email)).await;
    assert_eq!(status, 200, "{body}");
    let data = &body["data"];
    (
        email,
        data["accessToken"].as_str().unwrap().to_owned(),
        data["refreshToken"].as_str().unwrap().to_owned(),
    )
}

#[tokio::test]
async fn register_verify_with_the_mailed_code_login_and_profile() {
    let app = stack_app();
    let email = address();
    let (status, body) = register_as(&app, &email.to_uppercase(), "Long-Passw0rd!").await;
    assert_eq!(status, 202, "{body}");
    let code = code_mailed_to(&email);
    assert_eq!(code.len(), 6);
    assert!(
        !mail_to(&email)[0]["body"]
            .as_str()
            .unwrap()
            .contains("Long-Passw0rd"),
        "no password in mail"
    );

    // Not verified yet: the right password is refused with its own code.
    let (status, body) = log_in(&app, &email, "Long-Passw0rd!").await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["code"], "EMAIL_NOT_VERIFIED");

    let wrong = if code == "000000" { "000001" } else { "000000" };
    let (status, body) = verify(&app, &email, wrong).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["details"][0]["field"], "code");

    let (status, body) = verify(&app, &email, &code).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["user"]["role"], "passenger");
    assert_eq!(body["data"]["user"]["email"], email.as_str());
    assert!(body["data"]["refreshToken"].is_string());
    let (status, _) = verify(&app, &email, &code).await;
    assert_eq!(status, 400, "a code is single-use");

    let (status, body) = log_in(&app, &email, "Long-Passw0rd!").await;
    assert_eq!(status, 200, "{body}");
    let token = body["data"]["accessToken"].as_str().unwrap().to_owned();
    let (status, wrong_pw) = log_in(&app, &email, "Wrong-Passw0rd!").await;
    assert_eq!(status, 401);
    let (status, unknown) = log_in(&app, &address(), "Wrong-Passw0rd!").await;
    assert_eq!(status, 401);
    assert_eq!(wrong_pw["error"], unknown["error"], "no enumeration");

    let (status, body) = me(&app, &token).await;
    assert_eq!(status, 200, "{body}");
    let profile = &body["data"];
    assert_eq!(profile["email"], email.as_str());
    assert_eq!(profile["name"], "Ana Lima");
    assert_eq!(profile["phone"], "+351 912 345 678");
    assert!(profile["createdAt"].as_str().unwrap().ends_with('Z'));
    assert!(profile.get("passwordHash").is_none());

    let ev = with_bearer(
        with_body(
            event("passenger", "passenger-update-profile"),
            &json!({"name": "Ana M. Lima", "phone": ""}),
            &unique_ip(),
        ),
        Some(&token),
    );
    let (status, body) = call(SERVICE, &app, profile::update, &ev).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["name"], "Ana M. Lima");
    assert_eq!(body["data"]["phone"], "");

    let ev = with_bearer(
        with_body(
            event("passenger", "passenger-update-profile"),
            &json!({"phone": "x".repeat(33), "email": "other@x.example"}),
            &unique_ip(),
        ),
        Some(&token),
    );
    let (status, body) = call(SERVICE, &app, profile::update, &ev).await;
    assert_eq!(status, 400, "{body}");
}

#[tokio::test]
async fn a_taken_address_gets_the_same_answer_and_a_mail_instead_of_a_code() {
    let app = stack_app();
    let (email, _, _) = verified_passenger(&app, "Long-Passw0rd!").await;
    let mails_before = mail_to(&email).len();
    let (status, taken) = register_as(&app, &email, "Other-Passw0rd!").await;
    assert_eq!(status, 202);
    let (_, fresh) = register_as(&app, &address(), "Other-Passw0rd!").await;
    assert_eq!(taken["data"], fresh["data"], "no enumeration");
    let mail = mail_to(&email);
    assert_eq!(mail.len(), mails_before + 1);
    let last = mail.last().unwrap();
    assert!(
        last["body"]
            .as_str()
            .unwrap()
            .contains("already have an account")
    );
    assert!(!last["subject"].as_str().unwrap().contains("code"));
    // The existing password still works; the attempt changed nothing.
    assert_eq!(log_in(&app, &email, "Long-Passw0rd!").await.0, 200);
    assert_eq!(log_in(&app, &email, "Other-Passw0rd!").await.0, 401);
}

#[tokio::test]
async fn forgot_and_reset_change_the_password_and_end_every_session() {
    let app = stack_app();
    let (email, access, refresh) = verified_passenger(&app, "Long-Passw0rd!").await;
    let (_, second) = log_in(&app, &email, "Long-Passw0rd!").await;
    let second_refresh = second["data"]["refreshToken"].as_str().unwrap().to_owned();
    assert_eq!(me(&app, &access).await.0, 200);

    let forgot = |email: String| {
        let app = &app;
        async move {
            call(
                SERVICE,
                app,
                password::forgot,
                &post(
                    "passenger-forgot-password",
                    json!({"email": email}),
                    &unique_ip(),
                ),
            )
            .await
        }
    };
    let (status, known) = forgot(email.clone()).await;
    assert_eq!(status, 202);
    let nobody = address();
    let (status, unknown) = forgot(nobody.clone()).await;
    assert_eq!(status, 202);
    assert_eq!(known["data"], unknown["data"], "no enumeration");
    assert!(mail_to(&nobody).is_empty());
    let code = code_mailed_to(&email);

    let reset = |code: String, new: &'static str| {
        let app = &app;
        let email = email.clone();
        async move {
            call(
                SERVICE,
                app,
                password::reset,
                &post(
                    "passenger-reset-password",
                    json!({"email": email, "code": code, "newPassword": new}),
                    &unique_ip(),
                ),
            )
            .await
        }
    };
    let (status, body) = reset(code.clone(), "short").await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["details"][0]["field"], "newPassword");
    let (status, body) = reset(code.clone(), "Brand-New-Passw0rd").await;
    assert_eq!(status, 200, "{body}");
    assert!(body["data"]["sessionsEnded"].as_u64().unwrap() >= 2);

    // Every session of the passenger ended: access and both refresh tokens.
    assert_eq!(me(&app, &access).await.0, 401);
    for token in [&refresh, &second_refresh] {
        let err = shared::identity::tokens::spend(&app, token)
            .await
            .err()
            .expect("a refresh token of an ended session is refused");
        assert_eq!(err.status().as_u16(), 401);
    }
    assert_eq!(log_in(&app, &email, "Long-Passw0rd!").await.0, 401);
    assert_eq!(log_in(&app, &email, "Brand-New-Passw0rd").await.0, 200);
    assert_eq!(reset(code, "Another-Passw0rd!").await.0, 400, "single-use");
}

#[tokio::test]
async fn a_code_allows_five_tries_then_none() {
    let app = stack_app();
    let email = address();
    let code = codes::issue(&app, codes::Purpose::VerifyEmail, &email)
        .await
        .unwrap();
    let wrong = if code == "111111" { "222222" } else { "111111" };
    for _ in 0..codes::TRIES {
        assert!(
            !codes::redeem(&app, codes::Purpose::VerifyEmail, &email, wrong)
                .await
                .unwrap()
        );
    }
    assert!(
        !codes::redeem(&app, codes::Purpose::VerifyEmail, &email, &code)
            .await
            .unwrap(),
        "the budget is spent: even the right code is refused"
    );
    // Purposes do not mix: a verification code does not reset a password.
    let code = codes::issue(&app, codes::Purpose::VerifyEmail, &email)
        .await
        .unwrap();
    assert!(
        !codes::redeem(&app, codes::Purpose::ResetPassword, &email, &code)
            .await
            .unwrap()
    );
    assert!(
        codes::redeem(&app, codes::Purpose::VerifyEmail, &email, &code)
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn abuse_limits_per_address_and_per_ip() {
    let app = stack_app();
    // 3 per address per 15 minutes, from any IPs.
    let email = address();
    for _ in 0..3 {
        let ev = post(
            "passenger-forgot-password",
            json!({"email": email}),
            &unique_ip(),
        );
        assert_eq!(call(SERVICE, &app, password::forgot, &ev).await.0, 202);
    }
    let ev = post(
        "passenger-forgot-password",
        json!({"email": email}),
        &unique_ip(),
    );
    let (status, body) = call(SERVICE, &app, password::forgot, &ev).await;
    assert_eq!(status, 429, "{body}");
    // 20 per IP per 15 minutes, whatever the addresses.
    let ip = unique_ip();
    for _ in 0..20 {
        let ev = post(
            "passenger-forgot-password",
            json!({"email": address()}),
            &ip,
        );
        assert_eq!(call(SERVICE, &app, password::forgot, &ev).await.0, 202);
    }
    let ev = post(
        "passenger-forgot-password",
        json!({"email": address()}),
        &ip,
    );
    assert_eq!(call(SERVICE, &app, password::forgot, &ev).await.0, 429);
}

#[tokio::test]
async fn bad_bodies_are_400_naming_the_field() {
    let app = stack_app();
    for (body, field) in [
        (
            json!({"email": "not-an-address", "password": "Long-Passw0rd!", "name": "A"}),
            "email",
        ),
        (
            json!({"email": address(), "password": "short", "name": "A"}),
            "password",
        ),
        (
            json!({"email": address(), "password": "Long-Passw0rd!", "name": " "}),
            "name",
        ),
        (
            json!({"email": address(), "password": "Long-Passw0rd!", "name": "A", "phone": "1".repeat(33)}),
            "phone",
        ),
        (
            json!({"email": {"$ne": null}, "password": "Long-Passw0rd!", "name": "A"}),
            "email",
        ),
        (
            json!({"email": address(), "password": "Long-Passw0rd!", "name": "A", "role": "admin"}),
            "role",
        ),
    ] {
        let (status, resp) = call(
            SERVICE,
            &app,
            register::register,
            &post("passenger-register", body.clone(), &unique_ip()),
        )
        .await;
        assert_eq!(status, 400, "{body} → {resp}");
        assert!(
            resp["details"]
                .as_array()
                .unwrap()
                .iter()
                .any(|d| d["field"] == field),
            "{body} → {resp}"
        );
    }
    let (status, resp) = verify(&app, &address(), "12345").await;
    assert_eq!(status, 400);
    assert_eq!(resp["details"][0]["field"], "code");
}

#[tokio::test]
async fn only_passengers_have_a_profile() {
    let app = stack_app();
    for who in [
        principal(Role::ADMIN, Some("acme"), "u-admin"),
        principal(Role::DRIVER, Some("acme"), "u-driver"),
        principal(Role::SUPER_ADMIN, None, "super-admin"),
    ] {
        let ev = as_principal(event("passenger", "passenger-profile"), &who);
        let (status, body) = call(SERVICE, &app, profile::get, &ev).await;
        assert_eq!(status, 403, "{who:?}: {body}");
    }
    let ev = with_bearer(event("passenger", "passenger-profile"), None);
    assert_eq!(call(SERVICE, &app, profile::get, &ev).await.0, 401);
}

#[tokio::test]
async fn the_dashboard_sums_the_passengers_own_bookings() {
    use mongodb::bson::{DateTime, doc};
    let app = stack_app();
    let (email, token, _) = verified_passenger(&app, "Long-Passw0rd!").await;
    let (_, profile) = me(&app, &token).await;
    let me_id = profile["data"]["id"].as_str().unwrap().to_owned();
    let dashboard = |token: String| {
        let app = &app;
        async move {
            let ev = with_bearer(event("passenger", "passenger-dashboard"), Some(&token));
            call(SERVICE, app, passenger::dashboard::get, &ev).await
        }
    };
    // Nothing booked yet: an empty dashboard, not an error.
    let (status, body) = dashboard(token.clone()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["upcomingTrips"], json!([]));
    assert_eq!(body["data"]["pastTripCount"], 0);
    assert_eq!(body["data"]["lastBooking"], Value::Null);

    let now = DateTime::now().timestamp_millis();
    let at = |hours: i64| DateTime::from_millis(now + hours * 3_600_000);
    let stop = |city: &str| doc! {"stopId": format!("s-{city}"), "name": city, "city": city};
    let booking = |passenger: &str,
                   status: &str,
                   departs: i64,
                   amount: i64,
                   refunded: i64,
                   currency: &str,
                   created: i64| {
        doc! {
            "id": unique("b-"), "companyId": "acme", "passengerId": passenger, "tripId": unique("t-"),
            "status": status, "departureAt": at(departs), "fromStop": stop("Lisbon"), "toStop": stop("Porto"),
            "seats": [{"seat": "1A", "passengerName": "Ana"}], "amount": amount, "refundedAmount": refunded,
            "currency": currency, "createdAt": at(created),
        }
    };
    let rows = [
        booking(&me_id, "confirmed", 48, 2350, 0, "EUR", -5),
        booking(&me_id, "confirmed", 24, 1250, 0, "EUR", -4),
        booking(&me_id, "confirmed", -24, 1100, 0, "EUR", -50),
        booking(&me_id, "partially_refunded", -100, 2000, 1000, "GBP", -120),
        booking(&me_id, "held", 72, 999, 0, "EUR", -1),
        booking("someone-else", "confirmed", 10, 777_777, 0, "EUR", 0),
    ];
    transit::db(&app)
        .await
        .unwrap()
        .collection::<mongodb::bson::Document>(transit::bookings::BOOKINGS)
        .insert_many(rows.iter())
        .await
        .unwrap();
    let (status, body) = dashboard(token).await;
    assert_eq!(status, 200, "{body}");
    let d = &body["data"];
    let upcoming = d["upcomingTrips"].as_array().unwrap();
    assert_eq!(upcoming.len(), 2, "{d}");
    assert_eq!(
        upcoming[0]["bookingId"],
        rows[1].get_str("id").unwrap(),
        "soonest first"
    );
    assert_eq!(upcoming[0]["fromStop"]["city"], "Lisbon");
    assert_eq!(upcoming[0]["seats"], json!(["1A"]));
    assert_eq!(d["pastTripCount"], 1);
    assert_eq!(
        d["spent"],
        json!([{"currency": "EUR", "amount": 4700}, {"currency": "GBP", "amount": 1000}]),
        "paid minus refunded, per currency; holds and other passengers excluded"
    );
    assert_eq!(d["lastBooking"]["id"], rows[4].get_str("id").unwrap());
    assert_eq!(d["lastBooking"]["status"], "held");
    let _ = email;
}
