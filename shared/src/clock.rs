//! Time as the platform keeps it. Instants are stored as BSON dates (UTC,
//! milliseconds): range queries, TTL indexes and `$dateToString` with an
//! IANA zone work on them, and the chatbot's own `startedAt` is one. Clients
//! see them as RFC 3339 text in UTC with milliseconds
//! (`2026-12-02T05:40:00.123Z`), the seed's `createdAt`/`updatedAt` format.
//!
//! Documents written before this rule kept RFC 3339 text; readers accept
//! both until `scripts/migrate-dates.py` has converted them.

use mongodb::bson::{self, Bson};
use time::{OffsetDateTime, macros::format_description};

/// Now, as clients see an instant (e.g. `2026-12-02T05:40:00.123Z`).
pub fn now_rfc3339() -> String {
    rfc3339(now())
}

/// Now, as an instant is stored.
pub fn now() -> bson::DateTime {
    bson::DateTime::now()
}

/// A stored instant as clients see it.
pub fn rfc3339(at: bson::DateTime) -> String {
    let utc =
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(at.timestamp_millis()) * 1_000_000)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH);
    utc.format(format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    ))
    .unwrap_or_default()
}

/// The first instant of a UTC day, as stored: the bound of a day range
/// (`{$gte: start(from), $lt: start(to + 1)}`).
pub fn day_start(day: time::Date) -> bson::DateTime {
    bson::DateTime::from_millis(day.midnight().assume_utc().unix_timestamp() * 1000)
}

/// A stored instant field (a BSON date, or text from before the
/// migration) as clients see it; `None` when absent or of another type.
pub fn instant_text(value: Option<&Bson>) -> Option<String> {
    match value? {
        Bson::DateTime(at) => Some(rfc3339(*at)),
        Bson::String(text) => Some(text.clone()),
        _ => None,
    }
}

/// serde `deserialize_with` for a view's instant field (`Option<String>`)
/// read from a stored document: a BSON date or legacy text.
pub fn stored_instant<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let value: Option<Bson> = serde::Deserialize::deserialize(d)?;
    Ok(instant_text(value.as_ref()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_instants_read_as_rfc3339_with_milliseconds() {
        let at = bson::DateTime::from_millis(1_795_687_200_050);
        assert_eq!(rfc3339(at), "2026-11-26T10:00:00.050Z");
        assert_eq!(
            instant_text(Some(&Bson::DateTime(at))).unwrap(),
            "2026-11-26T10:00:00.050Z"
        );
        let legacy = Bson::String("2026-01-01T00:00:00Z".into());
        assert_eq!(instant_text(Some(&legacy)).unwrap(), "2026-01-01T00:00:00Z");
        assert_eq!(instant_text(Some(&Bson::Int32(3))), None);
    }
}
