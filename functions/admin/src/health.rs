//! `GET /api/v1/health`: 200 with every dependency's status and latency, or
//! 503 `DEPENDENCY_UNAVAILABLE` naming the ones that are down.
//!
//! All probes run concurrently, each bounded by `DEPENDENCY_TIMEOUT_MS`, so
//! the route answers within about that bound even when every store hangs.
//! Probe failures are reported as short categories; the driver's own error
//! (which can carry hosts or URIs) only goes to the log.

use std::{future::Future, time::Instant};

use mongodb::bson::doc;
use serde::Serialize;
use shared::{
    App,
    http::{ApiError, Reply, Request},
    stores::{Dependency, aws::error_chain},
};

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DependencyStatus {
    pub status: &'static str,
    pub latency_ms: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HealthReport {
    pub status: &'static str,
    pub stage: &'static str,
    pub version: &'static str,
    pub dependencies: serde_json::Map<String, serde_json::Value>,
}

pub async fn handle(app: &App, _req: Request) -> Result<Reply, ApiError> {
    // Boxed: the SDK and driver futures are large, and four of them inline
    // would sit on the stack of the runtime's single thread.
    let (mongodb, dynamodb, s3, secrets) = tokio::join!(
        Box::pin(probe(app, Dependency::MongoDb, mongodb_ping(app))),
        Box::pin(probe(app, Dependency::DynamoDb, dynamodb_table(app))),
        Box::pin(probe(app, Dependency::S3, s3_bucket(app))),
        Box::pin(probe(app, Dependency::Secrets, secret_readable(app))),
    );
    let checks = [mongodb, dynamodb, s3, secrets];
    let down: Vec<&str> = checks
        .iter()
        .filter(|(_, s)| s.error.is_some())
        .map(|(d, _)| d.display_name())
        .collect();
    let report = HealthReport {
        status: if down.is_empty() { "ok" } else { "unavailable" },
        stage: app.config.stage.as_str(),
        version: env!("CARGO_PKG_VERSION"),
        dependencies: checks
            .iter()
            .map(|(d, s)| {
                (
                    d.key().to_owned(),
                    serde_json::to_value(s).unwrap_or_default(),
                )
            })
            .collect(),
    };
    if down.is_empty() {
        Reply::ok(report)
    } else {
        let report = serde_json::to_value(&report).map_err(ApiError::internal)?;
        Err(ApiError::new(
            lambda_http::http::StatusCode::SERVICE_UNAVAILABLE,
            shared::http::ErrorCode::DependencyUnavailable,
            format!("Unavailable: {}.", down.join(", ")),
        )
        .with_data(report))
    }
}

/// Runs one probe under the dependency timeout and times it.
async fn probe(
    app: &App,
    dependency: Dependency,
    check: impl Future<Output = Result<(), String>>,
) -> (Dependency, DependencyStatus) {
    let started = Instant::now();
    let outcome = match tokio::time::timeout(app.config.dependency_timeout, check).await {
        Ok(result) => result,
        Err(_) => Err(format!(
            "no answer within {} ms",
            app.config.dependency_timeout.as_millis()
        )),
    };
    if let Err(error) = &outcome {
        tracing::warn!(dependency = dependency.key(), %error, "health probe failed");
    }
    let status = DependencyStatus {
        status: if outcome.is_ok() { "ok" } else { "down" },
        latency_ms: (started.elapsed().as_secs_f64() * 1e4).round() / 10.0,
        error: outcome.err(),
    };
    (dependency, status)
}

/// The client-facing sentence of an `ApiError` is safe to show; use it.
fn said(err: ApiError) -> String {
    err.message().to_owned()
}

async fn mongodb_ping(app: &App) -> Result<(), String> {
    let db = app.main_db().await.map_err(said)?;
    db.run_command(doc! { "ping": 1 }).await.map_err(|e| {
        tracing::warn!(cause = %e, "mongodb ping failed");
        "ping failed".to_owned()
    })?;
    Ok(())
}

async fn dynamodb_table(app: &App) -> Result<(), String> {
    let table = app.config.table_name().map_err(|e| e.to_string())?;
    let out = app
        .dynamodb()
        .await
        .describe_table()
        .table_name(table)
        .send()
        .await
        .map_err(|e| {
            tracing::warn!(cause = %error_chain(&e), "dynamodb describe-table failed");
            "table not reachable".to_owned()
        })?;
    match out.table().and_then(|t| t.table_status()) {
        Some(status) if status.as_str() == "ACTIVE" => Ok(()),
        other => Err(format!(
            "table is {}",
            other.map_or("unknown", |s| s.as_str())
        )),
    }
}

async fn s3_bucket(app: &App) -> Result<(), String> {
    let bucket = app.config.bucket_name().map_err(|e| e.to_string())?;
    app.s3()
        .await
        .head_bucket()
        .bucket(bucket)
        .send()
        .await
        .map_err(|e| {
            tracing::warn!(cause = %error_chain(&e), "s3 head-bucket failed");
            "bucket not reachable".to_owned()
        })?;
    Ok(())
}

async fn secret_readable(app: &App) -> Result<(), String> {
    app.secret().await.map(|_| ()).map_err(said)
}
