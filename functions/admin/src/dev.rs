//! Dev-stage tools for the super admin. The template deploys them only when
//! Stage=local (never deployed), and they refuse (404) in any other stage even if invoked.
//!
//! - POST /admin/setup-test-data `?organizationId=` (default `acme`): replaces
//!   the organization's demo analytics data — 14 days of activity events,
//!   chatbot conversations in `pingora.conversations`, and the leads the
//!   converted ones produced — all marked `seed: true`.
//! - POST /admin/test/{check}: `database` (write, read, delete a document),
//!   `storage` (bucket reachable and listable), `email` (the sender identity
//!   is verified in SES; nothing is sent).

use std::time::Instant;

use mongodb::bson::{DateTime, Document, doc};
use serde::Serialize;
use shared::{
    App,
    http::{
        ApiError, Reply, Request,
        openapi::{Failure, Success},
        path_param, query_param,
    },
    stores::{
        Dependency,
        aws::error_chain,
        mongo::{org_db_name, unavailable},
    },
};
use time::{Duration, OffsetDateTime};

const INTENTS: [(&str, &str); 4] = [
    ("pricing", "How much does the Business plan cost?"),
    ("demo", "Can I book a demo?"),
    ("support", "How do I reset my password?"),
    ("integrations", "Do you integrate with Salesforce?"),
];
const ACTIVITY: [&str; 3] = ["login", "page_view", "voice_command"];

/// What the seed wrote.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SeedSummary {
    /// The organization account id seeded.
    #[schema(example = "acme")]
    pub organization_id: String,
    /// Activity events written to the organization's `activity`.
    pub activity_events: u64,
    /// Chatbot conversations written to `pingora.conversations`.
    pub conversations: u64,
    /// Leads written to `crm.leads` (one per converted conversation).
    pub leads: u64,
}

/// Seed demo analytics data.
///
/// Super admin only. Only in local stacks (`make dev`, `make sam-local`; 404 NOT_FOUND in any other
/// stage). Replaces the organization's demo data (everything marked
/// `seed: true`): 14 days of activity events, chatbot conversations and the
/// leads the converted ones produced.
#[utoipa::path(
    post,
    path = "/admin/setup-test-data",
    operation_id = "setup-test-data",
    tag = "admin",
    params(("organizationId" = Option<String>, Query, description = "The organization account id to seed (default `acme`).")),
    responses(
        (status = 200, description = "The demo data was replaced.", body = Success<SeedSummary>),
        (status = 404, description = "NOT_FOUND: not a local stack.", body = Failure),
    ),
    security(("bearerAuth" = [])),
)]
pub async fn setup_test_data(app: &App, req: Request) -> Result<Reply, ApiError> {
    app.require_local_stage()?;
    app.principal(&req).await?.require_super_admin()?;
    let account_id = query_param(&req, "organizationId").unwrap_or_else(|| "acme".into());
    org_db_name(&account_id).map_err(|_| {
        ApiError::validation(
            "query.organizationId",
            "is not a valid organization account id",
        )
    })?;
    let today = OffsetDateTime::now_utc().date().midnight().assume_utc();
    let at = |days_ago: i64, hour: i64| {
        let t = today - Duration::days(days_ago) + Duration::hours(hour);
        DateTime::from_millis(t.unix_timestamp() * 1000)
    };

    let activity = tenancy::store::activity(app, &account_id).await?;
    activity
        .delete_many(doc! {"seed": true})
        .await
        .map_err(unavailable)?;
    let events: Vec<Document> = (0..60)
        .map(|i| {
            let when = at(i % 14, 8 + i % 9);
            doc! {"userId": format!("u-demo-{}", i % 7), "type": ACTIVITY[(i % 3) as usize], "at": when, "seed": true}
        })
        .collect();
    activity.insert_many(events).await.map_err(unavailable)?;

    let conversations = crm::conversations(app).await?;
    conversations
        .delete_many(doc! {"organizationId": &account_id, "seed": true})
        .await
        .map_err(unavailable)?;
    let leads = crm::leads(app).await?;
    leads
        .delete_many(doc! {"organizationId": &account_id, "seed": true})
        .await
        .map_err(unavailable)?;
    let mut convs = Vec::new();
    let mut new_leads = Vec::new();
    for i in 0..40i64 {
        let when = at(i % 14, 9 + i % 8);
        let (intent, question) = INTENTS[(i % 4) as usize];
        let converted = i % 4 == 0;
        convs.push(doc! {
            "organizationId": &account_id, "conversationId": format!("demo-{i}"), "startedAt": when,
            "intent": intent, "firstQuestion": question, "messageCount": 2 + i % 6,
            "avgResponseMs": 400.0 + (i % 5) as f64 * 100.0, "converted": converted, "seed": true,
        });
        if converted {
            new_leads.push(doc! {
                "id": format!("lead-demo-{account_id}-{i}"), "organizationId": &account_id, "type": "chatbot",
                "name": format!("Chat visitor {i}"), "email": format!("visitor{i}@example.com"), "status": "new",
                "mailStatus": "sent", "createdAt": when, "updatedAt": when, "seed": true,
            });
        }
    }
    conversations
        .insert_many(convs)
        .await
        .map_err(unavailable)?;
    leads
        .insert_many(new_leads.clone())
        .await
        .map_err(unavailable)?;
    Reply::ok(SeedSummary {
        organization_id: account_id,
        activity_events: 60,
        conversations: 40,
        leads: new_leads.len() as u64,
    })
}

/// The outcome of a passed check.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CheckResult {
    /// The check that ran: `database`, `storage` or `email`.
    #[schema(example = "database")]
    pub check: String,
    /// Always `true` (a failed check is an error response).
    pub ok: bool,
    /// Milliseconds (one decimal).
    #[schema(example = 35.7)]
    pub latency_ms: f64,
    /// What was verified, in a sentence.
    pub detail: String,
}

/// Check a dependency end to end.
///
/// Super admin only. Only in local stacks (`make dev`, `make sam-local`; 404 NOT_FOUND in any other
/// stage). `database` writes, reads and deletes a document; `storage` checks
/// that the bucket is reachable and listable; `email` reads the sender
/// identity's verification status in SES (nothing is sent).
#[utoipa::path(
    post,
    path = "/admin/test/{check}",
    operation_id = "admin-test",
    tag = "admin",
    params(("check" = String, Path, description = "The check to run: `database`, `storage` or `email`.")),
    responses(
        (status = 200, description = "The check passed.", body = Success<CheckResult>),
        (status = 404, description = "NOT_FOUND: not a local stack.", body = Failure),
        (status = 503, description = "DEPENDENCY_UNAVAILABLE: the checked dependency failed.", body = Failure),
    ),
    security(("bearerAuth" = [])),
)]
pub async fn run_check(app: &App, req: Request) -> Result<Reply, ApiError> {
    app.require_local_stage()?;
    app.principal(&req).await?.require_super_admin()?;
    let check = path_param(&req, "check")?;
    let started = Instant::now();
    let detail = match check.as_str() {
        "database" => {
            let coll = app.main_db().await?.collection::<Document>("healthchecks");
            let id = uuid::Uuid::new_v4().to_string();
            coll.insert_one(doc! {"id": &id, "at": DateTime::now()})
                .await
                .map_err(unavailable)?;
            let found = coll
                .find_one(doc! {"id": &id})
                .await
                .map_err(unavailable)?
                .is_some();
            coll.delete_one(doc! {"id": &id})
                .await
                .map_err(unavailable)?;
            if !found {
                return Err(ApiError::dependency(
                    Dependency::MongoDb,
                    "written document not found",
                ));
            }
            "wrote, read and deleted a document in avaone_main.healthchecks".to_owned()
        }
        "storage" => {
            let bucket = app.config.bucket_name()?;
            let s3 = app.s3().await;
            s3.head_bucket()
                .bucket(bucket)
                .send()
                .await
                .map_err(|e| ApiError::dependency(Dependency::S3, error_chain(&e)))?;
            let listed = s3
                .list_objects_v2()
                .bucket(bucket)
                .max_keys(1)
                .send()
                .await
                .map_err(|e| ApiError::dependency(Dependency::S3, error_chain(&e)))?;
            format!(
                "bucket reachable; listing works ({} object(s) in the first page)",
                listed.key_count().unwrap_or(0)
            )
        }
        "email" => {
            let sender = app.config.sender_email()?;
            let identity = app
                .ses()
                .await
                .get_email_identity()
                .email_identity(sender)
                .send()
                .await
                .map_err(|e| ApiError::dependency(Dependency::Ses, error_chain(&e)))?;
            let status = identity
                .verification_status()
                .map(|s| s.as_str().to_owned())
                .unwrap_or_else(|| "unknown".into());
            format!("sender identity verification status: {status}")
        }
        _ => {
            return Err(ApiError::validation(
                "path.check",
                "must be one of database, storage, email",
            ));
        }
    };
    Reply::ok(CheckResult {
        check,
        ok: true,
        latency_ms: (started.elapsed().as_secs_f64() * 1e4).round() / 10.0,
        detail,
    })
}
