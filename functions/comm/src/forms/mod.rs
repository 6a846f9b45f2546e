//! The four public forms. Each: validate (lengths, email, date/time), drop
//! honeypot hits, rate-limit the client IP, then — at most once per
//! `Idempotency-Key` — store the lead and send its mail.
//!
//! Answers: 201 `{leadId, mailStatus: "sent"}`; 202 `{leadId, mailStatus:
//! "pending", message}` when SES failed (the lead is stored; sync-to-crm
//! retries). A retry with the same `Idempotency-Key` and body gets the first
//! answer again (same status, `Idempotent-Replayed: true`).
//!
//! Spam defences: the hidden `website` field is a honeypot (a browser user
//! never fills it; a filled one gets a 202 that stores and sends nothing),
//! length caps on every field, and 10 submissions per IP per 10 minutes.

use std::time::Duration;

use mongodb::bson::{Document, doc};
use serde::Serialize;
use shared::{
    App,
    http::{
        ApiError, Reply, Request,
        openapi::{Failure, Success},
        parse_json,
    },
    idempotency,
    rate_limit::Limit,
};

use crate::leads;

mod input;

pub use input::{ContactForm, MeetingRequest, PricingInquiry};

pub const FORM_LIMIT: Limit = Limit {
    max: 10,
    window: Duration::from_secs(600),
};

/// Whether a lead's two mails (to sales, confirmation to the sender) went out.
#[derive(Debug, Clone, Copy, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum MailStatus {
    /// Both mails were sent.
    Sent,
    /// Mail could not be sent yet; it is retried later (sync-to-crm).
    Pending,
}

/// A stored submission.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LeadReceipt {
    /// The id of the stored lead.
    pub lead_id: String,
    pub mail_status: MailStatus,
    /// A sentence for the visitor (only when `mailStatus` is `pending`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// A submission acknowledged without a lead (the honeypot was filled).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Received {
    /// Always `true`.
    pub received: bool,
}

/// What a 202 carries: a stored lead whose mail is pending, or an
/// acknowledgement of a submission that was dropped.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum Accepted {
    Lead(LeadReceipt),
    Received(Received),
}

/// The shared path of every form after parsing.
async fn submit(
    app: &App,
    req: &Request,
    kind: &'static str,
    honeypot: &Option<String>,
    lead: Document,
) -> Result<Reply, ApiError> {
    if honeypot.as_deref().is_some_and(|h| !h.trim().is_empty()) {
        tracing::info!(kind, "honeypot filled; submission dropped");
        return Reply::accepted(Accepted::Received(Received { received: true }));
    }
    let ip = shared::http::client_address(req);
    app.rate_limit(&format!("form-ip#{ip}"), FORM_LIMIT).await?;
    idempotency::once(app, &format!("comm#{kind}"), req, || async {
        let mut lead = lead;
        lead.insert("type", kind);
        lead.insert("source", doc! {"ip": &ip});
        let stored = leads::store(app, lead).await?;
        let id = stored.lead.get_str("id").unwrap_or_default().to_owned();
        if leads::deliver(app, &id, &stored.claim).await? {
            Reply::created(LeadReceipt {
                lead_id: id,
                mail_status: MailStatus::Sent,
                message: None,
            })
        } else {
            Reply::accepted(Accepted::Lead(LeadReceipt {
                lead_id: id,
                mail_status: MailStatus::Pending,
                message: Some(
                    "We received your message; our confirmation email will follow shortly.".into(),
                ),
            }))
        }
    })
    .await
}

fn clean(value: Option<String>) -> String {
    value.map(|v| v.trim().to_owned()).unwrap_or_default()
}

fn contact_lead(f: ContactForm) -> (Option<String>, Document) {
    let lead = doc! {
        "name": f.name.trim(), "email": f.email.trim().to_lowercase(), "message": f.message.trim(),
        "phone": clean(f.phone), "company": clean(f.company), "subject": clean(f.subject),
    };
    (f.website, lead)
}

/// The `Idempotency-Key` header every form accepts (schema only: the
/// header is read by `shared::idempotency`).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)]
pub struct IdempotencyKey {
    /// 1-255 visible ASCII characters. Within 24 hours, a request with the
    /// same key and body is answered from the first result (same status,
    /// `Idempotent-Replayed: true`) without storing or mailing again; the
    /// same key with another body is 409.
    #[param(rename = "Idempotency-Key", max_length = 255)]
    key: Option<String>,
}

/// What every form answers (schema only: `submit` renders these).
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
pub enum FormResponses {
    /// The lead is stored and both mails were sent (`mailStatus: sent`).
    #[response(status = 201, headers(("Idempotent-Replayed" = String, description = "`true` when this is the stored answer to an earlier request with the same Idempotency-Key.")))]
    Created(Success<LeadReceipt>),
    /// Received, mail delayed: the lead is stored but SES failed, so
    /// `mailStatus` is `pending` and the mails follow later (sync-to-crm).
    /// Also `{received: true}` (no lead) when the hidden `website` field is
    /// filled.
    #[response(status = 202, headers(("Idempotent-Replayed" = String, description = "`true` when this is the stored answer to an earlier request with the same Idempotency-Key.")))]
    Accepted(Success<Accepted>),
    /// CONFLICT: the Idempotency-Key was already used with a different
    /// body, or its first request is still being processed.
    #[response(status = 409)]
    Conflict(Failure),
    /// RATE_LIMITED: more than 10 submissions from this IP in 10 minutes
    /// (the four forms count together).
    #[response(status = 429, headers(("Retry-After" = u64, description = "Seconds until the current window ends.")))]
    RateLimited(Failure),
}

/// Send a contact message.
///
/// Public. The short contact form (`name`, `email`, `message`, optional `phone`, `company`, `subject`).
///
/// The lead is stored before any mail is sent, so a mail failure never
/// loses it: 201 when both mails (to sales, confirmation to the sender) went
/// out, 202 with `mailStatus: pending` when SES failed (sync-to-crm sends
/// them later). At most 10 submissions per client IP per 10 minutes, all
/// four forms together. With an `Idempotency-Key`, a retry gets the first
/// answer again instead of a second lead.
#[utoipa::path(
    post,
    path = "/communication/contact",
    operation_id = "contact",
    tag = "comm",
    request_body = ContactForm,
    params(IdempotencyKey),
    responses(FormResponses),
)]
pub async fn contact(app: &App, req: Request) -> Result<Reply, ApiError> {
    let (honeypot, lead) = contact_lead(parse_json(&req)?);
    submit(app, &req, "contact", &honeypot, lead).await
}

/// Send the contact form.
///
/// Public. The full contact form; same fields and behaviour as `contact`, recorded as its own lead type.
///
/// The lead is stored before any mail is sent, so a mail failure never
/// loses it: 201 when both mails (to sales, confirmation to the sender) went
/// out, 202 with `mailStatus: pending` when SES failed (sync-to-crm sends
/// them later). At most 10 submissions per client IP per 10 minutes, all
/// four forms together. With an `Idempotency-Key`, a retry gets the first
/// answer again instead of a second lead.
#[utoipa::path(
    post,
    path = "/communication/send-contact-form",
    operation_id = "send-contact-form",
    tag = "comm",
    request_body = ContactForm,
    params(IdempotencyKey),
    responses(FormResponses),
)]
pub async fn contact_form(app: &App, req: Request) -> Result<Reply, ApiError> {
    let (honeypot, lead) = contact_lead(parse_json(&req)?);
    submit(app, &req, "contact-form", &honeypot, lead).await
}

/// Request a meeting.
///
/// Public. A date (today to a year ahead) and time in the visitor's time zone (UTC by default), with an optional topic and message.
///
/// The lead is stored before any mail is sent, so a mail failure never
/// loses it: 201 when both mails (to sales, confirmation to the sender) went
/// out, 202 with `mailStatus: pending` when SES failed (sync-to-crm sends
/// them later). At most 10 submissions per client IP per 10 minutes, all
/// four forms together. With an `Idempotency-Key`, a retry gets the first
/// answer again instead of a second lead.
#[utoipa::path(
    post,
    path = "/communication/send-meeting-request",
    operation_id = "send-meeting-request",
    tag = "comm",
    request_body = MeetingRequest,
    params(IdempotencyKey),
    responses(FormResponses),
)]
pub async fn meeting_request(app: &App, req: Request) -> Result<Reply, ApiError> {
    let f: MeetingRequest = parse_json(&req)?;
    let lead = doc! {
        "name": f.name.trim(), "email": f.email.trim().to_lowercase(), "phone": clean(f.phone),
        "company": clean(f.company), "subject": clean(f.topic), "message": clean(f.message),
        "details": {"date": f.date, "time": f.time, "timezone": f.timezone.unwrap_or_else(|| "UTC".into())},
    };
    submit(app, &req, "meeting", &f.website, lead).await
}

/// Send a pricing inquiry.
///
/// Public. The company, and optionally the plan and number of seats asked about.
///
/// The lead is stored before any mail is sent, so a mail failure never
/// loses it: 201 when both mails (to sales, confirmation to the sender) went
/// out, 202 with `mailStatus: pending` when SES failed (sync-to-crm sends
/// them later). At most 10 submissions per client IP per 10 minutes, all
/// four forms together. With an `Idempotency-Key`, a retry gets the first
/// answer again instead of a second lead.
#[utoipa::path(
    post,
    path = "/communication/send-pricing-inquiry",
    operation_id = "send-pricing-inquiry",
    tag = "comm",
    request_body = PricingInquiry,
    params(IdempotencyKey),
    responses(FormResponses),
)]
pub async fn pricing_inquiry(app: &App, req: Request) -> Result<Reply, ApiError> {
    let f: PricingInquiry = parse_json(&req)?;
    let mut details = doc! {"plan": clean(f.plan)};
    if let Some(seats) = f.seats {
        details.insert("seats", i64::from(seats));
    }
    let lead = doc! {
        "name": f.name.trim(), "email": f.email.trim().to_lowercase(), "company": f.company.trim(),
        "phone": clean(f.phone), "message": clean(f.message), "details": details,
    };
    submit(app, &req, "pricing", &f.website, lead).await
}
