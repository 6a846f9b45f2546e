//! The reporting window and the organization a request reports on.

use std::collections::HashMap;

use mongodb::bson::{Document, doc};
use serde::Serialize;
use shared::clock::day_start;
use shared::{
    App,
    http::{ApiError, Request, query_param},
    stores::mongo::org_db_name,
};
use time::{Date, Duration, OffsetDateTime, macros::format_description};

use utoipa::ToSchema;

/// The query both analytics routes take (schema only: `Range::from_query`
/// and `organization` read it).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct RangeQuery {
    /// First day, YYYY-MM-DD (default: 29 days before `to`).
    #[param(format = Date)]
    from: Option<String>,
    /// Last day (inclusive), YYYY-MM-DD (default: today, UTC).
    #[param(format = Date)]
    to: Option<String>,
    /// The organization (accountId); required for the super admin, others
    /// may only name their own.
    #[param(rename = "organizationId")]
    organization_id: Option<String>,
}

pub const MAX_DAYS: i64 = 366;
pub const DEFAULT_DAYS: i64 = 30;

/// The reporting window the numbers cover (UTC days, inclusive).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RangeView {
    /// First day, YYYY-MM-DD.
    #[schema(format = Date, example = "2026-01-01")]
    pub from: String,
    /// Last day (inclusive), YYYY-MM-DD.
    #[schema(format = Date, example = "2026-01-30")]
    pub to: String,
    /// Number of days in the window (1-366).
    pub days: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    pub from: Date,
    /// Inclusive.
    pub to: Date,
}

fn parse_day(req: &Request, name: &str) -> Result<Option<Date>, ApiError> {
    query_param(req, name)
        .map(|v| {
            Date::parse(&v, format_description!("[year]-[month]-[day]")).map_err(|_| {
                ApiError::validation(format!("query.{name}"), "must be a date as YYYY-MM-DD")
            })
        })
        .transpose()
}

impl Range {
    pub fn from_query(req: &Request) -> Result<Self, ApiError> {
        let today = OffsetDateTime::now_utc().date();
        let to = parse_day(req, "to")?.unwrap_or(today);
        let from = parse_day(req, "from")?.unwrap_or(to - Duration::days(DEFAULT_DAYS - 1));
        if from > to {
            return Err(ApiError::validation("query.from", "must not be after `to`"));
        }
        if (to - from).whole_days() + 1 > MAX_DAYS {
            return Err(ApiError::validation(
                "query.from",
                format!("the range may span at most {MAX_DAYS} days"),
            ));
        }
        Ok(Range { from, to })
    }

    pub fn days(&self) -> i64 {
        (self.to - self.from).whole_days() + 1
    }

    /// `{field: {$gte: from 00:00, $lt: to+1 00:00}}` (instants are BSON dates).
    pub fn date_filter(&self, field: &str) -> Document {
        let end = self.to.next_day().unwrap_or(self.to);
        doc! { field: {"$gte": day_start(self.from), "$lt": day_start(end)} }
    }

    pub fn describe(&self) -> RangeView {
        RangeView {
            from: self.from.to_string(),
            to: self.to.to_string(),
            days: self.days(),
        }
    }

    /// A daily series with one row per day of the range (`row` gets the
    /// day as YYYY-MM-DD), so days without data appear with zeros.
    pub fn fill<T>(&self, mut row: impl FnMut(&str) -> T) -> Vec<T> {
        let mut out = Vec::with_capacity(self.days() as usize);
        let mut day = self.from;
        loop {
            out.push(row(&day.to_string()));
            match day.next_day() {
                Some(next) if next <= self.to => day = next,
                _ => break,
            }
        }
        out
    }
}

/// The organization to report on: the caller's; the super admin names one.
pub async fn organization(app: &App, req: &Request) -> Result<String, ApiError> {
    let principal = app.principal(req).await?;
    let requested = query_param(req, "organizationId");
    let account_id = match (&requested, &principal.organization_id) {
        (Some(org), _) => org.clone(),
        (None, Some(own)) => own.clone(),
        (None, None) => {
            return Err(ApiError::validation(
                "query.organizationId",
                "is required for the super admin",
            ));
        }
    };
    org_db_name(&account_id).map_err(|_| {
        ApiError::validation(
            "query.organizationId",
            "is not a valid organization account id",
        )
    })?;
    principal.require_member_of(&account_id)?;
    Ok(account_id)
}

/// A number from an aggregation result (int32, int64 or double).
pub fn number(doc: &Document, key: &str) -> i64 {
    match doc.get(key) {
        Some(mongodb::bson::Bson::Int32(n)) => i64::from(*n),
        Some(mongodb::bson::Bson::Int64(n)) => *n,
        Some(mongodb::bson::Bson::Double(n)) => *n as i64,
        _ => 0,
    }
}

/// `[{_id: "YYYY-MM-DD", <key>: n}]` (a `$group` by day) as day → n.
pub fn per_day(rows: &[Document], key: &str) -> HashMap<String, i64> {
    rows.iter()
        .map(|r| {
            (
                r.get_str("_id").unwrap_or_default().to_owned(),
                number(r, key),
            )
        })
        .collect()
}
