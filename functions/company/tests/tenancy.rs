//! Tenancy (TRANSIT.md §4.5): company A's admin, staff and drivers never
//! see or change company B's fleet. A test per route with an id: B's
//! people get 404 for A's ids (an id is never confirmed across companies)
//! and A's document is unchanged; drivers and passengers get 403 on every
//! company route; an organization without transit gets 403
//! PRODUCT_NOT_LICENSED.

mod common;

use common::*;
use company::{buses, drivers, routes, schedules, settings, stops, trips};
use mongodb::bson::{Document, doc};
use serde_json::json;
use shared::{App, http::Role};
use test_support::{principal, stack_app, unique};

/// Company A with one of everything, and its trip.
struct Owned {
    stop: String,
    bus: String,
    route: String,
    driver: String,
    schedule: String,
    trip: String,
}

async fn owned(app: &App, a: &Company) -> Owned {
    let f = fleet(app, a, None).await;
    let spare = created(
        app,
        a,
        stops::create,
        "create-stop",
        json!({"name": "Spare", "city": "Faro"}),
    )
    .await;
    let driver = created(
        app,
        a,
        drivers::create,
        "create-driver",
        json!({"email": format!("{}@drivers.example", unique("d")), "password": "Driver-Pass-123",
               "firstName": "Ana", "lastName": "Sousa", "phone": "", "licenseNumber": "L-1",
               "licenseExpiresOn": "2099-01-01"}),
    )
    .await;
    let (_, body) = send(
        app,
        schedules::create,
        "create-schedule",
        &a.admin,
        None,
        Some(json!({"routeId": f.route, "busId": f.bus, "departureLocalTime": "23:58",
                    "daysOfWeek": [1,2,3,4,5,6,7], "validFrom": "2020-01-01", "validUntil": "2099-01-01"})),
        &[],
    )
    .await;
    let schedule = body["data"]["id"].as_str().unwrap().to_owned();
    let trip = trips_of(app, &schedule).await.pop().unwrap();
    Owned {
        stop: spare,
        bus: f.bus,
        route: f.route,
        driver,
        schedule,
        trip: trip.get_str("id").unwrap().to_owned(),
    }
}

async fn stored(app: &App, name: &'static str, id: &str) -> Document {
    let mut d = transit::store::collection(app, name)
        .await
        .unwrap()
        .find_one(doc! {"id": id})
        .await
        .unwrap()
        .expect("A's document exists");
    d.remove("_id");
    d
}

#[tokio::test]
async fn another_company_never_reads_or_changes_a_fleet_by_id() {
    let app = stack_app();
    let a = company(&app, "Europe/Lisbon").await;
    let b = company(&app, "Europe/Lisbon").await;
    let o = owned(&app, &a).await;
    use transit::store::{BUSES, DRIVERS, ROUTES, SCHEDULES, STOPS, TRIPS};
    let before = [
        stored(&app, STOPS, &o.stop).await,
        stored(&app, BUSES, &o.bus).await,
        stored(&app, ROUTES, &o.route).await,
        stored(&app, DRIVERS, &o.driver).await,
        stored(&app, SCHEDULES, &o.schedule).await,
        stored(&app, TRIPS, &o.trip).await,
    ];
    let plate = json!({"plateNumber": "HACKED"});
    let name = json!({"name": "hacked"});
    for who in [&b.admin, &b.staff] {
        let expect = if who.role == Role::ADMIN { 404 } else { 403 };
        let results = [
            (
                "update-stop",
                send(
                    &app,
                    stops::update,
                    "update-stop",
                    who,
                    Some(&o.stop),
                    Some(name.clone()),
                    &[],
                )
                .await,
            ),
            (
                "delete-stop",
                send(
                    &app,
                    stops::delete,
                    "delete-stop",
                    who,
                    Some(&o.stop),
                    None,
                    &[],
                )
                .await,
            ),
            (
                "update-bus",
                send(
                    &app,
                    buses::update,
                    "update-bus",
                    who,
                    Some(&o.bus),
                    Some(plate.clone()),
                    &[],
                )
                .await,
            ),
            (
                "delete-bus",
                send(
                    &app,
                    buses::delete,
                    "delete-bus",
                    who,
                    Some(&o.bus),
                    None,
                    &[],
                )
                .await,
            ),
            (
                "update-route",
                send(
                    &app,
                    routes::update,
                    "update-route",
                    who,
                    Some(&o.route),
                    Some(name.clone()),
                    &[],
                )
                .await,
            ),
            (
                "delete-route",
                send(
                    &app,
                    routes::delete,
                    "delete-route",
                    who,
                    Some(&o.route),
                    None,
                    &[],
                )
                .await,
            ),
            (
                "update-driver",
                send(
                    &app,
                    drivers::update,
                    "update-driver",
                    who,
                    Some(&o.driver),
                    Some(json!({"lastName": "hacked"})),
                    &[],
                )
                .await,
            ),
            (
                "delete-driver",
                send(
                    &app,
                    drivers::delete,
                    "delete-driver",
                    who,
                    Some(&o.driver),
                    None,
                    &[],
                )
                .await,
            ),
            (
                "delete-schedule",
                send(
                    &app,
                    schedules::delete,
                    "delete-schedule",
                    who,
                    Some(&o.schedule),
                    None,
                    &[],
                )
                .await,
            ),
            (
                "update-trip",
                send(
                    &app,
                    trips::update,
                    "update-trip",
                    who,
                    Some(&o.trip),
                    Some(json!({"driverId": null})),
                    &[],
                )
                .await,
            ),
        ];
        for (route, (status, body)) in results {
            assert_eq!(status, expect, "{route} as {}: {body}", who.role);
        }
        // Reads by id: B's staff and admin alike get 404.
        let (status, body) =
            send(&app, trips::get, "get-trip", who, Some(&o.trip), None, &[]).await;
        assert_eq!(status, 404, "get-trip as {}: {body}", who.role);
        // A's id in B's own request bodies is unknown too.
        let (status, body) = send(
            &app,
            trips::create,
            "create-trip",
            &b.admin,
            None,
            Some(
                json!({"routeId": o.route, "busId": o.bus, "departureAt": "2099-01-01T08:00:00Z"}),
            ),
            &[],
        )
        .await;
        assert_eq!(status, 400, "{body}");
        // Lists show only B's own.
        for (route, (status, body)) in [
            (
                "list-buses",
                send(&app, buses::list, "list-buses", who, None, None, &[]).await,
            ),
            (
                "list-routes",
                send(&app, routes::list, "list-routes", who, None, None, &[]).await,
            ),
            (
                "list-drivers",
                send(&app, drivers::list, "list-drivers", who, None, None, &[]).await,
            ),
            (
                "list-schedules",
                send(
                    &app,
                    schedules::list,
                    "list-schedules",
                    who,
                    None,
                    None,
                    &[],
                )
                .await,
            ),
            (
                "list-trips",
                send(&app, trips::list, "list-trips", who, None, None, &[]).await,
            ),
        ] {
            assert_eq!(status, 200, "{route}: {body}");
            assert!(
                body["data"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(|x| x["companyId"] == b.id.as_str()),
                "{route} leaked another company's data: {body}"
            );
        }
        // Naming A explicitly is refused, not honoured.
        let (status, _) = send(
            &app,
            buses::list,
            "list-buses",
            who,
            None,
            None,
            &[("organizationId", &a.id)],
        )
        .await;
        assert_eq!(status, 403);
    }
    let after = [
        stored(&app, STOPS, &o.stop).await,
        stored(&app, BUSES, &o.bus).await,
        stored(&app, ROUTES, &o.route).await,
        stored(&app, DRIVERS, &o.driver).await,
        stored(&app, SCHEDULES, &o.schedule).await,
        stored(&app, TRIPS, &o.trip).await,
    ];
    assert_eq!(before, after, "A's fleet is unchanged");

    // The super admin names the company and reaches it.
    let sa = principal(Role::SUPER_ADMIN, None, "super-admin");
    let (status, body) = send(
        &app,
        trips::get,
        "get-trip",
        &sa,
        Some(&o.trip),
        None,
        &[("organizationId", &a.id)],
    )
    .await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn drivers_passengers_and_unlicensed_organizations_are_refused_everywhere() {
    let app = stack_app();
    let a = company(&app, "Europe/Lisbon").await;
    let o = owned(&app, &a).await;
    let passenger = principal(Role::PASSENGER, None, "p-1");
    let unlicensed_org = seed_org(&app, &["workspace"], "10").await;
    let unlicensed = principal(Role::ADMIN, Some(&unlicensed_org), "u-admin");
    for (who, code) in [
        (&a.driver, "FORBIDDEN"),
        (&passenger, "FORBIDDEN"),
        (&unlicensed, "PRODUCT_NOT_LICENSED"),
    ] {
        let results = [
            send(
                &app,
                settings::get,
                "get-company-settings",
                who,
                None,
                None,
                &[],
            )
            .await,
            send(
                &app,
                settings::update,
                "update-company-settings",
                who,
                None,
                Some(json!({"holdMinutes": 5})),
                &[],
            )
            .await,
            send(
                &app,
                stops::create,
                "create-stop",
                who,
                None,
                Some(json!({"name": "n", "city": "c"})),
                &[],
            )
            .await,
            send(
                &app,
                stops::update,
                "update-stop",
                who,
                Some(&o.stop),
                Some(json!({"name": "n"})),
                &[],
            )
            .await,
            send(
                &app,
                stops::delete,
                "delete-stop",
                who,
                Some(&o.stop),
                None,
                &[],
            )
            .await,
            send(&app, buses::list, "list-buses", who, None, None, &[]).await,
            send(
                &app,
                buses::create,
                "create-bus",
                who,
                None,
                Some(json!({"plateNumber": "P", "seatLayout": forty_seats()})),
                &[],
            )
            .await,
            send(
                &app,
                buses::update,
                "update-bus",
                who,
                Some(&o.bus),
                Some(json!({"name": "n"})),
                &[],
            )
            .await,
            send(
                &app,
                buses::delete,
                "delete-bus",
                who,
                Some(&o.bus),
                None,
                &[],
            )
            .await,
            send(&app, routes::list, "list-routes", who, None, None, &[]).await,
            send(
                &app,
                routes::update,
                "update-route",
                who,
                Some(&o.route),
                Some(json!({"name": "n"})),
                &[],
            )
            .await,
            send(
                &app,
                routes::delete,
                "delete-route",
                who,
                Some(&o.route),
                None,
                &[],
            )
            .await,
            send(&app, drivers::list, "list-drivers", who, None, None, &[]).await,
            send(
                &app,
                drivers::update,
                "update-driver",
                who,
                Some(&o.driver),
                Some(json!({"lastName": "n"})),
                &[],
            )
            .await,
            send(
                &app,
                drivers::delete,
                "delete-driver",
                who,
                Some(&o.driver),
                None,
                &[],
            )
            .await,
            send(
                &app,
                schedules::list,
                "list-schedules",
                who,
                None,
                None,
                &[],
            )
            .await,
            send(
                &app,
                schedules::delete,
                "delete-schedule",
                who,
                Some(&o.schedule),
                None,
                &[],
            )
            .await,
            send(&app, trips::list, "list-trips", who, None, None, &[]).await,
            send(&app, trips::get, "get-trip", who, Some(&o.trip), None, &[]).await,
            send(
                &app,
                trips::update,
                "update-trip",
                who,
                Some(&o.trip),
                Some(json!({"driverId": null})),
                &[],
            )
            .await,
        ];
        for (i, (status, body)) in results.into_iter().enumerate() {
            assert_eq!(status, 403, "#{i} as {}: {body}", who.role);
            assert_eq!(body["code"], code, "#{i} as {}: {body}", who.role);
        }
    }
}
