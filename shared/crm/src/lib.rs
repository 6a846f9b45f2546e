//! Customer records several domains share, in one place: the CRM's leads
//! (`crm.leads`: comm's forms write them and deliver their mail, admin
//! lists them, analytics counts them per organization) and the chatbot's
//! conversations (`pingora.conversations`: written by the chatbot, another
//! system; analytics reports on them, admin's local seed writes demo ones).
//!
//! A lead: `{id, kind, name, email, phone?, company?, subject?, message?,
//! details, organizationId?, status, mailStatus, mail, createdAt,
//! updatedAt}` (comm's `leads` module writes it).

use mongodb::{Collection, bson::Document};
use shared::{App, http::ApiError, stores::mongo::Cluster};

/// The CRM may live on its own cluster (`MONGODB_URI_CRM`, or the secret's
/// `mongodbUris.crm`).
pub const CLUSTER: Cluster = Cluster::named("crm");
pub const DATABASE: &str = "crm";
pub const LEADS: &str = "leads";

/// The leads collection.
pub async fn leads(app: &App) -> Result<Collection<Document>, ApiError> {
    Ok(app.database(CLUSTER, DATABASE).await?.collection(LEADS))
}

/// The chatbot's cluster (`MONGODB_URI_PINGORA`, or `mongodbUris.pingora`).
pub const CHATBOT_CLUSTER: Cluster = Cluster::named("pingora");
pub const CHATBOT_DATABASE: &str = "pingora";
pub const CONVERSATIONS: &str = "conversations";

/// The chatbot's conversations: `{organizationId, conversationId,
/// startedAt: Date, intent, ...}`.
pub async fn conversations(app: &App) -> Result<Collection<Document>, ApiError> {
    Ok(app
        .database(CHATBOT_CLUSTER, CHATBOT_DATABASE)
        .await?
        .collection(CONVERSATIONS))
}
