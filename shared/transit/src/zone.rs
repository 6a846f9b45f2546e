//! Local dates and times in an IANA zone, and the UTC instants they name.
//!
//! Operators think in local wall-clock times ("the 02:30 to Porto"); trips
//! are stored as UTC instants. Where the wall clock skips or repeats an
//! hour, a local time resolves as RFC 5545 and most calendars do
//! ("compatible"): a time inside a spring-forward gap moves forward by the
//! gap (02:30 becomes 03:30), and a time in the repeated autumn hour is its
//! first occurrence (the bus leaves once, at the earlier 01:30).

use jiff::{
    Timestamp,
    civil::{Date, DateTime, Time},
    tz::TimeZone,
};
use shared::http::{ApiError, Violations};

/// The zone named `name` (`Europe/Lisbon`), from the bundled IANA database.
pub fn named(name: &str) -> Option<TimeZone> {
    // Only canonical-looking names: `TimeZone::get` also accepts paths.
    if name.is_empty() || name.len() > 64 || name.contains("..") || name.starts_with('/') {
        return None;
    }
    TimeZone::get(name).ok()
}

/// Checks a zone field.
pub fn check(v: &mut Violations, field: &str, name: &str) {
    v.check(
        named(name).is_some(),
        field,
        "must be an IANA time zone name, e.g. Europe/Lisbon",
    );
}

/// A zone that was valid when stored; a 500 if the database lost it.
pub fn stored(name: &str) -> Result<TimeZone, ApiError> {
    named(name).ok_or_else(|| ApiError::internal(format!("stored time zone {name:?} is unknown")))
}

/// A `YYYY-MM-DD` date.
pub fn parse_date(text: &str) -> Option<Date> {
    if text.len() != 10 {
        return None;
    }
    text.parse().ok()
}

/// A `HH:MM` wall-clock time.
pub fn parse_time(text: &str) -> Option<Time> {
    let (h, m) = text.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    Time::new(h.parse().ok()?, m.parse().ok()?, 0, 0).ok()
}

/// The instant of local `date` at `time` in `zone` (see the module's rule
/// for skipped and repeated times).
pub fn instant(date: Date, time: Time, zone: &TimeZone) -> Result<Timestamp, ApiError> {
    zone.to_ambiguous_timestamp(DateTime::from_parts(date, time))
        .compatible()
        .map_err(ApiError::internal)
}

/// Today's date in `zone` at `now`.
pub fn date_at(now: Timestamp, zone: &TimeZone) -> Date {
    now.to_zoned(zone.clone()).date()
}

/// RFC 3339 with the zone's UTC offset at that instant
/// (`2027-03-14T03:30:00-04:00`): what a timetable shows.
pub fn local_rfc3339(at: Timestamp, zone: &TimeZone) -> String {
    at.to_zoned(zone.clone())
        .strftime("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

/// RFC 3339 in UTC with milliseconds, as every instant the API answers.
pub fn utc_rfc3339(at: Timestamp) -> String {
    at.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// The stored (BSON) form of an instant.
pub fn bson(at: Timestamp) -> mongodb::bson::DateTime {
    mongodb::bson::DateTime::from_millis(at.as_millisecond())
}

/// An instant read back from BSON.
pub fn from_bson(at: mongodb::bson::DateTime) -> Timestamp {
    Timestamp::from_millisecond(at.timestamp_millis()).unwrap_or(Timestamp::UNIX_EPOCH)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(zone: &str, date: &str, time: &str) -> String {
        let zone = named(zone).unwrap();
        let t = instant(parse_date(date).unwrap(), parse_time(time).unwrap(), &zone).unwrap();
        format!("{} {}", utc_rfc3339(t), local_rfc3339(t, &zone))
    }

    #[test]
    fn a_time_in_the_spring_gap_moves_forward_by_the_gap() {
        // New York, 2027-03-14: 02:00 EST jumps to 03:00 EDT.
        assert_eq!(
            at("America/New_York", "2027-03-14", "02:30"),
            "2027-03-14T07:30:00.000Z 2027-03-14T03:30:00-04:00"
        );
        // Lisbon, 2027-03-28: 01:00 WET jumps to 02:00 WEST.
        assert_eq!(
            at("Europe/Lisbon", "2027-03-28", "01:30"),
            "2027-03-28T01:30:00.000Z 2027-03-28T02:30:00+01:00"
        );
        // The day before and after keep their wall-clock time.
        assert_eq!(
            at("America/New_York", "2027-03-13", "02:30"),
            "2027-03-13T07:30:00.000Z 2027-03-13T02:30:00-05:00"
        );
        assert_eq!(
            at("America/New_York", "2027-03-15", "02:30"),
            "2027-03-15T06:30:00.000Z 2027-03-15T02:30:00-04:00"
        );
    }

    #[test]
    fn a_time_in_the_repeated_autumn_hour_is_its_first_occurrence() {
        // New York, 2027-11-07: 02:00 EDT falls back to 01:00 EST.
        assert_eq!(
            at("America/New_York", "2027-11-07", "01:30"),
            "2027-11-07T05:30:00.000Z 2027-11-07T01:30:00-04:00"
        );
        // Lisbon, 2027-10-31: 02:00 WEST falls back to 01:00 WET.
        assert_eq!(
            at("Europe/Lisbon", "2027-10-31", "01:30"),
            "2027-10-31T00:30:00.000Z 2027-10-31T01:30:00+01:00"
        );
    }

    #[test]
    fn zones_dates_and_times_are_checked() {
        assert!(named("Europe/Lisbon").is_some());
        assert!(named("Mars/Olympus").is_none());
        assert!(named("../../etc/passwd").is_none());
        assert!(named("/etc/localtime").is_none());
        assert!(parse_time("24:00").is_none());
        assert!(parse_time("7:30").is_none());
        assert_eq!(parse_time("07:30"), Some(Time::constant(7, 30, 0, 0)));
        assert!(parse_date("2027-02-30").is_none());
        assert!(parse_date("2027-2-3").is_none());
    }
}
