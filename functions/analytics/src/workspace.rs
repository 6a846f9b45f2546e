//! GET /analytics/workspace: users, activity, leads and chatbot totals of one
//! organization over the range.

use futures_util::TryStreamExt;
use mongodb::bson::{Bson, Document, doc};
use serde_json::{Map, json};
use shared::{
    App,
    http::{ApiError, Reply, Request},
    stores::mongo::unavailable,
};

use crate::range::{self, Range, number};

async fn aggregate(
    coll: mongodb::Collection<Document>,
    pipeline: Vec<Document>,
) -> Result<Vec<Document>, ApiError> {
    coll.aggregate(pipeline)
        .await
        .map_err(unavailable)?
        .try_collect()
        .await
        .map_err(unavailable)
}

/// The `n` of a `$facet` branch that ends in `{$count: "n"}`.
fn first_count(facet: &Document, key: &str) -> i64 {
    facet
        .get_array(key)
        .ok()
        .and_then(|a| a.first())
        .and_then(Bson::as_document)
        .map(|d| number(d, "n"))
        .unwrap_or(0)
}

/// A `$sortByCount` branch as `{value: count}`.
fn counts(facet: &Document, key: &str) -> Map<String, serde_json::Value> {
    facet
        .get_array(key)
        .map(|rows| {
            rows.iter()
                .filter_map(Bson::as_document)
                .map(|d| {
                    (
                        d.get_str("_id").unwrap_or("unknown").to_owned(),
                        json!(number(d, "count")),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// `[{_id: "YYYY-MM-DD", n}]` → series input.
fn daily(rows: &[Document], key: &'static str) -> Vec<(String, Vec<(&'static str, i64)>)> {
    rows.iter()
        .map(|r| {
            (
                r.get_str("_id").unwrap_or_default().to_owned(),
                vec![(key, number(r, "n"))],
            )
        })
        .collect()
}

pub async fn handle(app: &App, req: Request) -> Result<Reply, ApiError> {
    let account_id = range::organization(app, &req).await?;
    let range = Range::from_query(&req)?;
    let org_db = app.org_db(&account_id).await?;

    // Users: totals by role and activity, plus sign-ups in the range.
    let users = aggregate(
        org_db.collection::<Document>("users"),
        vec![doc! {"$facet": {
            "total": [{"$count": "n"}],
            "active": [{"$match": {"isActive": {"$ne": false}}}, {"$count": "n"}],
            "byRole": [{"$sortByCount": "$role"}],
            "newInRange": [{"$match": range.text_filter("createdAt")}, {"$count": "n"}],
        }}],
    )
    .await?;
    let facet = users.into_iter().next().unwrap_or_default();
    let first_n = |key: &str| first_count(&facet, key);
    let by_role = counts(&facet, "byRole");
    let (total, active) = (first_n("total"), first_n("active"));

    // Activity events per day and distinct active users.
    let activity = aggregate(
        org_db.collection::<Document>("activity"),
        vec![
            doc! {"$match": range.date_filter("at")},
            doc! {"$facet": {
                "daily": [{"$group": {"_id": {"$dateToString": {"format": "%Y-%m-%d", "date": "$at"}}, "n": {"$sum": 1}}}],
                "users": [{"$group": {"_id": "$userId"}}, {"$count": "n"}],
                "byType": [{"$sortByCount": "$type"}],
            }},
        ],
    )
    .await?
    .into_iter()
    .next()
    .unwrap_or_default();
    let activity_daily: Vec<Document> = activity
        .get_array("daily")
        .map(|a| a.iter().filter_map(Bson::as_document).cloned().collect())
        .unwrap_or_default();
    let events: i64 = activity_daily.iter().map(|d| number(d, "n")).sum();
    let active_users = first_count(&activity, "users");
    let by_type = counts(&activity, "byType");

    // Leads attributed to the organization, per day (createdAt is RFC 3339 text).
    let mut lead_match = range.text_filter("createdAt");
    lead_match.insert("organizationId", &account_id);
    let leads = aggregate(
        app.crm_db().await?.collection::<Document>("leads"),
        vec![
            doc! {"$match": lead_match},
            doc! {"$group": {"_id": {"$substrBytes": ["$createdAt", 0, 10]}, "n": {"$sum": 1}}},
        ],
    )
    .await?;
    let leads_total: i64 = leads.iter().map(|d| number(d, "n")).sum();

    // Chatbot headline numbers (details: /analytics/workspace/chatbot).
    let mut conv_match = range.date_filter("startedAt");
    conv_match.insert("organizationId", &account_id);
    let chatbot = aggregate(
        app.pingora_db().await?.collection::<Document>("conversations"),
        vec![
            doc! {"$match": conv_match},
            doc! {"$group": {"_id": Bson::Null, "n": {"$sum": 1}, "converted": {"$sum": {"$cond": [{"$eq": ["$converted", true]}, 1, 0]}}}},
        ],
    )
    .await?
    .into_iter()
    .next()
    .unwrap_or_default();
    let (conversations, converted) = (number(&chatbot, "n"), number(&chatbot, "converted"));

    Reply::ok(json!({
        "organizationId": account_id,
        "range": range.describe(),
        "users": {"total": total, "active": active, "inactive": total - active, "byRole": by_role, "newInRange": first_n("newInRange")},
        "activity": {"events": events, "activeUsers": active_users, "byType": by_type,
                     "daily": range.fill(&daily(&activity_daily, "events"), &["events"])},
        "leads": {"total": leads_total, "daily": range.fill(&daily(&leads, "leads"), &["leads"])},
        "chatbot": {"conversations": conversations, "converted": converted,
                    "conversionRate": if conversations > 0 { converted as f64 / conversations as f64 } else { 0.0 }},
    }))
}
