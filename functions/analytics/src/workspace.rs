//! GET /analytics/workspace: users, activity, leads and chatbot totals of one
//! organization over the range.

use mongodb::bson::{Bson, Document, doc};
use serde::{Serialize, Serializer};
use shared::{
    App,
    http::{ApiError, Reply, Request, openapi::Success},
};
use utoipa::ToSchema;

use crate::{
    queries,
    range::{self, Range, RangeView, number, per_day},
};

/// The organization's numbers over the range.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceAnalytics {
    /// The organization reported on (its accountId).
    pub organization_id: String,
    pub range: RangeView,
    pub users: UserStats,
    pub activity: ActivityStats,
    pub leads: LeadStats,
    pub chatbot: ChatbotSummary,
}

/// The organization's accounts now (not limited to the range, except
/// `newInRange`).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserStats {
    pub total: i64,
    /// Users not deactivated (`isActive` is not false).
    pub active: i64,
    pub inactive: i64,
    /// Users per role, most frequent first (`unknown` for a user without one).
    #[serde(serialize_with = "as_map")]
    #[schema(value_type = HashMap<String, i64>, example = json!({"user": 2, "admin": 1}))]
    pub by_role: Vec<(String, i64)>,
    /// Users created within the range.
    pub new_in_range: i64,
}

/// Usage events within the range.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ActivityStats {
    pub events: i64,
    /// Distinct users with at least one event.
    pub active_users: i64,
    /// Events per type, most frequent first (`unknown` for an event without one).
    #[serde(serialize_with = "as_map")]
    #[schema(value_type = HashMap<String, i64>, example = json!({"login": 3, "lead-export": 1}))]
    pub by_type: Vec<(String, i64)>,
    /// One row per day of the range.
    pub daily: Vec<DailyEvents>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DailyEvents {
    /// YYYY-MM-DD (UTC).
    #[schema(format = Date)]
    pub date: String,
    pub events: i64,
}

/// Leads attributed to the organization within the range.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LeadStats {
    pub total: i64,
    /// One row per day of the range.
    pub daily: Vec<DailyLeads>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DailyLeads {
    /// YYYY-MM-DD (UTC).
    #[schema(format = Date)]
    pub date: String,
    pub leads: i64,
}

/// Chatbot headline numbers (details: GET /analytics/workspace/chatbot).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChatbotSummary {
    pub conversations: i64,
    /// Conversations that became a lead.
    pub converted: i64,
    /// `converted / conversations`, from 0 to 1 (0 without conversations).
    pub conversion_rate: f64,
}

/// Ranked counts as a JSON object in rank order.
fn as_map<S: Serializer>(counts: &[(String, i64)], s: S) -> Result<S::Ok, S::Error> {
    s.collect_map(counts.iter().map(|(k, n)| (k, n)))
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

/// A `$sortByCount` branch as `(value, count)` in rank order. Values that
/// are not text count as `unknown` (merged: a key appears once).
fn counts(facet: &Document, key: &str) -> Vec<(String, i64)> {
    let mut out: Vec<(String, i64)> = Vec::new();
    for d in facet
        .get_array(key)
        .map(|rows| {
            rows.iter()
                .filter_map(Bson::as_document)
                .collect::<Vec<_>>()
        })
        .unwrap_or_default()
    {
        let (value, n) = (d.get_str("_id").unwrap_or("unknown"), number(d, "count"));
        match out.iter_mut().find(|(k, _)| k == value) {
            Some(entry) => entry.1 = n,
            None => out.push((value.to_owned(), n)),
        }
    }
    out
}

/// Users, activity, leads and chatbot totals of one organization.
///
/// Any user of the organization (`ou`); the super admin names one with
/// `?organizationId=`. The range is `from`..`to` (UTC days, inclusive;
/// default the last 30 days; at most 366). Daily series list every day of
/// the range, zeros included.
#[utoipa::path(
    get,
    path = "/analytics/workspace",
    operation_id = "workspace-analytics",
    tag = "analytics",
    params(range::RangeQuery),
    responses(
        (status = 200, description = "The organization's numbers over the range.", body = Success<WorkspaceAnalytics>),
    ),
    security(("bearerAuth" = [])),
)]
pub async fn handle(app: &App, req: Request) -> Result<Reply, ApiError> {
    let account_id = range::organization(app, &req).await?;
    let range = Range::from_query(&req)?;
    queries::ensure_indexes(app, &account_id).await?;

    // Users: totals by role and activity, plus sign-ups in the range.
    let facet = queries::user_totals(app, &account_id, &range).await?;
    let first_n = |key: &str| first_count(&facet, key);
    let by_role = counts(&facet, "byRole");
    let (total, active) = (first_n("total"), first_n("active"));

    // Activity events per day and distinct active users.
    let activity = queries::activity_totals(app, &account_id, &range).await?;
    let activity_daily: Vec<Document> = activity
        .get_array("daily")
        .map(|a| a.iter().filter_map(Bson::as_document).cloned().collect())
        .unwrap_or_default();
    let events: i64 = activity_daily.iter().map(|d| number(d, "n")).sum();
    let events_per_day = per_day(&activity_daily, "n");
    let active_users = first_count(&activity, "users");
    let by_type = counts(&activity, "byType");

    // Leads attributed to the organization, per day.
    let leads = queries::leads_per_day(app, &account_id, &range).await?;
    let leads_total: i64 = leads.iter().map(|d| number(d, "n")).sum();
    let leads_per_day = per_day(&leads, "n");

    // Chatbot headline numbers (details: /analytics/workspace/chatbot).
    let chatbot = queries::chatbot_totals(app, &account_id, &range).await?;
    let (conversations, converted) = (number(&chatbot, "n"), number(&chatbot, "converted"));

    let on = |per_day: &std::collections::HashMap<String, i64>, date: &str| {
        per_day.get(date).copied().unwrap_or(0)
    };
    Reply::ok(WorkspaceAnalytics {
        organization_id: account_id,
        range: range.describe(),
        users: UserStats {
            total,
            active,
            inactive: total - active,
            by_role,
            new_in_range: first_n("newInRange"),
        },
        activity: ActivityStats {
            events,
            active_users,
            by_type,
            daily: range.fill(|date| DailyEvents {
                date: date.to_owned(),
                events: on(&events_per_day, date),
            }),
        },
        leads: LeadStats {
            total: leads_total,
            daily: range.fill(|date| DailyLeads {
                date: date.to_owned(),
                leads: on(&leads_per_day, date),
            }),
        },
        chatbot: ChatbotSummary {
            conversations,
            converted,
            conversion_rate: if conversations > 0 {
                converted as f64 / conversations as f64
            } else {
                0.0
            },
        },
    })
}
