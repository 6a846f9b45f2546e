//! The analytics queries' filters and the indexes that serve them.
//!
//! Each range query of the analytics routes starts with one of these
//! `$match` stages, and each is served by an index (the test
//! `every_range_query_is_served_by_an_index` asks MongoDB for the plan of
//! each and requires an IXSCAN):
//! - `org_<id>.activity` `{at}`;
//! - `crm.leads` `{organizationId, createdAt}`;
//! - `pingora.conversations` `{organizationId, startedAt}`.
//!
//! The users facet reads every user of one organization by design (totals
//! by role and activity); its size is bounded by the licence's user limit.
//!
//! The indexes are created on the first use per execution environment (and
//! per organization for the per-organization database): `createIndexes` of
//! an existing index is a no-op, and the chatbot database is written by
//! another system, so no provisioning step of ours can own them.

use std::{
    collections::HashSet,
    sync::{LazyLock, Mutex},
};

use futures_util::TryStreamExt;
use mongodb::{
    Collection, IndexModel,
    bson::{Bson, Document, doc},
};
use shared::{App, http::ApiError, stores::mongo::unavailable};

use crate::range::Range;

/// Activity events of one organization in the range.
pub fn activity(range: &Range) -> Document {
    range.date_filter("at")
}

/// Leads attributed to `account_id` in the range .
pub fn leads(range: &Range, account_id: &str) -> Document {
    let mut filter = doc! {"organizationId": account_id};
    filter.extend(range.date_filter("createdAt"));
    filter
}

/// Chatbot conversations of `account_id` in the range.
pub fn conversations(range: &Range, account_id: &str) -> Document {
    let mut filter = doc! {"organizationId": account_id};
    filter.extend(range.date_filter("startedAt"));
    filter
}

/// Which databases already have their indexes in this execution environment.
static ENSURED: LazyLock<Mutex<HashSet<String>>> = LazyLock::new(Default::default);

fn first_time(what: &str) -> bool {
    ENSURED
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(what.to_owned())
}

/// Creates the indexes behind the queries of `account_id` (once each per
/// execution environment).
pub async fn ensure_indexes(app: &App, account_id: &str) -> Result<(), ApiError> {
    let index = |keys: Document| IndexModel::builder().keys(keys).build();
    if first_time(&format!("org_{account_id}")) {
        tenancy::store::activity(app, account_id)
            .await?
            .create_index(index(doc! {"at": 1}))
            .await
            .map_err(unavailable)?;
    }
    if first_time("shared") {
        crm::leads(app)
            .await?
            .create_index(index(doc! {"organizationId": 1, "createdAt": 1}))
            .await
            .map_err(unavailable)?;
        crm::conversations(app)
            .await?
            .create_index(index(doc! {"organizationId": 1, "startedAt": 1}))
            .await
            .map_err(unavailable)?;
    }
    Ok(())
}

async fn aggregate(
    coll: Collection<Document>,
    pipeline: Vec<Document>,
) -> Result<Vec<Document>, ApiError> {
    coll.aggregate(pipeline)
        .await
        .map_err(unavailable)?
        .try_collect()
        .await
        .map_err(unavailable)
}

/// The single result of a pipeline that ends in one document (a `$facet`
/// or a `$group` by nothing); empty when nothing matched.
async fn one(coll: Collection<Document>, pipeline: Vec<Document>) -> Result<Document, ApiError> {
    Ok(aggregate(coll, pipeline)
        .await?
        .into_iter()
        .next()
        .unwrap_or_default())
}

/// The organization's users: `{total, active, byRole, newInRange}` facets.
pub async fn user_totals(app: &App, account_id: &str, range: &Range) -> Result<Document, ApiError> {
    one(
        tenancy::store::users(app, account_id).await?,
        vec![doc! {"$facet": {
            "total": [{"$count": "n"}],
            "active": [{"$match": {"isActive": {"$ne": false}}}, {"$count": "n"}],
            "byRole": [{"$sortByCount": "$role"}],
            "newInRange": [{"$match": range.date_filter("createdAt")}, {"$count": "n"}],
        }}],
    )
    .await
}

/// Activity in the range: `{daily, users, byType}` facets.
pub async fn activity_totals(
    app: &App,
    account_id: &str,
    range: &Range,
) -> Result<Document, ApiError> {
    one(
        tenancy::store::activity(app, account_id).await?,
        vec![
            doc! {"$match": activity(range)},
            doc! {"$facet": {
                "daily": [{"$group": {"_id": {"$dateToString": {"format": "%Y-%m-%d", "date": "$at"}}, "n": {"$sum": 1}}}],
                "users": [{"$group": {"_id": "$userId"}}, {"$count": "n"}],
                "byType": [{"$sortByCount": "$type"}],
            }},
        ],
    )
    .await
}

/// The organization's leads in the range: `[{_id: "YYYY-MM-DD", n}]`.
pub async fn leads_per_day(
    app: &App,
    account_id: &str,
    range: &Range,
) -> Result<Vec<Document>, ApiError> {
    aggregate(
        crm::leads(app).await?,
        vec![
            doc! {"$match": leads(range, account_id)},
            doc! {"$group": {"_id": {"$dateToString": {"format": "%Y-%m-%d", "date": "$createdAt"}}, "n": {"$sum": 1}}},
        ],
    )
    .await
}

/// The organization's chatbot conversations in the range: `{n, converted}`.
pub async fn chatbot_totals(
    app: &App,
    account_id: &str,
    range: &Range,
) -> Result<Document, ApiError> {
    one(
        crm::conversations(app).await?,
        vec![
            doc! {"$match": conversations(range, account_id)},
            doc! {"$group": {"_id": Bson::Null, "n": {"$sum": 1}, "converted": {"$sum": {"$cond": [{"$eq": ["$converted", true]}, 1, 0]}}}},
        ],
    )
    .await
}
