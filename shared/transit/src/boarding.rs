//! Who boarded (invariant 4: a ticket boards once). The first scan of each
//! ticket is one DynamoDB item written by a conditional put, so of two
//! devices scanning the same ticket at once exactly one wins:
//!
//! - item `pk = scans#<tripId>`, `sk = <ticketId>`: `{scannedAt (epoch ms),
//!   deviceId, scannedBy, expiresAt (TTL)}`. One partition per trip, so a
//!   trip's manifest reads every boarding in one Query.
//! - an online scan writes only where no scan is (`attribute_not_exists`);
//!   an offline device's batch also replaces a later scan (the earliest
//!   `scannedAt` wins), and both devices learn the winner.

use std::collections::HashMap;

use aws_sdk_dynamodb::{error::SdkError, types::AttributeValue};
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;
use shared::{
    App,
    http::ApiError,
    stores::aws::{dynamodb_error, number_attr, partition, text_attr},
};

/// How long a boarding is kept after the ticket's window closed.
const KEEP: SignedDuration = SignedDuration::from_hours(24 * 90);

fn pk(trip_id: &str) -> AttributeValue {
    AttributeValue::S(format!("scans#{trip_id}"))
}

/// One scan of a ticket: when, by which device and whom.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Scan {
    /// When the ticket was scanned, UTC (RFC 3339).
    #[schema(value_type = String)]
    pub scanned_at: Timestamp,
    pub device_id: String,
    /// The user (driver or staff) who scanned it.
    #[serde(skip)]
    pub scanned_by: String,
}

/// What a scan did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Boarding {
    /// This scan is the ticket's first; `replaced` is a later scan it
    /// displaced (an offline device that synced first).
    Boarded { replaced: Option<Scan> },
    /// Another scan came first: this one.
    Already(Scan),
}

/// Whether the earliest scan wins a conflict (an offline batch), or
/// whichever is written first (an online scan, judged by the server's clock).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    FirstWritten,
    EarliestScanned,
}

fn scan_of(item: &HashMap<String, AttributeValue>) -> Option<Scan> {
    Some(Scan {
        scanned_at: Timestamp::from_millisecond(number_attr(item, "scannedAt")?).ok()?,
        device_id: text_attr(item, "deviceId")?.to_owned(),
        scanned_by: text_attr(item, "scannedBy").unwrap_or_default().to_owned(),
    })
}

/// Records `scan` as ticket `ticket_id`'s boarding unless another scan
/// wins under `rule`. `valid_until` is the ticket's window (for the TTL).
pub async fn board(
    app: &App,
    trip_id: &str,
    ticket_id: &str,
    scan: &Scan,
    rule: Rule,
    valid_until: Timestamp,
) -> Result<Boarding, ApiError> {
    let db = app.dynamodb().await;
    let table = app.config.table_name()?;
    let condition = match rule {
        Rule::FirstWritten => "attribute_not_exists(pk)",
        // An exact retry of the same device's scan (a sync that failed
        // part-way) is the same boarding, not a second one.
        Rule::EarliestScanned => {
            "attribute_not_exists(pk) OR scannedAt > :at OR (scannedAt = :at AND deviceId = :device)"
        }
    };
    let mut put = db
        .put_item()
        .table_name(table)
        .item("pk", pk(trip_id))
        .item("sk", AttributeValue::S(ticket_id.to_owned()))
        .item(
            "scannedAt",
            AttributeValue::N(scan.scanned_at.as_millisecond().to_string()),
        )
        .item("deviceId", AttributeValue::S(scan.device_id.clone()))
        .item("scannedBy", AttributeValue::S(scan.scanned_by.clone()))
        .item(
            "expiresAt",
            AttributeValue::N((valid_until + KEEP).as_second().to_string()),
        )
        .condition_expression(condition)
        .return_values(aws_sdk_dynamodb::types::ReturnValue::AllOld);
    if rule == Rule::EarliestScanned {
        put = put
            .expression_attribute_values(
                ":at",
                AttributeValue::N(scan.scanned_at.as_millisecond().to_string()),
            )
            .expression_attribute_values(":device", AttributeValue::S(scan.device_id.clone()));
    }
    match put.send().await {
        Ok(out) => Ok(Boarding::Boarded {
            // A scan it displaced; not itself, when this was a retry.
            replaced: out.attributes().and_then(scan_of).filter(|old| {
                (old.scanned_at, &old.device_id) != (scan.scanned_at, &scan.device_id)
            }),
        }),
        Err(SdkError::ServiceError(e)) if e.err().is_conditional_check_failed_exception() => {
            // The winner, read after it was written (consistently).
            let first = first_scan(app, trip_id, ticket_id).await?.ok_or_else(|| {
                ApiError::internal(format!("ticket {ticket_id}: scan refused but none stored"))
            })?;
            Ok(Boarding::Already(first))
        }
        Err(e) => Err(dynamodb_error(e)),
    }
}

/// Ticket `ticket_id`'s boarding, if it boarded.
pub async fn first_scan(
    app: &App,
    trip_id: &str,
    ticket_id: &str,
) -> Result<Option<Scan>, ApiError> {
    let out = app
        .dynamodb()
        .await
        .get_item()
        .table_name(app.config.table_name()?)
        .key("pk", pk(trip_id))
        .key("sk", AttributeValue::S(ticket_id.to_owned()))
        .consistent_read(true)
        .send()
        .await
        .map_err(dynamodb_error)?;
    Ok(out.item().and_then(scan_of))
}

/// Every boarding of a trip, by ticket id.
pub async fn of_trip(app: &App, trip_id: &str) -> Result<HashMap<String, Scan>, ApiError> {
    Ok(partition(app, pk(trip_id))
        .await?
        .iter()
        .filter_map(|item| Some((text_attr(item, "sk")?.to_owned(), scan_of(item)?)))
        .collect())
}
