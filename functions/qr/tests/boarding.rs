//! Tickets on the day of travel against the real stores (TRANSIT.md §4,
//! invariants 4 and 5): signed codes that verify with `/ticket-keys` alone,
//! QR images that decode back to the code, boarding once, offline batches
//! where the earliest scan wins, and manifests only for the trip's crew.

// The handlers' futures nest deeper than rustc's default layout query
// depth once wrapped in the test's calls.
#![recursion_limit = "256"]

use std::future::Future;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use jiff::{SignedDuration, Timestamp};
use lambda_http::Request;
use serde_json::{Value, json};
use shared::{
    App,
    config::SecretKind,
    http::{ApiError, Principal, Reply, Role, TokenVerifier, dispatch},
    identity::JwtVerifier,
    telemetry::Business,
};
use test_support::{
    as_principal, call, event, principal, request, signed_in, stack_app, stack_config, unique,
    with_query,
};
use transit::codes::{self, TicketClaims};
use transit_fixtures::*;

fn app() -> &'static App {
    Box::leak(Box::new(stack_app()))
}

/// Calls `handler` as API Gateway would after the authorizer allowed `who`.
async fn send<'a, F, Fut>(
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
    let mut ev = event("qr", route);
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
    call(qr::SERVICE, app, handler, &ev).await
}

/// Ticket `id` as `who` sees it: status and body.
async fn ticket(app: &App, who: &Principal, id: &str) -> (u16, Value) {
    send(
        app,
        qr::tickets::get,
        "get-ticket",
        Some(who),
        Some(id),
        None,
        &[],
    )
    .await
}

/// The code of ticket `id` (read by its passenger).
async fn code_of(app: &App, who: &Principal, id: &str) -> String {
    let (status, body) = ticket(app, who, id).await;
    assert_eq!(status, 200, "{body}");
    body["data"]["code"].as_str().unwrap().to_owned()
}

async fn scan(app: &App, who: &Principal, trip: &str, code: &str, device: &str) -> (u16, Value) {
    send(
        app,
        qr::scan::scan,
        "scan-ticket",
        Some(who),
        None,
        Some(json!({"code": code, "tripId": trip, "deviceId": device})),
        &[],
    )
    .await
}

async fn sync(app: &App, who: &Principal, device: &str, scans: Value) -> (u16, Value) {
    send(
        app,
        qr::scan::sync,
        "sync-scans",
        Some(who),
        None,
        Some(json!({"deviceId": device, "scans": scans})),
        &[],
    )
    .await
}

async fn manifest(app: &App, who: &Principal, trip: &str) -> (u16, Value) {
    send(
        app,
        qr::manifest::get,
        "get-manifest",
        Some(who),
        Some(trip),
        None,
        &[],
    )
    .await
}

fn reason(body: &Value) -> &str {
    assert_eq!(body["code"], "TICKET_INVALID", "{body}");
    body["data"]["reason"].as_str().unwrap()
}

fn part(code: &str, i: usize) -> Value {
    let text = code.split('.').nth(i).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(text).unwrap()).unwrap()
}

/// A company, its trip, a passenger with a confirmed two-seat booking
/// Lisbon → Coimbra: the tickets' ids.
async fn sold(app: &App) -> (Company, Trip, Principal, Vec<String>) {
    let c = company(app).await;
    let t = trip(app, &c, 30).await;
    let p = passenger();
    let booking = confirmed_booking(app, &t, &p, 0, 1, &["3A", "3B"]).await;
    let id = booking.get_str("id").unwrap();
    // Sold an hour ago, so offline scans of the last minutes are inside
    // the tickets' window (a code is valid from its issue).
    let hour_ago = transit::zone::bson(Timestamp::now() - SignedDuration::from_hours(1));
    transit::store::collection(app, transit::store::TICKETS)
        .await
        .unwrap()
        .update_many(
            mongodb::bson::doc! {"bookingId": id},
            mongodb::bson::doc! {"$set": {"createdAt": hour_ago}},
        )
        .await
        .unwrap();
    (c, t, p, vec![format!("{id}-1"), format!("{id}-2")])
}

#[tokio::test]
async fn a_ticket_code_is_signed_for_its_trip_and_names_nobody() {
    let app = app();
    let (c, t, p, tickets) = sold(app).await;
    let (status, body) = ticket(app, &p, &tickets[0]).await;
    assert_eq!(status, 200, "{body}");
    let data = &body["data"];
    assert_eq!(data["seat"], "3A");
    assert_eq!(data["passengerName"], "Rider 3A");
    assert_eq!(data["status"], "valid");
    let code = data["code"].as_str().unwrap();

    let header = part(code, 0);
    assert_eq!(header["alg"], "EdDSA");
    let claims = part(code, 1);
    let mut names: Vec<&str> = claims
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "aud", "exp", "from", "iss", "nbf", "seat", "tid", "to", "trp"
        ]
    );
    assert!(!part(code, 1).to_string().contains("Rider"));
    assert_eq!(claims["aud"], codes::AUDIENCE);
    assert_eq!(claims["tid"], tickets[0].as_str());
    assert_eq!(claims["trp"], t.id.as_str());
    assert_eq!(claims["from"], t.stops[0].as_str());
    assert_eq!(claims["to"], t.stops[1].as_str());
    // Valid until the scheduled arrival at Coimbra plus six hours.
    let until = arrival(&t, 1) + codes::GRACE_AFTER_ARRIVAL;
    assert_eq!(claims["exp"], until.as_second());

    // Its kid is in /ticket-keys, which is a bare JWK Set, and not in the
    // access tokens' set.
    let (status, jwks) = send(app, qr::keys::list, "ticket-keys", None, None, None, &[]).await;
    assert_eq!(status, 200);
    let kids: Vec<&Value> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| &k["kid"])
        .collect();
    assert!(kids.contains(&&header["kid"]), "{jwks}");
    assert_eq!(jwks["keys"][0]["crv"], "Ed25519");
    let access = app.keyring().await.unwrap().jwks();
    assert!(
        !access["keys"]
            .as_array()
            .unwrap()
            .iter()
            .any(|k| k["kid"] == header["kid"])
    );

    // The same code each time it is shown (Ed25519 is deterministic).
    assert_eq!(code_of(app, &p, &tickets[0]).await, code);
    // Its company's staff read it; another passenger or company does not.
    assert_eq!(ticket(app, &c.staff, &tickets[0]).await.0, 200);
    assert_eq!(ticket(app, &passenger(), &tickets[0]).await.0, 404);
    let other = company(app).await;
    assert_eq!(ticket(app, &other.staff, &tickets[0]).await.0, 404);
    assert_eq!(ticket(app, &c.driver, &tickets[0]).await.0, 403);
}

#[tokio::test]
async fn the_qr_image_decodes_back_to_the_code() {
    let app = app();
    let (_, _, p, tickets) = sold(app).await;
    let code = code_of(app, &p, &tickets[0]).await;
    let image = |format: Option<&'static str>| {
        let mut ev = as_principal(event("qr", "get-ticket-qr"), &p);
        ev["pathParameters"] = json!({"id": tickets[0]});
        if let Some(f) = format {
            ev = with_query(ev, &[("format", f)]);
        }
        async move {
            let resp = dispatch(qr::SERVICE, request(&ev), |req| qr::tickets::qr(app, req)).await;
            let kind = resp.headers()["content-type"].to_str().unwrap().to_owned();
            (resp.status().as_u16(), kind, resp.body().as_ref().to_vec())
        }
    };

    let (status, kind, png) = image(None).await;
    assert_eq!((status, kind.as_str()), (200, "image/png"));
    assert!(png.len() < 16 * 1024, "a small image: {} bytes", png.len());
    let decoder = png::Decoder::new(std::io::Cursor::new(&png));
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
    let frame = reader.next_frame(&mut pixels).unwrap();
    let (w, h) = (frame.width as usize, frame.height as usize);
    assert!(w <= 800, "{w} px");
    let row = frame.line_size;
    let luma: Vec<u8> = (0..h)
        .flat_map(|y| (0..w).map(move |x| (y, x)))
        .map(|(y, x)| {
            if pixels[y * row + x / 8] & (0x80 >> (x % 8)) == 0 {
                0
            } else {
                255
            }
        })
        .collect();
    let decoded = decode(w, h, &luma);
    assert_eq!(decoded, code);

    let (status, kind, svg) = image(Some("svg")).await;
    assert_eq!((status, kind.as_str()), (200, "image/svg+xml"));
    assert!(svg.len() < 32 * 1024, "a small image: {} bytes", svg.len());
    assert_eq!(decode_svg(&String::from_utf8(svg).unwrap()), code);
    let (status, _, body) = image(Some("gif")).await;
    assert_eq!(status, 400);
    assert_eq!(
        serde_json::from_slice::<Value>(&body).unwrap()["details"][0]["field"],
        "query.format"
    );
}

/// What a QR decoder reads from a grey image `w` × `h` (one byte a pixel).
fn decode(w: usize, h: usize, luma: &[u8]) -> String {
    let mut decoder = quircs::Quirc::default();
    let found: Vec<_> = decoder.identify(w, h, luma).collect();
    assert_eq!(found.len(), 1, "one QR symbol in the image");
    let data = found[0].as_ref().unwrap().decode().unwrap();
    String::from_utf8(data.payload).unwrap()
}

/// Rasterizes our SVG (a square `viewBox`, one path of `M x y h n v1 h-n z`
/// runs) at 4 px a module and decodes it.
fn decode_svg(svg: &str) -> String {
    const PX: usize = 4;
    let side: usize = svg
        .split("viewBox=\"0 0 ")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let path = svg
        .split(" d=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let mut luma = vec![255_u8; side * PX * side * PX];
    for run in path.split('z').filter(|r| !r.is_empty()) {
        let (at, rest) = run.trim_start_matches('M').split_once('h').unwrap();
        let (x, y) = at.split_once(' ').unwrap();
        let (x, y): (usize, usize) = (x.parse().unwrap(), y.parse().unwrap());
        let n: usize = rest.split('v').next().unwrap().parse().unwrap();
        for py in y * PX..(y + 1) * PX {
            for px in x * PX..(x + n) * PX {
                luma[py * side * PX + px] = 0;
            }
        }
    }
    decode(side * PX, side * PX, &luma)
}

/// A code signed by the stack's ticket key with `claims` changed by `edit`.
async fn signed(app: &App, code: &str, edit: impl FnOnce(&mut TicketClaims)) -> String {
    let mut claims: TicketClaims = serde_json::from_value(part(code, 1)).unwrap();
    edit(&mut claims);
    app.keyring_of(codes::SIGNING_KEYS)
        .await
        .unwrap()
        .sign(&claims)
        .unwrap()
}

#[tokio::test]
async fn forged_altered_foreign_void_and_expired_codes_do_not_board() {
    let app = app();
    let (c, t, p, tickets) = sold(app).await;
    let code = code_of(app, &p, &tickets[0]).await;
    let driver = &c.driver;

    // Altered: another seat in the payload, the signature kept.
    let mut claims = part(&code, 1);
    claims["seat"] = json!("1A");
    let pieces: Vec<&str> = code.split('.').collect();
    let altered = format!(
        "{}.{}.{}",
        pieces[0],
        URL_SAFE_NO_PAD.encode(claims.to_string()),
        pieces[2]
    );
    let metrics = shared::telemetry::capture();
    let (status, body) = scan(app, driver, &t.id, &altered, "dev-1").await;
    assert_eq!(status, 422);
    assert_eq!(reason(&body), "signature");
    assert_eq!(metrics.count(Business::ScanRefused), 1);
    assert_eq!(metrics.count(Business::TicketBoarded), 0);
    drop(metrics);

    // Forged: the right claims signed with a key that is not a ticket key
    // (the access tokens' own).
    let claims: TicketClaims = serde_json::from_value(part(&code, 1)).unwrap();
    let forged = app
        .keyring_of(SecretKind::SIGNING_KEYS)
        .await
        .unwrap()
        .sign(&claims)
        .unwrap();
    assert_eq!(
        reason(&scan(app, driver, &t.id, &forged, "dev-1").await.1),
        "signature"
    );

    // Signed with the ticket key but for another audience or issuer (an
    // access token's): not a ticket.
    for wrong in [
        signed(app, &code, |c| c.aud = "avaone-api".into()).await,
        signed(app, &code, |c| c.iss = "someone-else".into()).await,
    ] {
        assert_eq!(
            reason(&scan(app, driver, &t.id, &wrong, "dev-1").await.1),
            "signature"
        );
    }

    // An access token is not a ticket, and a ticket is not an access token.
    let token = signed_in(app, &c.id, &driver.user_id, Role::DRIVER).await;
    assert_eq!(
        reason(&scan(app, driver, &t.id, &token, "dev-1").await.1),
        "signature"
    );
    let refused = JwtVerifier(app).verify(&code).await.unwrap_err();
    assert_eq!(refused.status().as_u16(), 401);

    // Another trip's ticket.
    let other_trip = trip(app, &c, 40).await;
    let (status, body) = scan(app, driver, &other_trip.id, &code, "dev-1").await;
    assert_eq!(status, 422);
    assert_eq!(reason(&body), "other_trip");

    // Outside its window: expired, or not yet issued.
    let expired = signed(app, &code, |c| c.exp = Timestamp::now().as_second() - 3600).await;
    assert_eq!(
        reason(&scan(app, driver, &t.id, &expired, "dev-1").await.1),
        "outside_validity"
    );
    let early = signed(app, &code, |c| c.nbf = Timestamp::now().as_second() + 3600).await;
    assert_eq!(
        reason(&scan(app, driver, &t.id, &early, "dev-1").await.1),
        "outside_validity"
    );

    // Voided (its booking cancelled): refused, and listed for offline devices.
    let booking = tickets[0].rsplit_once('-').unwrap().0;
    transit::sales::void_tickets(app, booking).await.unwrap();
    assert_eq!(
        reason(&scan(app, driver, &t.id, &code, "dev-1").await.1),
        "void"
    );
    let (_, m) = manifest(app, driver, &t.id).await;
    assert_eq!(m["data"]["voidedTicketIds"], json!(tickets));
    assert_eq!(m["data"]["seats"], json!([]));
    let (_, body) = ticket(app, &p, &tickets[0]).await;
    assert_eq!(body["data"]["code"], Value::Null);
}

#[tokio::test]
async fn a_ticket_boards_once_whoever_scans_it_at_once() {
    let app = app();
    let (c, t, p, tickets) = sold(app).await;
    let code = code_of(app, &p, &tickets[1]).await;
    // Eight devices scan the same ticket at the same moment: one boards.
    // (The test's tasks run on its thread: the capture sees them all.)
    let metrics = shared::telemetry::capture();
    let racers: Vec<_> = (0..8)
        .map(|i| {
            let (who, trip, code) = (c.driver.clone(), t.id.clone(), code.clone());
            tokio::spawn(async move { scan(app, &who, &trip, &code, &format!("dev-{i}")).await })
        })
        .collect();
    let mut answers = Vec::new();
    for r in racers {
        answers.push(r.await.unwrap());
    }
    let winners: Vec<_> = answers.iter().filter(|(s, _)| *s == 200).collect();
    assert_eq!(winners.len(), 1, "{answers:?}");
    assert_eq!(metrics.count(Business::TicketBoarded), 1);
    assert_eq!(metrics.count(Business::ScanRefused), 7);
    drop(metrics);
    let winner = &winners[0].1["data"];
    assert_eq!(winner["result"], "BOARDED");
    assert_eq!(winner["seat"], "3B");
    assert_eq!(winner["passengerName"], "Rider 3B");
    let (_, m) = manifest(app, &c.staff, &t.id).await;
    let seat = m["data"]["seats"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["ticketId"] == tickets[1].as_str())
        .unwrap()
        .clone();
    assert_eq!(seat["boarded"], true);
    for (status, body) in answers.iter().filter(|(s, _)| *s != 200) {
        assert_eq!(*status, 409, "{body}");
        assert_eq!(body["code"], "ALREADY_BOARDED");
        assert_eq!(body["data"]["firstScan"]["deviceId"], seat["deviceId"]);
        assert_eq!(body["data"]["firstScan"]["scannedAt"], seat["boardedAt"]);
    }
    // The other ticket of the booking has not boarded.
    let other = m["data"]["seats"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["ticketId"] == tickets[0].as_str())
        .unwrap()
        .clone();
    assert_eq!(other["boarded"], false);
    assert_eq!(other["boardedAt"], Value::Null);
}

#[tokio::test]
async fn offline_scans_sync_and_the_earliest_boards() {
    let app = app();
    let (c, t, p, tickets) = sold(app).await;
    let code = code_of(app, &p, &tickets[0]).await;
    // Scans are kept to the millisecond.
    let now = Timestamp::from_millisecond(Timestamp::now().as_millisecond()).unwrap();
    let at = |mins: i64| (now - SignedDuration::from_mins(mins)).to_string();

    // Device A syncs first its scan of 10 minutes ago.
    let (status, body) = sync(
        app,
        &c.driver,
        "dev-a",
        json!([{"code": code, "tripId": t.id, "scannedAt": at(10)}]),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"][0]["result"], "BOARDED");
    // Device B scanned it 20 minutes ago: it wins, and is told whom it displaced.
    let (_, body) = sync(
        app,
        &c.staff,
        "dev-b",
        json!([{"code": code, "tripId": t.id, "scannedAt": at(20)}]),
    )
    .await;
    assert_eq!(body["data"][0]["result"], "BOARDED", "{body}");
    assert_eq!(body["data"][0]["replaced"]["deviceId"], "dev-a");
    // B's sync retried (its answer was lost): the same boarding, nothing displaced.
    let (_, body) = sync(
        app,
        &c.staff,
        "dev-b",
        json!([{"code": code, "tripId": t.id, "scannedAt": at(20)}]),
    )
    .await;
    assert_eq!(body["data"][0]["result"], "BOARDED", "{body}");
    assert_eq!(body["data"][0].get("replaced"), None, "{body}");
    // Device A syncing again learns the earlier scan counts.
    let (_, body) = sync(
        app,
        &c.driver,
        "dev-a",
        json!([{"code": code, "tripId": t.id, "scannedAt": at(10)}]),
    )
    .await;
    assert_eq!(body["data"][0]["result"], "ALREADY_BOARDED", "{body}");
    assert_eq!(body["data"][0]["firstScan"]["deviceId"], "dev-b");
    // And an online scan now is a second scan.
    let (status, body) = scan(app, &c.driver, &t.id, &code, "dev-c").await;
    assert_eq!(status, 409);
    assert_eq!(body["data"]["firstScan"]["deviceId"], "dev-b");
    let (_, m) = manifest(app, &c.driver, &t.id).await;
    let seat = &m["data"]["seats"][0];
    assert_eq!(seat["ticketId"], tickets[0].as_str());
    assert_eq!(seat["deviceId"], "dev-b");
    assert_eq!(
        seat["boardedAt"]
            .as_str()
            .unwrap()
            .parse::<Timestamp>()
            .unwrap(),
        at(20).parse::<Timestamp>().unwrap()
    );

    // One batch, one result per scan in order, the bad one named.
    let (_, body) = sync(
        app,
        &c.driver,
        "dev-a",
        json!([
            {"code": "not-a-code", "tripId": t.id, "scannedAt": at(5)},
            {"code": code_of(app, &p, &tickets[1]).await, "tripId": t.id, "scannedAt": at(6)},
        ]),
    )
    .await;
    assert_eq!(body["data"][0]["index"], 0);
    assert_eq!(body["data"][0]["result"], "TICKET_INVALID");
    assert_eq!(body["data"][0]["reason"], "signature");
    assert_eq!(body["data"][1]["result"], "BOARDED");
    assert_eq!(body["data"][1]["seat"], "3B");

    // Bad batches name the field; nothing is recorded.
    for (scans, field) in [
        (
            json!([{"code": code, "tripId": t.id, "scannedAt": "yesterday"}]),
            "scans[0].scannedAt",
        ),
        (
            json!([{"code": code, "tripId": t.id, "scannedAt": (now + SignedDuration::from_hours(1)).to_string()}]),
            "scans[0].scannedAt",
        ),
        (json!([]), "scans"),
        (
            json!([{"code": "", "tripId": t.id, "scannedAt": at(1)}]),
            "scans[0].code",
        ),
    ] {
        let (status, body) = sync(app, &c.driver, "dev-a", scans).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(body["details"][0]["field"], field, "{body}");
    }
}

#[tokio::test]
async fn manifests_and_scans_are_for_the_trips_crew_only() {
    let app = app();
    let (c, t, p, tickets) = sold(app).await;
    let code = code_of(app, &p, &tickets[0]).await;
    let other = company(app).await;
    let colleague = principal(Role::DRIVER, Some(&c.id), &unique("u-driver-"));

    // Another company's staff or driver, another driver of the same
    // company: the same 404 as no trip, and in a batch `not_your_trip`;
    // nothing boards.
    for who in [&other.staff, &other.admin, &other.driver, &colleague] {
        assert_eq!(manifest(app, who, &t.id).await.0, 404);
        assert_eq!(scan(app, who, &t.id, &code, "dev-x").await.0, 404);
        let batch =
            json!([{"code": code, "tripId": t.id, "scannedAt": Timestamp::now().to_string()}]);
        let (status, body) = sync(app, who, "dev-x", batch).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["data"][0]["reason"], "not_your_trip", "{body}");
    }
    // A passenger is not crew at all.
    assert_eq!(manifest(app, &p, &t.id).await.0, 403);
    assert_eq!(scan(app, &p, &t.id, &code, "dev-x").await.0, 403);
    // None of that boarded the ticket; its driver and staff read the manifest.
    let (status, m) = manifest(app, &c.driver, &t.id).await;
    assert_eq!(status, 200, "{m}");
    assert_eq!(m["data"]["tripId"], t.id.as_str());
    let seats = m["data"]["seats"].as_array().unwrap();
    assert_eq!(seats.len(), 2);
    assert!(seats.iter().all(|s| s["boarded"] == false));
    assert_eq!(seats[0]["fromStopId"], t.stops[0].as_str());
    assert_eq!(seats[0]["toStopId"], t.stops[1].as_str());
    assert_eq!(manifest(app, &c.staff, &t.id).await.0, 200);
    assert_eq!(manifest(app, &c.driver, "no-such-trip").await.0, 404);

    // Bad scans name the field.
    let (status, body) = send(
        app,
        qr::scan::scan,
        "scan-ticket",
        Some(&c.driver),
        None,
        Some(json!({"code": code, "tripId": t.id})),
        &[],
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(body["details"].to_string().contains("deviceId"), "{body}");
}

/// A copy of a stack secret holding `value`, for one test's own `App`.
async fn secret(app: &App, value: Value) -> String {
    let name = unique("avaone/test/ticket-keys-");
    app.secrets_manager()
        .await
        .create_secret()
        .name(&name)
        .secret_string(value.to_string())
        .send()
        .await
        .unwrap();
    name
}

async fn secret_value(app: &App, kind: SecretKind) -> Value {
    let out = app
        .secrets_manager()
        .await
        .get_secret_value()
        .secret_id(app.config.secret_id_of(kind).unwrap())
        .send()
        .await
        .unwrap();
    serde_json::from_str(out.secret_string().unwrap()).unwrap()
}

#[tokio::test]
async fn a_key_rotation_keeps_tickets_already_sold_boarding() {
    let app = app();
    let (c, t, p, tickets) = sold(app).await;
    let before = code_of(app, &p, &tickets[0]).await;

    // Rotate to a new key pair (the stack's access-token pair stands in
    // for a freshly generated one), keeping the old public key listed.
    let old_private = secret_value(app, codes::SIGNING_KEYS).await;
    let old_public = secret_value(app, codes::PUBLIC_KEYS).await;
    let new_private = secret_value(app, SecretKind::SIGNING_KEYS).await;
    let new_public = secret_value(app, SecretKind::VERIFICATION_KEYS).await;
    let new_kid = new_private["jwtActiveKid"].clone();
    let mut signing = old_private["jwtSigningKeys"].as_array().unwrap().clone();
    signing.extend(
        new_private["jwtSigningKeys"]
            .as_array()
            .unwrap()
            .iter()
            .cloned(),
    );
    let both: Vec<Value> = old_public["jwtPublicKeys"]
        .as_array()
        .unwrap()
        .iter()
        .chain(new_public["jwtPublicKeys"].as_array().unwrap())
        .cloned()
        .collect();
    let mut config = stack_config();
    config.set(
        codes::SIGNING_KEYS.setting(),
        Some(
            &secret(
                app,
                json!({"jwtSigningKeys": signing, "jwtActiveKid": new_kid}),
            )
            .await,
        ),
    );
    config.set(
        codes::PUBLIC_KEYS.setting(),
        Some(&secret(app, json!({"jwtPublicKeys": both})).await),
    );
    let rotated: &'static App = Box::leak(Box::new(App::new(config.clone())));

    let after = code_of(rotated, &p, &tickets[1]).await;
    assert_eq!(part(&after, 0)["kid"], new_kid);
    let (_, jwks) = send(
        rotated,
        qr::keys::list,
        "ticket-keys",
        None,
        None,
        None,
        &[],
    )
    .await;
    assert_eq!(jwks["keys"].as_array().unwrap().len(), 2);
    // Sold before the rotation or after, both board.
    assert_eq!(
        scan(rotated, &c.driver, &t.id, &before, "dev-1").await.0,
        200
    );
    assert_eq!(
        scan(rotated, &c.driver, &t.id, &after, "dev-1").await.0,
        200
    );

    // Once the old key is retired (its trips over), its codes no longer verify.
    config.set(
        codes::PUBLIC_KEYS.setting(),
        Some(&secret(app, json!({"jwtPublicKeys": new_public["jwtPublicKeys"]})).await),
    );
    let retired: &'static App = Box::leak(Box::new(App::new(config)));
    let (status, body) = scan(retired, &c.driver, &t.id, &before, "dev-2").await;
    assert_eq!(status, 422);
    assert_eq!(reason(&body), "signature");
}
