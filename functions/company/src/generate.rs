//! Materializing a schedule's trips, at its creation and daily from
//! `generate-trips`. Idempotent per schedule and service date: a trip's
//! unique `slot` decides, so two runs at once, or a run repeated by
//! EventBridge after a failure, create each trip once.

use std::collections::{BTreeMap, BTreeSet};

use futures_util::TryStreamExt;
use jiff::Timestamp;
use mongodb::bson::{Document, doc};
use shared::{App, http::ApiError, runtime::EventBridgeEvent, stores::mongo::unavailable};
use tenancy::{licence::ensure_licensed_for, store::find_org};
use transit::{
    store::{BUSES, DRIVERS, ROUTES, SCHEDULES, TRIPS, collection},
    trips::{NewTrip, Timetable, schedule_slot},
    zone,
};

use crate::access::new_id;

async fn one(
    app: &App,
    name: &'static str,
    filter: Document,
) -> Result<Option<Document>, ApiError> {
    collection(app, name)
        .await?
        .find_one(filter)
        .await
        .map_err(unavailable)
}

/// Creates the trips of `schedule` within the horizon seen at `now` that
/// do not exist yet; how many it created. A schedule whose route or bus
/// is gone generates nothing.
pub async fn materialize(
    app: &App,
    schedule: &Document,
    now: Timestamp,
) -> Result<usize, ApiError> {
    let text = |k: &str| schedule.get_str(k).unwrap_or_default();
    let company_id = text("companyId");
    let scope = |id: &str| doc! {"id": id, "companyId": company_id};
    let (Some(route), Some(bus)) = (
        one(app, ROUTES, scope(text("routeId"))).await?,
        one(app, BUSES, scope(text("busId"))).await?,
    ) else {
        tracing::warn!(
            schedule = text("id"),
            "schedule's route or bus is gone: no trips"
        );
        return Ok(0);
    };
    let driver = match schedule.get_str("driverId") {
        Ok(id) => one(app, DRIVERS, scope(id)).await?,
        Err(_) => None,
    };
    let zone = zone::stored(route.get_str("timezone").unwrap_or_default())?;
    let departures = Timetable::of(schedule, zone)?.departures(now)?;
    let existing: BTreeSet<String> = collection(app, TRIPS)
        .await?
        .find(doc! {"scheduleId": text("id"), "departureAt": {"$gt": zone::bson(now)}})
        .projection(doc! {"slot": 1})
        .await
        .map_err(unavailable)?
        .try_collect::<Vec<Document>>()
        .await
        .map_err(unavailable)?
        .iter()
        .filter_map(|t| t.get_str("slot").ok().map(str::to_owned))
        .collect();
    let mut created = 0;
    for (date, at) in departures {
        let slot = schedule_slot(text("id"), date);
        if existing.contains(&slot) {
            continue;
        }
        // The schedule's driver drives the trips their licence covers.
        let driver_id = driver.as_ref().filter(|d| {
            d.get_bool("active").unwrap_or(false)
                && d.get_str("licenseExpiresOn")
                    .ok()
                    .and_then(zone::parse_date)
                    .is_some_and(|last| last >= date)
        });
        let trip = NewTrip {
            company_id,
            slot,
            schedule_id: Some(text("id")),
            route: &route,
            bus: &bus,
            driver_id: driver_id.and_then(|d| d.get_str("id").ok()),
            at,
        }
        .document(&new_id())?;
        if transit::trips::insert_once(app, &trip).await? {
            created += 1;
        }
    }
    Ok(created)
}

/// Keep every active schedule's trips 30 days ahead.
///
/// Runs daily (EventBridge Scheduler). "Now" is the event's `time` (when
/// the run was scheduled), so a delayed or repeated delivery computes the
/// same horizon. Companies no longer licensed for transit are skipped. A
/// failure on one schedule does not stop the others; the run then fails so
/// EventBridge retries it (already created trips are not created again).
pub async fn generate_trips(app: &'static App, event: EventBridgeEvent) -> Result<(), ApiError> {
    let now = event
        .time
        .and_then(|t| Timestamp::from_millisecond(t.timestamp_millis()).ok())
        .unwrap_or_else(Timestamp::now);
    // The unique slot is what makes a repeated run harmless.
    transit::store::ensure_fleet_indexes(app).await?;
    let schedules: Vec<Document> = collection(app, SCHEDULES)
        .await?
        .find(doc! {"active": true})
        .await
        .map_err(unavailable)?
        .try_collect()
        .await
        .map_err(unavailable)?;
    let mut licensed: BTreeMap<String, bool> = BTreeMap::new();
    let (mut created, mut failed) = (0usize, 0usize);
    for schedule in &schedules {
        let company_id = schedule.get_str("companyId").unwrap_or_default().to_owned();
        if !licensed.contains_key(&company_id) {
            let ok = find_org(app, doc! {"accountId": &company_id})
                .await?
                .is_some_and(|org| ensure_licensed_for(&org, transit::PRODUCT).is_ok());
            licensed.insert(company_id.clone(), ok);
        }
        if !licensed[&company_id] {
            continue;
        }
        match materialize(app, schedule, now).await {
            Ok(n) => created += n,
            Err(e) => {
                failed += 1;
                tracing::error!(schedule = schedule.get_str("id").unwrap_or_default(), error = %e.message(), "trip generation failed");
            }
        }
    }
    tracing::info!(
        schedules = schedules.len(),
        created,
        failed,
        "trips generated"
    );
    if failed > 0 {
        return Err(ApiError::internal(format!(
            "{failed} schedules failed; retry"
        )));
    }
    Ok(())
}
