//! The four public forms. Each: validate (lengths, email, date/time), drop
//! honeypot hits, rate-limit the client IP, then — at most once per
//! `Idempotency-Key` — store the lead and send its mail.
//!
//! Answers: 201 `{leadId, mailStatus: "sent"}`; 202 `{leadId, mailStatus:
//! "pending"}` when SES failed (the lead is stored; sync-to-crm retries).
//!
//! Spam defences: the hidden `website` field is a honeypot (a browser user
//! never fills it; a filled one gets a 202 that stores and sends nothing),
//! length caps on every field, and 10 submissions per IP per 10 minutes.

use std::time::Duration;

use lambda_http::{RequestExt, request::RequestContext};
use mongodb::bson::{Document, doc};
use serde::Deserialize;
use serde_json::json;
use shared::{
    App,
    http::{ApiError, Reply, Request, Validate, Violations, parse_json},
    idempotency,
    rate_limit::Limit,
};
use time::{Date, OffsetDateTime, Time, macros::format_description};

use crate::leads;

pub const FORM_LIMIT: Limit = Limit {
    max: 10,
    window: Duration::from_secs(600),
};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ContactForm {
    pub name: String,
    pub email: String,
    pub message: String,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub company: Option<String>,
    #[serde(default)]
    pub subject: Option<String>,
    /// Honeypot: hidden in the page, left empty by people.
    #[serde(default)]
    pub website: Option<String>,
}

fn optional(v: &mut Violations, field: &str, value: &Option<String>, max: usize) {
    if let Some(text) = value
        && text.chars().count() > max
    {
        v.add(field, format!("must be at most {max} characters"));
    }
}

fn phone(v: &mut Violations, value: &Option<String>) {
    if let Some(p) = value.as_deref().filter(|p| !p.is_empty()) {
        let ok = p.len() <= 32
            && p.chars()
                .all(|c| c.is_ascii_digit() || " +-().".contains(c))
            && p.chars().filter(char::is_ascii_digit).count() >= 6;
        v.check(
            ok,
            "phone",
            "must be a phone number (digits, spaces, + - ( ) .)",
        );
    }
}

impl Validate for ContactForm {
    fn validate(&self, v: &mut Violations) {
        v.text("name", &self.name, 100);
        v.email("email", &self.email);
        v.text("message", &self.message, 5000);
        phone(v, &self.phone);
        optional(v, "company", &self.company, 120);
        optional(v, "subject", &self.subject, 200);
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct MeetingRequest {
    pub name: String,
    pub email: String,
    /// `YYYY-MM-DD`, today or later.
    pub date: String,
    /// `HH:MM`, 24-hour.
    pub time: String,
    /// IANA zone name, e.g. `Europe/Berlin` (defaults to UTC).
    #[serde(default)]
    pub timezone: Option<String>,
    #[serde(default)]
    pub company: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub topic: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub website: Option<String>,
}

impl Validate for MeetingRequest {
    fn validate(&self, v: &mut Violations) {
        v.text("name", &self.name, 100);
        v.email("email", &self.email);
        match Date::parse(&self.date, format_description!("[year]-[month]-[day]")) {
            Ok(d) => {
                let today = OffsetDateTime::now_utc().date();
                v.check(
                    d >= today.previous_day().unwrap_or(today),
                    "date",
                    "must not be in the past",
                );
                v.check(
                    d <= today + time::Duration::days(366),
                    "date",
                    "must be within the next year",
                );
            }
            Err(_) => v.add("date", "must be a date as YYYY-MM-DD"),
        }
        v.check(
            Time::parse(&self.time, format_description!("[hour]:[minute]")).is_ok(),
            "time",
            "must be a time as HH:MM (24-hour)",
        );
        if let Some(tz) = &self.timezone {
            let ok = tz.len() <= 64
                && !tz.is_empty()
                && tz
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "/_+-".contains(c));
            v.check(
                ok,
                "timezone",
                "must be a time zone name such as Europe/Berlin",
            );
        }
        optional(v, "company", &self.company, 120);
        phone(v, &self.phone);
        optional(v, "topic", &self.topic, 200);
        optional(v, "message", &self.message, 5000);
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PricingInquiry {
    pub name: String,
    pub email: String,
    pub company: String,
    #[serde(default)]
    pub plan: Option<String>,
    #[serde(default)]
    pub seats: Option<u32>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub website: Option<String>,
}

impl Validate for PricingInquiry {
    fn validate(&self, v: &mut Violations) {
        v.text("name", &self.name, 100);
        v.email("email", &self.email);
        v.text("company", &self.company, 120);
        optional(v, "plan", &self.plan, 60);
        if let Some(seats) = self.seats {
            v.check(
                (1..=100_000).contains(&seats),
                "seats",
                "must be between 1 and 100000",
            );
        }
        phone(v, &self.phone);
        optional(v, "message", &self.message, 5000);
    }
}

fn client_ip(req: &Request) -> String {
    match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(ctx)) => ctx.http.source_ip.clone().unwrap_or_default(),
        _ => String::new(),
    }
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
        return Reply::accepted(json!({"received": true}));
    }
    let ip = client_ip(req);
    app.rate_limit(&format!("form-ip#{ip}"), FORM_LIMIT).await?;
    idempotency::once(app, &format!("comm#{kind}"), req, || async {
        let mut lead = lead;
        lead.insert("type", kind);
        lead.insert("source", doc! {"ip": &ip});
        let stored = leads::store(app, lead).await?;
        let id = stored.get_str("id").unwrap_or_default().to_owned();
        if leads::deliver(app, &stored).await? {
            Reply::created(json!({"leadId": id, "mailStatus": "sent"}))
        } else {
            Reply::accepted(json!({
                "leadId": id,
                "mailStatus": "pending",
                "message": "We received your message; our confirmation email will follow shortly.",
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

/// POST /communication/contact `{name, email, message, phone?, company?, subject?}`.
pub async fn contact(app: &App, req: Request) -> Result<Reply, ApiError> {
    let (honeypot, lead) = contact_lead(parse_json(&req)?);
    submit(app, &req, "contact", &honeypot, lead).await
}

/// POST /communication/send-contact-form: the full contact form (same fields).
pub async fn contact_form(app: &App, req: Request) -> Result<Reply, ApiError> {
    let (honeypot, lead) = contact_lead(parse_json(&req)?);
    submit(app, &req, "contact-form", &honeypot, lead).await
}

/// POST /communication/send-meeting-request `{name, email, date, time, timezone?, …}`.
pub async fn meeting_request(app: &App, req: Request) -> Result<Reply, ApiError> {
    let f: MeetingRequest = parse_json(&req)?;
    let lead = doc! {
        "name": f.name.trim(), "email": f.email.trim().to_lowercase(), "phone": clean(f.phone),
        "company": clean(f.company), "subject": clean(f.topic), "message": clean(f.message),
        "details": {"date": f.date, "time": f.time, "timezone": f.timezone.unwrap_or_else(|| "UTC".into())},
    };
    submit(app, &req, "meeting", &f.website, lead).await
}

/// POST /communication/send-pricing-inquiry `{name, email, company, plan?, seats?, …}`.
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
