//! GET /admin/leads (super admin): leads from `crm.leads`, newest first.
//! Filters: `?status=`, `?type=`, `?mailStatus=`, `?from=`/`?to=` (YYYY-MM-DD,
//! inclusive, on createdAt); paging `?page=&limit=`.

use mongodb::bson::{Document, doc};
use serde::{Deserialize, Serialize};
use shared::{
    App,
    http::{ApiError, Paging, Reply, Request, openapi::Listed, query_choice, query_param},
    stores::mongo::find_page,
};
use time::{Date, macros::format_description};

pub const STATUSES: [&str; 5] = ["new", "contacted", "qualified", "won", "lost"];
pub const TYPES: [&str; 5] = ["contact", "contact-form", "meeting", "pricing", "chatbot"];

/// A lead as stored in `crm.leads` by the communication forms (or the dev
/// seed). Fields a lead's form did not collect are absent.
#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Lead {
    #[serde(default)]
    #[schema(required = true)]
    pub id: String,
    /// `contact`, `contact-form`, `meeting`, `pricing` or `chatbot`.
    #[serde(default, rename = "type")]
    #[schema(required = true, example = "pricing")]
    pub kind: String,
    /// `new`, `contacted`, `qualified`, `won` or `lost`.
    #[serde(default)]
    #[schema(required = true, example = "new")]
    pub status: String,
    /// `sent` when both mails went out, `pending` while one is still to send.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "sent")]
    pub mail_status: Option<String>,
    /// The organization a chatbot lead came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(format = "email")]
    pub email: Option<String>,
    /// Empty when the form left it out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company: Option<String>,
    /// The subject (contact) or topic (meeting).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Meeting and pricing specifics.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<LeadDetails>,
    /// Where the submission came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<LeadSource>,
    /// Which of the lead's two mails went out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mail: Option<LeadMail>,
    /// RFC 3339, UTC.
    #[serde(default, deserialize_with = "created_text")]
    #[schema(required = true)]
    pub created_at: String,
    /// RFC 3339, UTC.
    #[serde(
        default,
        deserialize_with = "shared::clock::stored_instant",
        skip_serializing_if = "Option::is_none"
    )]
    pub updated_at: Option<String>,
    /// `true` on demo data from POST /admin/setup-test-data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<bool>,
}

/// A meeting request's slot, or a pricing inquiry's plan and seats.
#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
pub struct LeadDetails {
    /// Meeting date as the visitor entered it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// Meeting time as the visitor entered it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    /// Pricing plan (empty when not chosen).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seats: Option<i64>,
}

/// Where a lead was submitted from.
#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
pub struct LeadSource {
    /// The submitter's IP address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
}

/// The delivery state of a lead's mails.
#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LeadMail {
    /// The mail to the sales inbox went out.
    #[serde(default)]
    pub sales: bool,
    /// The confirmation to the visitor went out.
    #[serde(default)]
    pub confirmation: bool,
    /// Delivery attempts so far.
    #[serde(default)]
    pub attempts: i64,
    /// The last delivery error, if any attempt failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
}

fn day(req: &Request, name: &str) -> Result<Option<Date>, ApiError> {
    query_param(req, name)
        .map(|v| {
            Date::parse(&v, format_description!("[year]-[month]-[day]")).map_err(|_| {
                ApiError::validation(format!("query.{name}"), "must be a date as YYYY-MM-DD")
            })
        })
        .transpose()
}

fn created_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(shared::clock::stored_instant(d)?.unwrap_or_default())
}

/// List leads.
///
/// Super admin only. Leads from `crm.leads`, newest first, filtered and paged
/// (default 25 per page).
#[utoipa::path(
    get,
    path = "/admin/leads",
    operation_id = "admin-leads",
    tag = "admin",
    params(
        Paging,
        ("status" = Option<String>, Query, description = "Only this status: new, contacted, qualified, won or lost."),
        ("type" = Option<String>, Query, description = "Only this type: contact, contact-form, meeting, pricing or chatbot."),
        ("mailStatus" = Option<String>, Query, description = "Only this mail state: sent or pending."),
        ("from" = Option<String>, Query, format = Date, description = "Created on or after this day (YYYY-MM-DD)."),
        ("to" = Option<String>, Query, format = Date, description = "Created on or before this day (YYYY-MM-DD); not before `from`."),
    ),
    responses(
        (status = 200, description = "One page of leads.", body = Listed<Lead>),
    ),
    security(("bearerAuth" = [])),
)]
pub async fn handle(app: &App, req: Request) -> Result<Reply, ApiError> {
    app.principal(&req).await?.require_super_admin()?;
    let paging = Paging::from_query(&req, 25)?;
    let mut filter = Document::new();
    if let Some(status) = query_choice(&req, "status", &STATUSES)? {
        filter.insert("status", status);
    }
    if let Some(kind) = query_choice(&req, "type", &TYPES)? {
        filter.insert("type", kind);
    }
    if let Some(mail) = query_choice(&req, "mailStatus", &["sent", "pending"])? {
        filter.insert("mailStatus", mail);
    }
    let (from, to) = (day(&req, "from")?, day(&req, "to")?);
    if let (Some(f), Some(t)) = (from, to)
        && f > t
    {
        return Err(ApiError::validation("query.from", "must not be after `to`"));
    }
    let mut created = Document::new();
    if let Some(f) = from {
        created.insert("$gte", shared::clock::day_start(f));
    }
    if let Some(t) = to.and_then(|t| t.next_day()) {
        created.insert("$lt", shared::clock::day_start(t));
    }
    if !created.is_empty() {
        filter.insert("createdAt", created);
    }
    let leads = crm::leads(app).await?;
    let (items, total) = find_page(
        &leads,
        filter,
        doc! {"createdAt": -1, "id": 1},
        doc! {"_id": 0},
        paging,
    )
    .await?;
    let items = items
        .into_iter()
        .map(mongodb::bson::from_document::<Lead>)
        .collect::<Result<Vec<_>, _>>()
        .map_err(ApiError::internal)?;
    Reply::page(paging.page_of::<Lead>(items, total))
}
