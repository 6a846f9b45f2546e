//! The current time as the stores keep it: UTC, RFC 3339 text (the seed's
//! `createdAt`/`updatedAt` format).

use time::{OffsetDateTime, format_description::well_known::Rfc3339};

/// Now, as RFC 3339 text in UTC (e.g. `2026-12-02T05:40:00.123Z`).
pub fn now_rfc3339() -> String {
    OffsetDateTime::now_utc()
        .format(&Rfc3339)
        .unwrap_or_default()
}
