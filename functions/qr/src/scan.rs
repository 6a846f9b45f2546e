//! Boarding: a conductor's device scans a ticket's code, online one at a
//! time or offline in a batch synced later (invariant 4). The code is
//! checked like any device would (signature, audience, window), then the
//! ticket (void, trip), then the first scan is written conditionally, so
//! a ticket boards once whichever devices scan it and whenever they sync.

use std::collections::HashMap;

use jiff::{SignedDuration, Timestamp};
use lambda_http::http::StatusCode;
use mongodb::bson::{Document, doc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use shared::{
    App,
    http::{
        ApiError, ErrorCode, Principal, Reply, Request, Validate, Violations,
        openapi::{Failure, Success},
        parse_json, parse_json_with_limit,
    },
    stores::mongo::unavailable,
};
use transit::{
    boarding::{self, Boarding, Rule, Scan},
    codes::{self, Invalid, Verdict},
    sales::VALID,
    store::{TICKETS, collection},
};
use utoipa::ToSchema;

use crate::gate::{CREW, boarding_trip};

/// The most scans one batch may carry: a coach-load; a device with more
/// syncs in several batches (each scan is a few round trips, and the
/// function has seconds, not minutes).
pub const MAX_BATCH: usize = 100;
/// A batch's body: `MAX_BATCH` codes of ~600 bytes with their fields.
const BATCH_BODY_LIMIT: usize = 128 * 1024;
/// How far ahead of the server's clock a device's `scannedAt` may be.
const CLOCK_SKEW: SignedDuration = SignedDuration::from_mins(5);

/// A ticket scanned now.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ScanRequest {
    /// The ticket code read from the QR image.
    #[schema(min_length = 1, max_length = 2048)]
    pub code: String,
    /// The trip being boarded.
    #[schema(min_length = 1, max_length = 64)]
    pub trip_id: String,
    /// The scanning device.
    #[schema(min_length = 1, max_length = 64)]
    pub device_id: String,
}

impl Validate for ScanRequest {
    fn validate(&self, v: &mut Violations) {
        v.required("code", &self.code);
        v.required("tripId", &self.trip_id);
        v.required("deviceId", &self.device_id);
    }
}

/// A ticket that boarded.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Boarded {
    /// `BOARDED`.
    #[schema(example = "BOARDED")]
    pub result: &'static str,
    pub ticket_id: String,
    pub seat: String,
    pub passenger_name: String,
}

/// What a code does on a trip.
enum Outcome {
    Boarded {
        ticket: Document,
        replaced: Option<Scan>,
    },
    Already {
        ticket: Document,
        first: Scan,
    },
    Invalid(Invalid),
}

/// Judges `code` for boarding `trip_id` by `scan`, and records the boarding
/// if it is the one that counts under `rule`.
async fn judge(
    app: &App,
    trip_id: &str,
    code: &str,
    scan: &Scan,
    rule: Rule,
) -> Result<Outcome, ApiError> {
    let claims = match codes::verify(app, code, scan.scanned_at).await {
        Ok(claims) => claims,
        Err(Verdict::Invalid(why)) => return Ok(Outcome::Invalid(why)),
        Err(Verdict::Error(e)) => return Err(e),
    };
    if claims.trp != trip_id {
        return Ok(Outcome::Invalid(Invalid::OtherTrip));
    }
    let ticket = collection(app, TICKETS)
        .await?
        .find_one(doc! {"id": &claims.tid, "tripId": trip_id})
        .await
        .map_err(unavailable)?;
    let Some(ticket) = ticket.filter(|t| t.get_str("status") == Ok(VALID)) else {
        return Ok(Outcome::Invalid(Invalid::Void));
    };
    let valid_until = Timestamp::from_second(claims.exp).unwrap_or(scan.scanned_at);
    Ok(
        match boarding::board(app, trip_id, &claims.tid, scan, rule, valid_until).await? {
            Boarding::Boarded { replaced } => Outcome::Boarded { ticket, replaced },
            Boarding::Already(first) => Outcome::Already { ticket, first },
        },
    )
}

/// Counts a scan's outcome: boarded, or refused.
fn counted(outcome: Outcome) -> Outcome {
    shared::telemetry::count(match outcome {
        Outcome::Boarded { .. } => shared::telemetry::Business::TicketBoarded,
        Outcome::Already { .. } | Outcome::Invalid(_) => shared::telemetry::Business::ScanRefused,
    });
    outcome
}

fn boarded(ticket: &Document) -> Boarded {
    let text = |k: &str| ticket.get_str(k).unwrap_or_default().to_owned();
    Boarded {
        result: "BOARDED",
        ticket_id: text("id"),
        seat: text("seat"),
        passenger_name: text("passengerName"),
    }
}

fn scan_by(caller: &Principal, device_id: &str, at: Timestamp) -> Scan {
    Scan {
        scanned_at: at,
        device_id: device_id.trim().to_owned(),
        scanned_by: caller.user_id.clone(),
    }
}

/// Scan a ticket.
///
/// The trip's driver, or staff of its company (`d`). 200 `BOARDED` with
/// the seat and passenger name; 409 `ALREADY_BOARDED` with the first scan's
/// time and device in `data.firstScan`; 422 `TICKET_INVALID` with
/// `data.reason`: `signature` (forged, altered, not a ticket), `void`,
/// `other_trip` or `outside_validity`.
#[utoipa::path(
    post,
    path = "/transit/tickets/scan",
    operation_id = "scan-ticket",
    tag = "transit",
    request_body = ScanRequest,
    responses(
        (status = 200, description = "BOARDED.", body = Success<Boarded>),
        (status = 400, description = "VALIDATION_FAILED naming the field.", body = Failure),
        (status = 403, description = "FORBIDDEN: not a driver or staff token.", body = Failure),
        (status = 404, description = "NOT_FOUND: no such trip of yours.", body = Failure),
        (status = 409, description = "ALREADY_BOARDED: `data.firstScan {scannedAt, deviceId}`.", body = Failure),
        (status = 422, description = "TICKET_INVALID: `data.reason`.", body = Failure),
    ),
    security(("bearerAuth" = [])),
)]
pub async fn scan(app: &App, req: Request) -> Result<Reply, ApiError> {
    // Who asks comes before what they sent: a bad token is 401, not 400.
    app.caller(&req, &CREW).await?;
    let body: ScanRequest = parse_json(&req)?;
    let (caller, _) = boarding_trip(app, &req, body.trip_id.trim()).await?;
    let scan = scan_by(&caller, &body.device_id, Timestamp::now());
    match counted(
        judge(
            app,
            body.trip_id.trim(),
            &body.code,
            &scan,
            Rule::FirstWritten,
        )
        .await?,
    ) {
        Outcome::Boarded { ticket, .. } => Reply::ok(boarded(&ticket)),
        Outcome::Already { first, .. } => Err(ApiError::new(
            StatusCode::CONFLICT,
            ErrorCode::AlreadyBoarded,
            "This ticket has already boarded.",
        )
        .with_data(json!({ "firstScan": first }))),
        Outcome::Invalid(why) => Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::TicketInvalid,
            "This ticket does not board this trip.",
        )
        .with_data(json!({ "reason": why.as_str() }))),
    }
}

/// One scan an offline device made.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct OfflineScan {
    #[schema(min_length = 1, max_length = 2048)]
    pub code: String,
    #[schema(min_length = 1, max_length = 64)]
    pub trip_id: String,
    /// When the device scanned it (RFC 3339).
    #[schema(min_length = 1, max_length = 64)]
    pub scanned_at: String,
}

/// An offline device's scans.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ScanBatch {
    #[schema(min_length = 1, max_length = 64)]
    pub device_id: String,
    #[schema(min_items = 1, max_items = 100)]
    pub scans: Vec<OfflineScan>,
}

impl Validate for ScanBatch {
    fn validate(&self, v: &mut Violations) {
        v.required("deviceId", &self.device_id);
        v.check(
            (1..=MAX_BATCH).contains(&self.scans.len()),
            "scans",
            "must hold 1 to 100 scans",
        );
        let latest = Timestamp::now() + CLOCK_SKEW;
        for (i, s) in self.scans.iter().enumerate() {
            v.required(&format!("scans[{i}].code"), &s.code);
            v.required(&format!("scans[{i}].tripId"), &s.trip_id);
            match s.scanned_at.parse::<Timestamp>() {
                Ok(at) => v.check(
                    at <= latest,
                    &format!("scans[{i}].scannedAt"),
                    "is in the future",
                ),
                Err(_) => v.add(
                    &format!("scans[{i}].scannedAt"),
                    "must be an RFC 3339 instant",
                ),
            }
        }
    }
}

/// What one offline scan did.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ScanResult {
    /// The scan's position in the batch.
    pub index: usize,
    /// `BOARDED`, `ALREADY_BOARDED` or `TICKET_INVALID`.
    pub result: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ticket_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seat: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub passenger_name: Option<String>,
    /// `ALREADY_BOARDED`: the earlier scan that counts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_scan: Option<Scan>,
    /// `BOARDED`: a later scan (another device's, synced before) this one
    /// displaced; that device sees it in the manifest.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replaced: Option<Scan>,
    /// `TICKET_INVALID`: why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'static str>,
}

/// Sync an offline device's scans.
///
/// The trips' driver, or staff of their company (`d`). One result per
/// scan, in order; a scan of a trip that is not the caller's (another
/// company's, or reassigned since) is `TICKET_INVALID` `not_your_trip`
/// and records nothing. Where two devices scanned one ticket, the earliest
/// `scannedAt` boards it: a batch's earlier scan displaces a later one
/// already synced (`replaced`), a later one is `ALREADY_BOARDED` with the
/// scan that counts. Scans are judged as of their `scannedAt`.
#[utoipa::path(
    post,
    path = "/transit/tickets/scans",
    operation_id = "sync-scans",
    tag = "transit",
    request_body = ScanBatch,
    responses(
        (status = 200, description = "A result per scan.", body = Success<Vec<ScanResult>>),
        (status = 400, description = "VALIDATION_FAILED naming the field.", body = Failure),
        (status = 403, description = "FORBIDDEN: not a driver or staff token.", body = Failure),
    ),
    security(("bearerAuth" = [])),
)]
pub async fn sync(app: &App, req: Request) -> Result<Reply, ApiError> {
    let caller = app.caller(&req, &CREW).await?;
    let batch: ScanBatch = parse_json_with_limit(&req, BATCH_BODY_LIMIT)?;
    // Each trip is checked once; a trip the caller may not board (another
    // company's, or reassigned to another driver since) refuses only its
    // own scans.
    let mut crew_of: HashMap<&str, bool> = HashMap::new();
    for s in &batch.scans {
        let trip_id = s.trip_id.trim();
        if !crew_of.contains_key(trip_id) {
            let allowed = match boarding_trip(app, &req, trip_id).await {
                Ok(_) => true,
                Err(e) if e.status() == StatusCode::NOT_FOUND => false,
                Err(e) => return Err(e),
            };
            crew_of.insert(trip_id, allowed);
        }
    }
    // Earliest first, so a batch's own duplicates resolve in one pass.
    let mut order: Vec<(usize, Timestamp)> = batch
        .scans
        .iter()
        .enumerate()
        .map(|(i, s)| {
            // Kept to the millisecond, as stored: a retried scan matches.
            let at: Timestamp = s.scanned_at.parse().unwrap_or_else(|_| Timestamp::now());
            let at = Timestamp::from_millisecond(at.as_millisecond()).unwrap_or(at);
            (i, at)
        })
        .collect();
    order.sort_by_key(|&(i, at)| (at, i));
    let mut results: Vec<Option<ScanResult>> = (0..batch.scans.len()).map(|_| None).collect();
    for (i, at) in order {
        let s = &batch.scans[i];
        let outcome = if crew_of[s.trip_id.trim()] {
            let scan = scan_by(&caller, &batch.device_id, at);
            judge(app, s.trip_id.trim(), &s.code, &scan, Rule::EarliestScanned).await?
        } else {
            Outcome::Invalid(Invalid::NotYourTrip)
        };
        results[i] = Some(result(i, counted(outcome)));
    }
    Reply::ok(results.into_iter().flatten().collect::<Vec<_>>())
}

fn result(index: usize, outcome: Outcome) -> ScanResult {
    let (result, ticket, first_scan, replaced, reason) = match outcome {
        Outcome::Boarded { ticket, replaced } => ("BOARDED", Some(ticket), None, replaced, None),
        Outcome::Already { ticket, first } => {
            ("ALREADY_BOARDED", Some(ticket), Some(first), None, None)
        }
        Outcome::Invalid(why) => ("TICKET_INVALID", None, None, None, Some(why.as_str())),
    };
    let ticket = ticket.as_ref().map(boarded);
    ScanResult {
        index,
        result,
        ticket_id: ticket.as_ref().map(|t| t.ticket_id.clone()),
        seat: ticket.as_ref().map(|t| t.seat.clone()),
        passenger_name: ticket.map(|t| t.passenger_name),
        first_scan,
        replaced,
        reason,
    }
}
