//! A bus company's transit settings (`transit.companies`, one per company:
//! the company crate writes them): its zone, currency, how long a hold
//! lasts, its cancellation policy and the name passengers see. Ticketing
//! reads them to hold seats and to refund by the policy.

use jiff::{SignedDuration, Timestamp};
use mongodb::bson::{Document, doc};
use serde::{Deserialize, Serialize};
use shared::{App, http::ApiError, stores::mongo::unavailable};
use utoipa::ToSchema;

use crate::store::{COMPANIES, collection};

/// A refund rule: cancelling at least `hoursBefore` hours before departure
/// refunds `refundPercent` of the price.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RefundRule {
    #[schema(minimum = 0, maximum = 8760)]
    pub hours_before: u32,
    #[schema(minimum = 0, maximum = 100)]
    pub refund_percent: u8,
}

/// The company's transit settings.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CompanySettings {
    /// The organization's accountId.
    pub company_id: String,
    /// IANA zone (default `UTC`).
    pub timezone: String,
    /// ISO 4217 (default `EUR`).
    pub currency: String,
    /// How long a booking holds its seats, 1-60 minutes (default 10).
    pub hold_minutes: u32,
    /// Ordered from the earliest cancellation; empty: no refunds.
    pub cancellation_policy: Vec<RefundRule>,
    /// The name passengers see (default: the organization's name).
    pub display_name: String,
}

/// Reads the stored settings over the defaults.
pub fn view(company_id: &str, org: &Document, stored: Option<&Document>) -> CompanySettings {
    let text = |k: &str| stored.and_then(|s| s.get_str(k).ok()).map(str::to_owned);
    CompanySettings {
        company_id: company_id.to_owned(),
        timezone: text("timezone").unwrap_or_else(|| "UTC".into()),
        currency: text("currency").unwrap_or_else(|| "EUR".into()),
        hold_minutes: stored
            .and_then(|s| s.get_i32("holdMinutes").ok())
            .and_then(|n| u32::try_from(n).ok())
            .unwrap_or(10),
        cancellation_policy: stored
            .and_then(|s| s.get_array("cancellationPolicy").ok())
            .map(|rules| {
                rules
                    .iter()
                    .filter_map(|r| mongodb::bson::from_bson(r.clone()).ok())
                    .collect()
            })
            .unwrap_or_default(),
        display_name: text("displayName")
            .unwrap_or_else(|| org.get_str("name").unwrap_or_default().to_owned()),
    }
}

/// The settings of company `id` (defaults where unset).
pub async fn load(app: &App, id: &str, org: &Document) -> Result<CompanySettings, ApiError> {
    let stored = collection(app, COMPANIES)
        .await?
        .find_one(doc! {"companyId": id})
        .await
        .map_err(unavailable)?;
    Ok(view(id, org, stored.as_ref()))
}

/// The share of the price a cancellation `before` departure refunds: the
/// rule with the largest `hoursBefore` that still fits (rules are kept
/// sorted from the earliest). Computed on instants, so a DST change between
/// now and departure counts the hours that really pass.
pub fn refund_percent(policy: &[RefundRule], now: Timestamp, departure: Timestamp) -> u8 {
    let left = departure.duration_since(now);
    policy
        .iter()
        .filter(|r| left >= SignedDuration::from_hours(i64::from(r.hours_before)))
        .max_by_key(|r| r.hours_before)
        .map_or(0, |r| r.refund_percent)
}

/// `percent` of `amount` minor units, rounded down (never more than paid).
pub fn share(amount: i64, percent: u8) -> i64 {
    amount * i64::from(percent.min(100)) / 100
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> Vec<RefundRule> {
        vec![
            RefundRule {
                hours_before: 24,
                refund_percent: 100,
            },
            RefundRule {
                hours_before: 2,
                refund_percent: 50,
            },
        ]
    }

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    #[test]
    fn the_latest_rule_that_fits_applies() {
        let departure = at("2027-06-10T08:30:00Z");
        assert_eq!(
            refund_percent(&policy(), at("2027-06-09T08:30:00Z"), departure),
            100
        );
        assert_eq!(
            refund_percent(&policy(), at("2027-06-09T08:30:01Z"), departure),
            50
        );
        assert_eq!(
            refund_percent(&policy(), at("2027-06-10T06:30:00Z"), departure),
            50
        );
        assert_eq!(
            refund_percent(&policy(), at("2027-06-10T06:30:01Z"), departure),
            0
        );
        assert_eq!(
            refund_percent(&[], at("2027-01-01T00:00:00Z"), departure),
            0
        );
    }

    #[test]
    fn hours_are_instants_across_a_dst_change() {
        // Lisbon springs forward on 2027-03-28 at 01:00 UTC: from 08:30 local
        // on the 27th to 08:30 local on the 28th is only 23 hours, so a
        // cancellation at the same wall-clock time the day before is inside
        // the 24-hour rule's boundary and refunds 50 %, not 100 %.
        let lisbon = jiff::tz::TimeZone::get("Europe/Lisbon").unwrap();
        let local = |s: &str| {
            s.parse::<jiff::civil::DateTime>()
                .unwrap()
                .to_zoned(lisbon.clone())
                .unwrap()
                .timestamp()
        };
        let departure = local("2027-03-28T08:30:00");
        assert_eq!(
            refund_percent(&policy(), local("2027-03-27T08:30:00"), departure),
            50
        );
        assert_eq!(
            refund_percent(&policy(), local("2027-03-27T07:30:00"), departure),
            100
        );
    }

    #[test]
    fn a_share_never_exceeds_the_amount() {
        assert_eq!(share(2501, 50), 1250);
        assert_eq!(share(2500, 100), 2500);
        assert_eq!(share(2500, 0), 0);
    }
}
