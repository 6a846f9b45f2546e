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

use mongodb::{
    IndexModel,
    bson::{Document, doc},
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
        app.org_db(account_id)
            .await?
            .collection::<Document>("activity")
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
