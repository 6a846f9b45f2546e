//! The retry path for lead mail: [`retry`] sends the missing mail of every
//! lead still `mailStatus: pending` (oldest first, up to 100 per pass). It
//! runs on demand (POST /communication/sync-to-crm, super admin: [`handle`])
//! and every 15 minutes (`retry-pending-mail`: [`retry_pending`]), which also
//! reports how long the oldest mail has been waiting (MailsPendingAlarm).

use futures_util::TryStreamExt;
use mongodb::bson::{Document, doc};
use serde::Serialize;
use shared::{
    App,
    clock::now,
    http::{ApiError, Reply, Request, openapi::Success},
    runtime::EventBridgeEvent,
    stores::mongo::unavailable,
    telemetry::{self, Metrics, Unit},
};

use crate::leads;

/// What one sync did.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SyncReport {
    /// Pending leads this call tried (oldest first, at most 100).
    pub attempted: usize,
    /// Of those, leads whose mail is now completely sent.
    pub sent: usize,
    /// Leads still `mailStatus: pending` after this call.
    pub still_pending: u64,
    /// All leads stored.
    pub total_leads: u64,
}

/// Send the pending mail of stored leads.
///
/// Super admin only. The retry path for form submissions answered 202: sends
/// whatever mail of each `mailStatus: pending` lead has not gone out yet
/// (oldest first, up to 100 leads per call; nobody gets a mail twice, and a
/// lead whose request is still delivering it is left to that request) and
/// reports the outcome with lead counts. SES failures leave the lead
/// pending and are not an error.
#[utoipa::path(
    post,
    path = "/communication/sync-to-crm",
    operation_id = "sync-to-crm",
    tag = "comm",
    responses(
        (status = 200, description = "What was sent, and how many leads are still pending.", body = Success<SyncReport>),
    ),
    security(("bearerAuth" = [])),
)]
pub async fn handle(app: &App, req: Request) -> Result<Reply, ApiError> {
    app.principal(&req).await?.require_super_admin()?;
    Reply::ok(retry(app).await?)
}

/// The scheduled pass (`retry-pending-mail`, every 15 minutes): the same
/// retry as [`handle`], then `MailsPending` and `OldestPendingMailAgeSeconds`
/// for the alarm on mail left pending too long.
pub async fn retry_pending(app: &'static App, _event: EventBridgeEvent) -> Result<(), ApiError> {
    let report = retry(app).await?;
    let oldest = crm::leads(app)
        .await?
        .find_one(doc! {"mailStatus": "pending"})
        .sort(doc! {"createdAt": 1})
        .await
        .map_err(unavailable)?;
    let age_seconds = oldest
        .and_then(|lead| lead.get_datetime("createdAt").ok().copied())
        .map(|at| (now().timestamp_millis() - at.timestamp_millis()).max(0) / 1000)
        .unwrap_or(0);
    tracing::info!(
        attempted = report.attempted,
        sent = report.sent,
        still_pending = report.still_pending,
        oldest_pending_seconds = age_seconds,
        "pending mail retried"
    );
    Metrics::new(telemetry::namespace())
        .dimension("service", crate::SERVICE)
        .metric("MailsPending", Unit::Count, report.still_pending as f64)
        .metric(
            "OldestPendingMailAgeSeconds",
            Unit::Seconds,
            age_seconds as f64,
        )
        .emit();
    Ok(())
}

/// One retry pass over the pending leads, oldest first (at most 100).
pub async fn retry(app: &App) -> Result<SyncReport, ApiError> {
    let coll = crm::leads(app).await?;
    let pending: Vec<Document> = coll
        .find(doc! {"mailStatus": "pending"})
        .sort(doc! {"createdAt": 1})
        .limit(100)
        .await
        .map_err(unavailable)?
        .try_collect()
        .await
        .map_err(unavailable)?;
    // One deliverer id for this pass: leads another deliverer still holds
    // (a request delivering right now) are left to it.
    let me = uuid::Uuid::new_v4().to_string();
    let mut sent = 0;
    for lead in &pending {
        if leads::deliver(app, lead.get_str("id").unwrap_or_default(), &me).await? {
            sent += 1;
        }
    }
    let still_pending = coll
        .count_documents(doc! {"mailStatus": "pending"})
        .await
        .map_err(unavailable)?;
    let total = coll.count_documents(doc! {}).await.map_err(unavailable)?;
    Ok(SyncReport {
        attempted: pending.len(),
        sent,
        still_pending,
        total_leads: total,
    })
}
