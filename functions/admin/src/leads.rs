//! GET /admin/leads (super admin): leads from `crm.leads`, newest first.
//! Filters: `?status=`, `?type=`, `?mailStatus=`, `?from=`/`?to=` (YYYY-MM-DD,
//! inclusive, on createdAt); paging `?page=&limit=`.

use mongodb::bson::{Document, doc};
use shared::{
    App,
    http::{ApiError, Paging, Reply, Request, query_choice, query_param},
    stores::mongo::find_page,
};
use time::{Date, macros::format_description};

pub const STATUSES: [&str; 5] = ["new", "contacted", "qualified", "won", "lost"];
pub const TYPES: [&str; 5] = ["contact", "contact-form", "meeting", "pricing", "chatbot"];

fn day(req: &Request, name: &str) -> Result<Option<Date>, ApiError> {
    query_param(req, name)
        .map(|v| {
            Date::parse(&v, format_description!("[year]-[month]-[day]")).map_err(|_| {
                ApiError::validation(format!("query.{name}"), "must be a date as YYYY-MM-DD")
            })
        })
        .transpose()
}

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
        created.insert("$gte", f.to_string());
    }
    if let Some(t) = to.and_then(|t| t.next_day()) {
        created.insert("$lt", t.to_string());
    }
    if !created.is_empty() {
        filter.insert("createdAt", created);
    }
    let leads = app.crm_db().await?.collection::<Document>("leads");
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
        .map(|d| serde_json::to_value(d).unwrap_or_default())
        .collect::<Vec<_>>();
    Reply::ok(paging.page_of(items, total))
}
