//! Trips: one departure of a route with a bus. A trip keeps a snapshot of
//! its route (each stop's name, city and departure and arrival instants)
//! and of its bus's layout, so later edits of the route never change a
//! trip already generated, and the seat map is known without the bus.
//!
//! `transit.trips`: `{id, companyId, slot, scheduleId?, serviceDate,
//! routeId, driverId?, status, departureAt, arrivalAt, timezone,
//! route: {code, name, currency, legFares, stops: [{stopId, name, city,
//! arriveAt, departAt}]}, bus: {id, plateNumber, name, seatLayout},
//! calls: ["<city>|<local date>"] (see [`call_key`]), createdAt}`;
//! `serviceDate` is the local date of the departure in the route's zone,
//! instants are BSON dates (UTC).

use jiff::{SignedDuration, Timestamp, civil::Date, tz::TimeZone};
use mongodb::bson::{Bson, Document, doc};
use shared::{
    App,
    http::ApiError,
    stores::mongo::{is_duplicate_key, unavailable},
};

use crate::{
    store::{TRIPS, collection},
    zone,
};

/// How many service dates ahead a schedule's trips exist: today and the
/// next 29 days, in the route's zone.
pub const HORIZON_DAYS: i64 = 30;

pub const SCHEDULED: &str = "scheduled";
pub const CANCELLED: &str = "cancelled";

/// The key that makes a schedule's trip unique per service date.
pub fn schedule_slot(schedule_id: &str, date: Date) -> String {
    format!("{schedule_id}#{date}")
}

fn minutes(stop: &Document, key: &str) -> i64 {
    match stop.get(key) {
        Some(Bson::Int32(n)) => i64::from(*n),
        Some(Bson::Int64(n)) => *n,
        _ => 0,
    }
}

fn plus(at: Timestamp, mins: i64) -> Result<Timestamp, ApiError> {
    at.checked_add(SignedDuration::from_mins(mins))
        .map_err(ApiError::internal)
}

/// A new trip document: `route` and `bus` as stored, departing `at` from
/// the route's first stop.
pub struct NewTrip<'a> {
    pub company_id: &'a str,
    pub slot: String,
    pub schedule_id: Option<&'a str>,
    pub route: &'a Document,
    pub bus: &'a Document,
    pub driver_id: Option<&'a str>,
    pub at: Timestamp,
}

impl NewTrip<'_> {
    pub fn document(&self, id: &str) -> Result<Document, ApiError> {
        let text = |d: &Document, k: &str| d.get_str(k).unwrap_or_default().to_owned();
        let zone_name = text(self.route, "timezone");
        let zone = zone::stored(&zone_name)?;
        let mut stops = Vec::new();
        let mut calls = Vec::new();
        let mut arrival = self.at;
        for stop in self.route.get_array("stops").into_iter().flatten() {
            let Some(stop) = stop.as_document() else {
                continue;
            };
            let arrive = plus(self.at, minutes(stop, "arriveOffsetMin"))?;
            arrival = arrive;
            let depart = plus(self.at, minutes(stop, "departOffsetMin"))?;
            calls.push(call_key(&text(stop, "city"), zone::date_at(depart, &zone)));
            stops.push(doc! {
                "stopId": text(stop, "stopId"),
                "name": text(stop, "name"),
                "city": text(stop, "city"),
                "arriveAt": zone::bson(arrive),
                "departAt": zone::bson(depart),
            });
        }
        // A passenger boards anywhere but at the last stop.
        calls.pop();
        let mut trip = doc! {
            "id": id,
            "companyId": self.company_id,
            "slot": &self.slot,
            "serviceDate": zone::date_at(self.at, &zone).to_string(),
            "routeId": text(self.route, "id"),
            "status": SCHEDULED,
            "departureAt": zone::bson(self.at),
            "arrivalAt": zone::bson(arrival),
            "timezone": zone_name,
            "route": {
                "code": text(self.route, "code"),
                "name": text(self.route, "name"),
                "currency": text(self.route, "currency"),
                "legFares": self.route.get_array("legFares").cloned().unwrap_or_default(),
                "stops": stops,
            },
            "bus": bus_snapshot(self.bus),
            "calls": calls,
            "driverId": self.driver_id.map_or(Bson::Null, |d| Bson::String(d.to_owned())),
            "createdAt": shared::clock::now(),
        };
        if let Some(schedule) = self.schedule_id {
            trip.insert("scheduleId", schedule);
        }
        Ok(trip)
    }
}

/// The search key of a departure from `city` on local date `date`: a
/// trip's `calls` lists one per stop a passenger may board at, so a search
/// by origin city and local date is one index lookup (`calls`).
pub fn call_key(city: &str, date: Date) -> String {
    format!("{}|{date}", city.trim().to_lowercase())
}

/// What a trip keeps of its bus.
pub fn bus_snapshot(bus: &Document) -> Document {
    doc! {
        "id": bus.get_str("id").unwrap_or_default(),
        "plateNumber": bus.get_str("plateNumber").unwrap_or_default(),
        "name": bus.get("name").cloned().unwrap_or(Bson::Null),
        "seatLayout": bus.get_document("seatLayout").cloned().unwrap_or_default(),
    }
}

/// Inserts `trip` unless its slot is taken; whether it was inserted. Safe
/// to run concurrently and again: the unique slot decides.
pub async fn insert_once(app: &App, trip: &Document) -> Result<bool, ApiError> {
    match collection(app, TRIPS).await?.insert_one(trip).await {
        Ok(_) => Ok(true),
        Err(e) if is_duplicate_key(&e) => Ok(false),
        Err(e) => Err(unavailable(e)),
    }
}

/// A schedule's rule: which local dates it runs on.
pub struct Timetable {
    pub zone: TimeZone,
    pub departure: jiff::civil::Time,
    /// ISO weekdays, 1 = Monday.
    pub days_of_week: Vec<i8>,
    pub valid_from: Date,
    pub valid_until: Date,
}

impl Timetable {
    /// From a stored schedule and the zone of its route.
    pub fn of(schedule: &Document, zone: TimeZone) -> Result<Self, ApiError> {
        let text = |k: &str| schedule.get_str(k).unwrap_or_default();
        let bad = |k: &str| ApiError::internal(format!("stored schedule has a bad {k}"));
        Ok(Timetable {
            zone,
            departure: zone::parse_time(text("departureLocalTime"))
                .ok_or_else(|| bad("departureLocalTime"))?,
            days_of_week: schedule
                .get_array("daysOfWeek")
                .into_iter()
                .flatten()
                .filter_map(|d| match d {
                    Bson::Int32(n) => i8::try_from(*n).ok(),
                    Bson::Int64(n) => i8::try_from(*n).ok(),
                    _ => None,
                })
                .collect(),
            valid_from: zone::parse_date(text("validFrom")).ok_or_else(|| bad("validFrom"))?,
            valid_until: zone::parse_date(text("validUntil")).ok_or_else(|| bad("validUntil"))?,
        })
    }

    /// The departures within the horizon as seen at `now`: service dates
    /// today … today+29 in the zone, within validity, on the schedule's
    /// weekdays, and not yet departed.
    pub fn departures(&self, now: Timestamp) -> Result<Vec<(Date, Timestamp)>, ApiError> {
        let today = zone::date_at(now, &self.zone);
        let mut out = Vec::new();
        for offset in 0..HORIZON_DAYS {
            let date = today
                .checked_add(jiff::Span::new().days(offset))
                .map_err(ApiError::internal)?;
            if date < self.valid_from || date > self.valid_until {
                continue;
            }
            if !self
                .days_of_week
                .contains(&date.weekday().to_monday_one_offset())
            {
                continue;
            }
            let at = zone::instant(date, self.departure, &self.zone)?;
            if at > now {
                out.push((date, at));
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timetable(zone: &str, time: &str, days: Vec<i8>, from: &str, until: &str) -> Timetable {
        Timetable {
            zone: zone::named(zone).unwrap(),
            departure: zone::parse_time(time).unwrap(),
            days_of_week: days,
            valid_from: zone::parse_date(from).unwrap(),
            valid_until: zone::parse_date(until).unwrap(),
        }
    }

    #[test]
    fn thirty_days_within_validity_on_the_weekdays_not_departed() {
        let now: Timestamp = "2027-03-01T12:00:00Z".parse().unwrap();
        let every_day = timetable(
            "Europe/Lisbon",
            "08:00",
            (1..=7).collect(),
            "2020-01-01",
            "2030-01-01",
        );
        let all = every_day.departures(now).unwrap();
        // Today's 08:00 has left: 29 remain, the last on today+29.
        assert_eq!(all.len(), 29);
        assert_eq!(all[0].0.to_string(), "2027-03-02");
        assert_eq!(all.last().unwrap().0.to_string(), "2027-03-30");
        // Lisbon changes to summer time on 2027-03-28: 08:00 local is
        // 08:00Z before and 07:00Z after.
        let by_date = |d: &str| {
            all.iter()
                .find(|(date, _)| date.to_string() == d)
                .unwrap()
                .1
                .to_string()
        };
        assert_eq!(by_date("2027-03-27"), "2027-03-27T08:00:00Z");
        assert_eq!(by_date("2027-03-28"), "2027-03-28T07:00:00Z");

        let weekdays = timetable(
            "Europe/Lisbon",
            "23:30",
            vec![1, 3],
            "2027-03-03",
            "2027-03-10",
        );
        let dates: Vec<String> = weekdays
            .departures(now)
            .unwrap()
            .iter()
            .map(|(d, _)| d.to_string())
            .collect();
        // Monday 1 and Wednesday 3: within 03-03 … 03-10 that is 03-03 (Wed) and 03-08 (Mon), 03-10 (Wed).
        assert_eq!(dates, ["2027-03-03", "2027-03-08", "2027-03-10"]);
    }
}
