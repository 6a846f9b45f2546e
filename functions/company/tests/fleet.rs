//! A company builds its fleet against the local stack, and the schedule's
//! trips appear for 30 days in the right local times.

mod common;

use common::*;
use company::{buses, drivers, generate, routes, schedules, settings, stops, trips};
use serde_json::json;
use shared::http::Role;
use test_support::{principal, stack_app, unique};

fn today_plus(days: i64) -> String {
    jiff::Timestamp::now()
        .checked_add(jiff::SignedDuration::from_hours(24 * days))
        .unwrap()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date()
        .to_string()
}

#[tokio::test]
async fn a_company_admin_builds_a_fleet_and_its_schedule_runs_for_thirty_days() {
    let app: &'static shared::App = Box::leak(Box::new(stack_app()));
    let c = company(app, "Europe/Lisbon").await;
    let (status, body) = send(
        app,
        settings::get,
        "get-company-settings",
        &c.staff,
        None,
        None,
        &[],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["timezone"], "Europe/Lisbon");
    assert_eq!(body["data"]["holdMinutes"], 10);

    let f = fleet(app, &c, None).await;
    let driver = created(
        app,
        &c,
        drivers::create,
        "create-driver",
        json!({"email": format!("{}@drivers.example", unique("d")), "password": "Driver-Pass-123",
               "firstName": "Rui", "lastName": "Costa", "phone": "+351 900 000 000",
               "licenseNumber": "PT-123456", "licenseExpiresOn": "2099-01-01"}),
    )
    .await;
    // The driver is an organization user with the driver role.
    let user = tenancy::store::find_user(app, &c.id, mongodb::bson::doc! {"id": &driver})
        .await
        .unwrap()
        .expect("the driver's login exists");
    assert_eq!(user.get_str("role").unwrap(), "driver");
    assert!(!user.get_str("password").unwrap().is_empty());

    // The route took the company's zone and currency.
    let (_, route) = send(app, routes::list, "list-routes", &c.staff, None, None, &[]).await;
    assert_eq!(route["data"][0]["timezone"], "Europe/Lisbon");
    assert_eq!(route["data"][0]["currency"], "EUR");
    assert_eq!(route["data"][0]["stops"][1]["city"], "Coimbra");

    let (status, body) = send(
        app,
        schedules::create,
        "create-schedule",
        &c.admin,
        None,
        Some(
            json!({"routeId": f.route, "busId": f.bus, "driverId": driver,
                    "departureLocalTime": "23:50", "daysOfWeek": [1,2,3,4,5,6,7],
                    "validFrom": today_plus(-10), "validUntil": today_plus(60)}),
        ),
        &[],
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let schedule = body["data"]["id"].as_str().unwrap().to_owned();
    let generated = body["meta"]["tripsGenerated"].as_u64().unwrap();
    // Today's 23:50 Lisbon has left only between 23:50 and midnight.
    assert!(generated == 30 || generated == 29, "{body}");
    let all = trips_of(app, &schedule).await;
    assert_eq!(all.len() as u64, generated);

    // Consecutive local dates, each at 23:50 Lisbon time, with the snapshot.
    let (status, listed) = send(
        app,
        trips::list,
        "list-trips",
        &c.staff,
        None,
        None,
        &[("limit", "100"), ("routeId", &f.route)],
    )
    .await;
    assert_eq!(status, 200, "{listed}");
    let items = listed["data"].as_array().unwrap();
    assert_eq!(items.len() as u64, generated);
    for pair in items.windows(2) {
        let a = jiff::civil::Date::strptime("%Y-%m-%d", pair[0]["serviceDate"].as_str().unwrap())
            .unwrap();
        let b = jiff::civil::Date::strptime("%Y-%m-%d", pair[1]["serviceDate"].as_str().unwrap())
            .unwrap();
        assert_eq!(a.tomorrow().unwrap(), b);
    }
    for trip in items {
        let local = trip["departureLocal"].as_str().unwrap();
        assert!(local.contains("T23:50:00+0"), "{local}");
        assert_eq!(&local[..10], trip["serviceDate"].as_str().unwrap());
        assert_eq!(trip["driverId"], driver.as_str());
        assert_eq!(
            trip["bus"]["seatLayout"]["rows"][0][2],
            serde_json::Value::Null
        );
        assert_eq!(trip["route"]["stops"].as_array().unwrap().len(), 3);
        assert_eq!(trip["route"]["legFares"], json!([1250, 1100]));
    }

    // The daily run keeps the horizon and never duplicates a trip.
    generate_at(app, &format!("{}T12:00:00Z", today_plus(0))).await;
    generate_at(app, &format!("{}T12:00:00Z", today_plus(0))).await;
    assert_eq!(trips_of(app, &schedule).await.len() as u64, generated);
    generate_at(app, &format!("{}T12:00:00Z", today_plus(1))).await;
    assert_eq!(trips_of(app, &schedule).await.len() as u64, generated + 1);

    // A route change reaches new trips only.
    let (status, body) = send(
        app,
        routes::update,
        "update-route",
        &c.admin,
        Some(&f.route),
        Some(json!({"name": "Lisbon - Porto (new)"})),
        &[],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let first = trips_of(app, &schedule).await.remove(0);
    assert_eq!(
        first
            .get_document("route")
            .unwrap()
            .get_str("name")
            .unwrap(),
        "Lisbon - Porto"
    );

    // Staff read, only the admin writes; deleting stops generation.
    let (status, _) = send(
        app,
        stops::create,
        "create-stop",
        &c.staff,
        None,
        Some(json!({"name": "X", "city": "Y"})),
        &[],
    )
    .await;
    assert_eq!(status, 403);
    let (status, _) = send(
        app,
        schedules::delete,
        "delete-schedule",
        &c.admin,
        Some(&schedule),
        None,
        &[],
    )
    .await;
    assert_eq!(status, 200);
    let before = trips_of(app, &schedule).await.len();
    generate_at(app, &format!("{}T12:00:00Z", today_plus(2))).await;
    assert_eq!(
        trips_of(app, &schedule).await.len(),
        before,
        "existing trips stay, no new ones"
    );
    let _ = generate::materialize; // the same path schedules::create uses
}

#[tokio::test]
async fn local_times_hold_across_dst_changes() {
    let app: &'static shared::App = Box::leak(Box::new(stack_app()));
    let c = company(app, "America/New_York").await;
    let f = fleet(app, &c, None).await;
    let schedule = |time: &str, from: &str, until: &str| {
        json!({"routeId": f.route, "busId": f.bus, "departureLocalTime": time,
               "daysOfWeek": [1,2,3,4,5,6,7], "validFrom": from, "validUntil": until})
    };
    // Spring forward, New York 2027-03-14: 02:00 jumps to 03:00.
    let (status, body) = send(
        app,
        schedules::create,
        "create-schedule",
        &c.admin,
        None,
        Some(schedule("02:30", "2027-03-10", "2027-03-20")),
        &[],
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["meta"]["tripsGenerated"], 0, "outside today's horizon");
    let spring = body["data"]["id"].as_str().unwrap().to_owned();
    // Fall back, New York 2027-11-07: 01:00-02:00 happens twice.
    let (_, body) = send(
        app,
        schedules::create,
        "create-schedule",
        &c.admin,
        None,
        Some(schedule("01:30", "2027-11-05", "2027-11-09")),
        &[],
    )
    .await;
    let autumn = body["data"]["id"].as_str().unwrap().to_owned();

    generate_at(app, "2027-03-01T12:00:00Z").await;
    generate_at(app, "2027-10-20T12:00:00Z").await;

    let local = |trips: &[mongodb::bson::Document]| -> Vec<(String, String)> {
        trips
            .iter()
            .map(|t| {
                let v = trips::view(t).unwrap();
                (
                    v.service_date,
                    format!("{} {}", v.departure_local, v.departure_at),
                )
            })
            .collect()
    };
    let spring_trips = local(&trips_of(app, &spring).await);
    assert_eq!(spring_trips.len(), 11, "{spring_trips:?}");
    let on = |trips: &[(String, String)], d: &str| {
        trips
            .iter()
            .filter(|(date, _)| date == d)
            .map(|(_, t)| t.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        on(&spring_trips, "2027-03-13"),
        ["2027-03-13T02:30:00-05:00 2027-03-13T07:30:00.000Z"]
    );
    // 02:30 does not exist that day: the bus leaves after the gap, at 03:30.
    assert_eq!(
        on(&spring_trips, "2027-03-14"),
        ["2027-03-14T03:30:00-04:00 2027-03-14T07:30:00.000Z"]
    );
    assert_eq!(
        on(&spring_trips, "2027-03-15"),
        ["2027-03-15T02:30:00-04:00 2027-03-15T06:30:00.000Z"]
    );

    let autumn_trips = local(&trips_of(app, &autumn).await);
    assert_eq!(autumn_trips.len(), 5, "{autumn_trips:?}");
    // 01:30 happens twice that night: one trip, at the first.
    assert_eq!(
        on(&autumn_trips, "2027-11-07"),
        ["2027-11-07T01:30:00-04:00 2027-11-07T05:30:00.000Z"]
    );
    assert_eq!(
        on(&autumn_trips, "2027-11-08"),
        ["2027-11-08T01:30:00-05:00 2027-11-08T06:30:00.000Z"]
    );
    // The stops' times follow the same instants: Porto is 210 minutes on.
    let trip = trips_of(app, &spring)
        .await
        .into_iter()
        .find(|t| t.get_str("serviceDate") == Ok("2027-03-14"))
        .unwrap();
    let v = trips::view(&trip).unwrap();
    assert_eq!(v.route.stops[2].arrive_at, "2027-03-14T07:00:00-04:00");
}

#[tokio::test]
async fn changes_that_would_break_a_sold_trip_are_409_naming_what_is_in_the_way() {
    let app: &'static shared::App = Box::leak(Box::new(stack_app()));
    let c = company(app, "Europe/Lisbon").await;
    let f = fleet(app, &c, None).await;

    // A stop a route calls at.
    let (status, body) = send(
        app,
        stops::delete,
        "delete-stop",
        &c.admin,
        Some(&f.stops[1]),
        None,
        &[],
    )
    .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["data"]["routes"][0]["id"], f.route.as_str());

    let (_, body) = send(app, schedules::create, "create-schedule", &c.admin, None,
        Some(json!({"routeId": f.route, "busId": f.bus, "departureLocalTime": "23:55",
                    "daysOfWeek": [1,2,3,4,5,6,7], "validFrom": today_plus(0), "validUntil": today_plus(40)})), &[]).await;
    let schedule = body["data"]["id"].as_str().unwrap().to_owned();
    let trips_now = trips_of(app, &schedule).await;
    let trip = trips_now.last().unwrap().get_str("id").unwrap().to_owned();
    sell(app, &trip, "10D").await;

    // A route or bus an active schedule uses.
    let (status, body) = send(
        app,
        routes::delete,
        "delete-route",
        &c.admin,
        Some(&f.route),
        None,
        &[],
    )
    .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["data"]["schedules"][0], schedule.as_str());

    // A layout that loses the sold seat 10D: nothing changes.
    let nine_rows = json!({"rows": (1..=9).map(|r| json!([format!("{r}A"), format!("{r}B"), null, format!("{r}C"), format!("{r}D")])).collect::<Vec<_>>()});
    let (status, body) = send(
        app,
        buses::update,
        "update-bus",
        &c.admin,
        Some(&f.bus),
        Some(json!({"seatLayout": nine_rows})),
        &[],
    )
    .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["data"]["trips"][0]["tripId"], trip.as_str());
    assert_eq!(body["data"]["trips"][0]["seats"], json!(["10D"]));
    assert!(body["error"].as_str().unwrap().contains(&trip));
    let (_, bus) = send(app, buses::list, "list-buses", &c.staff, None, None, &[]).await;
    assert_eq!(bus["data"][0]["seatCount"], 40, "unchanged");

    // A layout that keeps it is fine and reaches the trips that have not left.
    let mut wider = forty_seats();
    wider["rows"]
        .as_array_mut()
        .unwrap()
        .push(json!(["11A", "11B", null, "11C", "11D"]));
    let (status, body) = send(
        app,
        buses::update,
        "update-bus",
        &c.admin,
        Some(&f.bus),
        Some(json!({"seatLayout": wider})),
        &[],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["seatCount"], 44);
    let (_, t) = send(
        app,
        trips::get,
        "get-trip",
        &c.staff,
        Some(&trip),
        None,
        &[],
    )
    .await;
    assert_eq!(
        t["data"]["bus"]["seatLayout"]["rows"]
            .as_array()
            .unwrap()
            .len(),
        11
    );

    // Moving the trip to a bus without 10D.
    let small = created(
        app,
        &c,
        buses::create,
        "create-bus",
        json!({"plateNumber": unique("SM-"), "seatLayout": {"rows": [["1A", "1B"]]}}),
    )
    .await;
    let (status, body) = send(
        app,
        trips::update,
        "update-trip",
        &c.admin,
        Some(&trip),
        Some(json!({"busId": small})),
        &[],
    )
    .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["data"]["seats"], json!(["10D"]));

    // Deleting the bus with a sold seat ahead (after its schedule is gone).
    send(
        app,
        schedules::delete,
        "delete-schedule",
        &c.admin,
        Some(&schedule),
        None,
        &[],
    )
    .await;
    let (status, body) = send(
        app,
        buses::delete,
        "delete-bus",
        &c.admin,
        Some(&f.bus),
        None,
        &[],
    )
    .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["data"]["trips"][0]["tripId"], trip.as_str());
    // With the schedule gone the route may go; trips keep their snapshot.
    let (status, body) = send(
        app,
        routes::delete,
        "delete-route",
        &c.admin,
        Some(&f.route),
        None,
        &[],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (_, t) = send(
        app,
        trips::get,
        "get-trip",
        &c.staff,
        Some(&trip),
        None,
        &[],
    )
    .await;
    assert_eq!(t["data"]["route"]["stops"].as_array().unwrap().len(), 3);

    // A taken plate number.
    let plate = unique("DUP-");
    created(
        app,
        &c,
        buses::create,
        "create-bus",
        json!({"plateNumber": plate, "seatLayout": forty_seats()}),
    )
    .await;
    let (status, _) = send(
        app,
        buses::create,
        "create-bus",
        &c.admin,
        None,
        Some(json!({"plateNumber": plate, "seatLayout": forty_seats()})),
        &[],
    )
    .await;
    assert_eq!(status, 409);
}

#[tokio::test]
async fn bad_input_is_400_naming_the_field() {
    let app = stack_app();
    let c = company(&app, "Europe/Lisbon").await;
    let other = company(&app, "Europe/Lisbon").await;
    let f = fleet(&app, &c, None).await;
    let foreign = fleet(&app, &other, None).await;
    let cases = [
        (
            "create-bus",
            json!({"plateNumber": "X1", "seatLayout": {"rows": [["1A", "1A"]]}}),
            "seatLayout.rows[0][1]",
        ),
        (
            "create-bus",
            json!({"plateNumber": "X2", "seatLayout": {"rows": [[null]]}}),
            "seatLayout.rows",
        ),
        (
            "create-route",
            json!({"code": "R", "name": "R", "stops": [{"stopId": f.stops[0], "arriveOffsetMin": 0, "departOffsetMin": 0}, {"stopId": foreign.stops[1], "arriveOffsetMin": 10, "departOffsetMin": 10}], "legFares": [100]}),
            "stops[1].stopId",
        ),
        (
            "create-route",
            json!({"code": "R", "name": "R", "stops": [{"stopId": f.stops[0], "arriveOffsetMin": 0, "departOffsetMin": 0}, {"stopId": f.stops[1], "arriveOffsetMin": 10, "departOffsetMin": 10}], "legFares": [100, 200]}),
            "legFares",
        ),
        (
            "create-route",
            json!({"code": "R", "name": "R", "timezone": "Mars/Base", "stops": [{"stopId": f.stops[0], "arriveOffsetMin": 0, "departOffsetMin": 0}, {"stopId": f.stops[1], "arriveOffsetMin": 10, "departOffsetMin": 10}], "legFares": [100]}),
            "timezone",
        ),
        (
            "create-schedule",
            json!({"routeId": f.route, "busId": f.bus, "departureLocalTime": "25:00", "daysOfWeek": [1], "validFrom": "2027-01-01", "validUntil": "2027-02-01"}),
            "departureLocalTime",
        ),
        (
            "create-schedule",
            json!({"routeId": f.route, "busId": f.bus, "departureLocalTime": "08:00", "daysOfWeek": [0, 8], "validFrom": "2027-01-01", "validUntil": "2027-02-01"}),
            "daysOfWeek",
        ),
        (
            "create-schedule",
            json!({"routeId": foreign.route, "busId": f.bus, "departureLocalTime": "08:00", "daysOfWeek": [1], "validFrom": "2027-01-01", "validUntil": "2027-02-01"}),
            "routeId",
        ),
        (
            "create-schedule",
            json!({"routeId": f.route, "busId": f.bus, "departureLocalTime": "08:00", "daysOfWeek": [1], "validFrom": "2027-02-01", "validUntil": "2027-01-01"}),
            "validUntil",
        ),
        (
            "update-company-settings",
            json!({"holdMinutes": 61}),
            "holdMinutes",
        ),
        (
            "update-company-settings",
            json!({"currency": "euro"}),
            "currency",
        ),
        (
            "update-company-settings",
            json!({"cancellationPolicy": [{"hoursBefore": 24, "refundPercent": 150}]}),
            "cancellationPolicy[0].refundPercent",
        ),
        (
            "create-trip",
            json!({"routeId": f.route, "busId": f.bus, "departureAt": "2020-01-01T08:00:00Z"}),
            "departureAt",
        ),
    ];
    for (route, body, field) in cases {
        let (status, resp) = match route {
            "create-bus" => {
                send(
                    &app,
                    buses::create,
                    route,
                    &c.admin,
                    None,
                    Some(body.clone()),
                    &[],
                )
                .await
            }
            "create-route" => {
                send(
                    &app,
                    routes::create,
                    route,
                    &c.admin,
                    None,
                    Some(body.clone()),
                    &[],
                )
                .await
            }
            "create-schedule" => {
                send(
                    &app,
                    schedules::create,
                    route,
                    &c.admin,
                    None,
                    Some(body.clone()),
                    &[],
                )
                .await
            }
            "create-trip" => {
                send(
                    &app,
                    trips::create,
                    route,
                    &c.admin,
                    None,
                    Some(body.clone()),
                    &[],
                )
                .await
            }
            _ => {
                send(
                    &app,
                    settings::update,
                    route,
                    &c.admin,
                    None,
                    Some(body.clone()),
                    &[],
                )
                .await
            }
        };
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
    // An expired licence cannot be assigned.
    let expired = created(
        &app,
        &c,
        drivers::create,
        "create-driver",
        json!({"email": format!("{}@drivers.example", unique("d")), "password": "Driver-Pass-123",
               "firstName": "Old", "lastName": "Licence", "phone": "", "licenseNumber": "PT-1",
               "licenseExpiresOn": "2020-01-01"}),
    )
    .await;
    let (status, resp) = send(&app, schedules::create, "create-schedule", &c.admin, None,
        Some(json!({"routeId": f.route, "busId": f.bus, "driverId": expired, "departureLocalTime": "08:00",
                    "daysOfWeek": [1], "validFrom": "2027-01-01", "validUntil": "2027-02-01"})), &[]).await;
    assert_eq!(status, 400, "{resp}");
    assert_eq!(resp["details"][0]["field"], "driverId");
    assert!(
        resp["details"][0]["message"]
            .as_str()
            .unwrap()
            .contains("expires")
    );
}

#[tokio::test]
async fn drivers_count_toward_the_user_limit_and_deletion_deactivates() {
    let app = stack_app();
    let id = seed_org(&app, &["transit"], "1").await;
    let c = Company {
        admin: principal(Role::ADMIN, Some(&id), "u-admin"),
        staff: principal(Role::USER, Some(&id), "u-user"),
        driver: principal(Role::DRIVER, Some(&id), "u-driver"),
        id,
    };
    let body = |n: u8| {
        json!({"email": format!("driver{n}-{}@drivers.example", unique("d")), "password": "Driver-Pass-123",
               "firstName": "D", "lastName": format!("{n}"), "phone": "", "licenseNumber": "L",
               "licenseExpiresOn": "2099-01-01"})
    };
    let first = created(&app, &c, drivers::create, "create-driver", body(1)).await;
    let (status, resp) = send(
        &app,
        drivers::create,
        "create-driver",
        &c.admin,
        None,
        Some(body(2)),
        &[],
    )
    .await;
    assert_eq!(status, 409, "{resp}");
    assert!(resp["error"].as_str().unwrap().contains("user limit"));

    let (status, resp) = send(
        &app,
        drivers::delete,
        "delete-driver",
        &c.admin,
        Some(&first),
        None,
        &[],
    )
    .await;
    assert_eq!(status, 200, "{resp}");
    let (_, list) = send(
        &app,
        drivers::list,
        "list-drivers",
        &c.staff,
        None,
        None,
        &[],
    )
    .await;
    assert_eq!(list["data"][0]["active"], false);
    assert_eq!(list["data"][0]["lastName"], "1", "history keeps the name");
    let user = tenancy::store::find_user(&app, &c.id, mongodb::bson::doc! {"id": &first})
        .await
        .unwrap()
        .unwrap();
    assert!(!user.get_bool("isActive").unwrap());
}

#[tokio::test]
async fn stop_search_is_public_and_prefix_matches_names_and_cities() {
    let app = stack_app();
    let c = company(&app, "Europe/Lisbon").await;
    let town = format!("Vila{}", unique("q"));
    created(
        &app,
        &c,
        stops::create,
        "create-stop",
        json!({"name": "Central (bay 3)", "city": town}),
    )
    .await;
    let anyone = principal(Role::PASSENGER, None, "p-1");
    for q in [&town.to_lowercase()[..9], &town.to_uppercase()] {
        let (status, body) = send(
            &app,
            stops::search,
            "search-stops",
            &anyone,
            None,
            None,
            &[("q", q)],
        )
        .await;
        assert_eq!(status, 200, "{body}");
        assert!(
            body["data"]
                .as_array()
                .unwrap()
                .iter()
                .any(|s| s["city"] == town.as_str()),
            "{q}: {body}"
        );
    }
    // Regex characters are text, not a pattern.
    let (status, body) = send(
        &app,
        stops::search,
        "search-stops",
        &anyone,
        None,
        None,
        &[("q", ".*")],
    )
    .await;
    assert_eq!(status, 200);
    assert!(body["data"].as_array().unwrap().is_empty(), "{body}");
}
