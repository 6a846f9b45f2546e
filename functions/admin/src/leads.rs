//! GET /admin/leads (super admin): leads from `crm.leads`, newest first.
//! Filters: `?status=`, `?type=`, `?mailStatus=`, `?from=`/`?to=` (YYYY-MM-DD,
//! inclusive, on createdAt); paging `?page=&limit=`.

use futures_util::TryStreamExt;
use mongodb::{
    bson::{Document, doc},
    options::FindOptions,
};
use shared::{
    App,
    http::{ApiError, Paging, Reply, Request, query_choice, query_param},
    stores::mongo::unavailable,
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
    let total = leads
        .count_documents(filter.clone())
        .await
        .map_err(unavailable)?;
    let options = FindOptions::builder()
        .sort(doc! {"createdAt": -1, "id": 1})
        .skip(paging.skip())
        .limit(paging.limit as i64)
        .projection(doc! {"_id": 0})
        .build();
    let items: Vec<Document> = leads
        .find(filter)
        .with_options(options)
        .await
        .map_err(unavailable)?
        .try_collect()
        .await
        .map_err(unavailable)?;
    let items = items
        .into_iter()
        .map(|d| serde_json::to_value(d).unwrap_or_default())
        .collect::<Vec<_>>();
    Reply::ok(paging.page_of(items, total))
}
