//! GET /analytics/workspace/chatbot: conversations of one organization's
//! chatbot over the range — totals, daily series, top intents and questions,
//! average response time, conversion to leads. One `$facet` pipeline.

use futures_util::TryStreamExt;
use mongodb::bson::{Bson, Document, doc};
use serde::Serialize;
use shared::{
    App,
    http::{ApiError, Reply, Request, openapi::Success},
    stores::mongo::unavailable,
};
use utoipa::ToSchema;

use crate::range::{self, Range, RangeView, number, per_day};

/// One organization's chatbot conversations over the range.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChatbotAnalytics {
    /// The organization reported on (its accountId).
    pub organization_id: String,
    pub range: RangeView,
    pub totals: ChatbotTotals,
    /// `converted / conversations`, from 0 to 1 (0 without conversations).
    pub conversion_rate: f64,
    /// Mean of the conversations' average response times in milliseconds,
    /// rounded to 0.1 (0 without conversations).
    pub average_response_ms: f64,
    /// One row per day of the range (by the day a conversation started).
    pub daily: Vec<DailyConversations>,
    /// The five most frequent intents, most frequent first.
    pub top_intents: Vec<IntentCount>,
    /// The five most frequent first questions, most frequent first.
    pub top_questions: Vec<QuestionCount>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChatbotTotals {
    pub conversations: i64,
    pub messages: i64,
    /// Conversations that became a lead.
    pub converted: i64,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DailyConversations {
    /// YYYY-MM-DD (UTC).
    #[schema(format = Date)]
    pub date: String,
    pub conversations: i64,
    pub converted: i64,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct IntentCount {
    pub intent: String,
    pub count: i64,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct QuestionCount {
    pub question: String,
    pub count: i64,
}

/// Chatbot conversations of one organization.
///
/// Any user of the organization (`ou`); the super admin names one with
/// `?organizationId=`. The range is `from`..`to` (UTC days, inclusive;
/// default the last 30 days; at most 366). Totals, conversion rate, average
/// response time, a daily series with every day of the range (zeros
/// included), and the top five intents and first questions.
#[utoipa::path(
    get,
    path = "/analytics/workspace/chatbot",
    operation_id = "chatbot-analytics",
    tag = "analytics",
    params(range::RangeQuery),
    responses(
        (status = 200, description = "The chatbot's numbers over the range.", body = Success<ChatbotAnalytics>),
    ),
    security(("bearerAuth" = [])),
)]
pub async fn handle(app: &App, req: Request) -> Result<Reply, ApiError> {
    let account_id = range::organization(app, &req).await?;
    let range = Range::from_query(&req)?;
    crate::queries::ensure_indexes(app, &account_id).await?;
    let filter = crate::queries::conversations(&range, &account_id);
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
    let facet: Document = crm::conversations(app)
        .await?
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
    let daily_rows = rows("daily");
    let (started, converted_on) = (
        per_day(&daily_rows, "conversations"),
        per_day(&daily_rows, "converted"),
    );
    // `$sortByCount` rows with a non-empty text value, as (value, count).
    let ranked = |key: &str| -> Vec<(String, i64)> {
        rows(key)
            .iter()
            .filter_map(|d| match d.get("_id") {
                Some(Bson::String(s)) if !s.is_empty() => Some((s.clone(), number(d, "count"))),
                _ => None,
            })
            .collect()
    };
    Reply::ok(ChatbotAnalytics {
        organization_id: account_id,
        range: range.describe(),
        totals: ChatbotTotals {
            conversations,
            messages: number(&totals, "messages"),
            converted,
        },
        conversion_rate: if conversations > 0 {
            converted as f64 / conversations as f64
        } else {
            0.0
        },
        average_response_ms: avg_ms,
        daily: range.fill(|date| DailyConversations {
            date: date.to_owned(),
            conversations: started.get(date).copied().unwrap_or(0),
            converted: converted_on.get(date).copied().unwrap_or(0),
        }),
        top_intents: ranked("intents")
            .into_iter()
            .map(|(intent, count)| IntentCount { intent, count })
            .collect(),
        top_questions: ranked("questions")
            .into_iter()
            .map(|(question, count)| QuestionCount { question, count })
            .collect(),
    })
}
