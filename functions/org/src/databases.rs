//! GET /org/admin/multi-database-status (super admin): every database the
//! suite uses — main, billing, crm, pingora and each organization's — with
//! reachability, latency and per-collection document counts. A database
//! that cannot be reached is reported as such; the route still answers 200.

use std::collections::BTreeMap;

use mongodb::bson::{Document, doc};
use serde::Serialize;
use shared::{
    App,
    http::{ApiError, Reply, Request, openapi::Success},
    stores::mongo::{Cluster, org_db_name, reported_databases},
};
use utoipa::ToSchema;

/// One database's probe.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DatabaseStatus {
    pub name: String,
    /// main, orgs, or a cluster `MONGODB_DATABASES` names (billing, crm, pingora).
    pub cluster: String,
    pub reachable: bool,
    /// Time to list the collections and count their documents.
    pub latency_ms: f64,
    /// Collection name → estimated document count (reachable databases).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub collections: Option<BTreeMap<String, u64>>,
    /// Why the database could not be probed (unreachable databases).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Every database the suite uses.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DatabaseReport {
    pub databases: Vec<DatabaseStatus>,
    pub reachable: usize,
    pub total: usize,
    /// False when the main cluster could not list the organizations (their
    /// databases are then missing from `databases`).
    pub organization_databases_listed: bool,
}

async fn probe(app: &App, cluster: Cluster, name: String) -> DatabaseStatus {
    let checked = shared::stores::check(app, async {
        let db = app
            .database(cluster.clone(), &name)
            .await
            .map_err(|e| e.message().to_owned())?;
        let names = db
            .list_collection_names()
            .await
            .map_err(|_| "not reachable".to_owned())?;
        let mut counts = BTreeMap::new();
        for collection in names {
            let n = db
                .collection::<Document>(&collection)
                .estimated_document_count()
                .await
                .map_err(|_| "not reachable".to_owned())?;
            counts.insert(collection, n);
        }
        Ok::<_, String>(counts)
    })
    .await;
    let latency = checked.latency_ms;
    let (collections, error) = match checked.outcome {
        Ok(counts) => (Some(counts), None),
        Err(error) => (None, Some(error)),
    };
    DatabaseStatus {
        name,
        cluster: cluster.as_str().to_owned(),
        reachable: collections.is_some(),
        latency_ms: latency,
        collections,
        error,
    }
}

/// Organization databases: listed from the organizations collection (the
/// source of truth), so an unreachable orgs cluster still shows each one.
async fn org_databases(app: &App) -> Result<Vec<String>, ApiError> {
    Ok(tenancy::store::account_ids(app)
        .await?
        .iter()
        .filter_map(|a| org_db_name(a).ok())
        .collect())
}

/// How many databases are probed at once: one connection each, and the
/// function's connection pool and the cluster's connection limit are shared
/// with everything else, however many organizations there are.
const PROBES_AT_ONCE: usize = 8;

/// Every database's status.
///
/// Super admin only: main, billing, crm, pingora and each organization's
/// database with reachability, latency and per-collection document counts.
/// An unreachable database is reported as such; the route still answers 200.
#[utoipa::path(
    get,
    path = "/org/admin/multi-database-status",
    operation_id = "multi-database-status",
    tag = "org",
    responses((status = 200, description = "The report.", body = Success<DatabaseReport>)),
    security(("bearerAuth" = [])),
)]
pub async fn status(app: &App, req: Request) -> Result<Reply, ApiError> {
    app.principal(&req).await?.require_super_admin()?;
    let mut targets = reported_databases(&app.config);
    // If the main cluster is down the organization list is unknown; say so
    // in the report rather than failing the whole route.
    let orgs_known = match org_databases(app).await {
        Ok(names) => {
            targets.extend(names.into_iter().map(|n| (Cluster::ORGS, n)));
            true
        }
        Err(_) => false,
    };
    let databases = shared::concurrency::at_most(
        PROBES_AT_ONCE,
        targets.into_iter().map(|(c, n)| Box::pin(probe(app, c, n))),
    )
    .await;
    Reply::ok(DatabaseReport {
        reachable: databases.iter().filter(|d| d.reachable).count(),
        total: databases.len(),
        databases,
        organization_databases_listed: orgs_known,
    })
}
