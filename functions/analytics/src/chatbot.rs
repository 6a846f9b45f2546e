//! GET /analytics/workspace/chatbot: conversations of one organization's
//! chatbot over the range — totals, daily series, top intents and questions,
//! average response time, conversion to leads. One `$facet` pipeline.

use futures_util::TryStreamExt;
use mongodb::bson::{Bson, Document, doc};
use serde_json::json;
use shared::{
    App,
    http::{ApiError, Reply, Request},
    stores::mongo::unavailable,
};

use crate::range::{self, Range, number};

pub async fn handle(app: &App, req: Request) -> Result<Reply, ApiError> {
    let account_id = range::organization(app, &req).await?;
    let range = Range::from_query(&req)?;
    let mut filter = range.date_filter("startedAt");
    filter.insert("organizationId", &account_id);
    let pipeline = vec![
        doc! {"$match": filter},
        doc! {"$facet": {
            "totals": [{"$group": {
                "_id": Bson::Null,
                "conversations": {"$sum": 1},
                "messages": {"$sum": "$messageCount"},
                "converted": {"$sum": {"$cond": [{"$eq": ["$converted", true]}, 1, 0]}},
                "avgResponseMs": {"$avg": "$avgResponseMs"},
            }}],
            "daily": [{"$group": {
                "_id": {"$dateToString": {"format": "%Y-%m-%d", "date": "$startedAt"}},
                "conversations": {"$sum": 1},
                "converted": {"$sum": {"$cond": [{"$eq": ["$converted", true]}, 1, 0]}},
            }}],
            "intents": [{"$sortByCount": "$intent"}, {"$limit": 5}],
            "questions": [{"$sortByCount": "$firstQuestion"}, {"$limit": 5}],
        }},
    ];
    let facet: Document = app
        .pingora_db()
        .await?
        .collection::<Document>("conversations")
        .aggregate(pipeline)
        .await
        .map_err(unavailable)?
        .try_collect::<Vec<Document>>()
        .await
        .map_err(unavailable)?
        .into_iter()
        .next()
        .unwrap_or_default();
    let rows = |key: &str| -> Vec<Document> {
        facet
            .get_array(key)
            .map(|a| a.iter().filter_map(Bson::as_document).cloned().collect())
            .unwrap_or_default()
    };
    let totals = rows("totals").into_iter().next().unwrap_or_default();
    let conversations = number(&totals, "conversations");
    let converted = number(&totals, "converted");
    let avg_ms = match totals.get("avgResponseMs") {
        Some(Bson::Double(v)) => (v * 10.0).round() / 10.0,
        Some(Bson::Int32(v)) => f64::from(*v),
        Some(Bson::Int64(v)) => *v as f64,
        _ => 0.0,
    };
    let daily: Vec<(String, Vec<(&str, i64)>)> = rows("daily")
        .iter()
        .map(|d| {
            (
                d.get_str("_id").unwrap_or_default().to_owned(),
                vec![
                    ("conversations", number(d, "conversations")),
                    ("converted", number(d, "converted")),
                ],
            )
        })
        .collect();
    let ranked = |key: &str, label: &str| -> Vec<serde_json::Value> {
        rows(key)
            .iter()
            .filter(|d| matches!(d.get("_id"), Some(Bson::String(s)) if !s.is_empty()))
            .map(|d| json!({label: d.get_str("_id").unwrap_or_default(), "count": number(d, "count")}))
            .collect()
    };
    Reply::ok(json!({
        "organizationId": account_id,
        "range": range.describe(),
        "totals": {"conversations": conversations, "messages": number(&totals, "messages"), "converted": converted},
        "conversionRate": if conversations > 0 { converted as f64 / conversations as f64 } else { 0.0 },
        "averageResponseMs": avg_ms,
        "daily": range.fill(&daily, &["conversations", "converted"]),
        "topIntents": ranked("intents", "intent"),
        "topQuestions": ranked("questions", "question"),
    }))
}
