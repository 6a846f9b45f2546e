//! POST /communication/sync-to-crm (super admin): the retry path. Sends the
//! missing mail of every lead still `mailStatus: pending` (oldest first, up
//! to 100 per call) and reports what happened, plus lead counts by status.

use futures_util::TryStreamExt;
use mongodb::bson::{Document, doc};
use serde_json::json;
use shared::{
    App,
    http::{ApiError, Reply, Request},
    stores::mongo::unavailable,
};

use crate::leads;

pub async fn handle(app: &App, req: Request) -> Result<Reply, ApiError> {
    app.principal(&req).await?.require_super_admin()?;
    let coll = app
        .crm_db()
        .await?
        .collection::<Document>(leads::COLLECTION);
    let pending: Vec<Document> = coll
        .find(doc! {"mailStatus": "pending"})
        .sort(doc! {"createdAt": 1})
        .limit(100)
        .await
        .map_err(unavailable)?
        .try_collect()
        .await
        .map_err(unavailable)?;
    let mut sent = 0;
    for lead in &pending {
        if leads::deliver(app, lead).await? {
            sent += 1;
        }
    }
    let still_pending = coll
        .count_documents(doc! {"mailStatus": "pending"})
        .await
        .map_err(unavailable)?;
    let total = coll.count_documents(doc! {}).await.map_err(unavailable)?;
    Reply::ok(json!({
        "attempted": pending.len(),
        "sent": sent,
        "stillPending": still_pending,
        "totalLeads": total,
    }))
}
