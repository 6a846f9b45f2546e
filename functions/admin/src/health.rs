//! `GET /api/v1/health`. Anyone gets the liveness answer `{status: "ok"}`:
//! no backend call (a public route must not let anyone drive traffic to the
//! stores) and nothing about the deployment. The super admin (bearer token)
//! gets the report: 200 with every dependency's status and latency, the
//! stage and version, or 503 `DEPENDENCY_UNAVAILABLE` naming the ones that
//! are down.
//!
//! All probes run concurrently, each bounded by `DEPENDENCY_TIMEOUT_MS`, so
//! the route answers within about that bound even when every store hangs.
//! Probe failures are reported as short categories; the driver's own error
//! (which can carry hosts or URIs) only goes to the log.

use std::future::Future;

use mongodb::bson::doc;
use serde::Serialize;
use shared::{
    App,
    http::{
        ApiError, ErrorCode, Reply, Request,
        openapi::{Failure, Success},
    },
    stores::{Dependency, aws::error_chain},
};

/// One dependency's probe.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DependencyStatus {
    /// `ok` or `down`.
    #[schema(example = "ok")]
    pub status: &'static str,
    /// How long the probe took, in milliseconds (one decimal).
    #[schema(example = 12.3)]
    pub latency_ms: f64,
    /// Why it is down, as a short category (only when `status` is `down`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "ping failed")]
    pub error: Option<String>,
}

/// Every probed dependency, by its key.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Dependencies {
    pub mongodb: DependencyStatus,
    pub dynamodb: DependencyStatus,
    pub s3: DependencyStatus,
    /// The configuration secret (Secrets Manager).
    pub secrets: DependencyStatus,
}

/// The service's health.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct HealthReport {
    /// `ok` when every dependency is up, `unavailable` otherwise.
    #[schema(example = "ok")]
    pub status: &'static str,
    /// The deployment stage: `dev`, `test` or `prod`.
    #[schema(example = "prod")]
    pub stage: &'static str,
    /// The build's version.
    #[schema(example = "0.1.0")]
    pub version: &'static str,
    pub dependencies: Dependencies,
}

/// The public answer: the function is up. Nothing else.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Liveness {
    /// Always `ok`.
    #[schema(example = "ok")]
    pub status: &'static str,
}

/// What GET /health answers: liveness, or the super admin's report.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum Health {
    Liveness(Liveness),
    Report(Box<HealthReport>),
}

/// The 503 answer: the error envelope whose `data` is the full report.
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "camelCase")]
#[allow(dead_code)] // a schema only: the error is rendered by `serve`
pub struct HealthUnavailable {
    /// Always `false`.
    success: bool,
    /// `Unavailable: ` and the display names of the dependencies that are down.
    #[schema(example = "Unavailable: MongoDB.")]
    error: String,
    /// Always `DEPENDENCY_UNAVAILABLE`.
    code: ErrorCode,
    /// The report, with `status` `unavailable` and the down dependencies'
    /// `status` `down` and `error`.
    data: HealthReport,
    timestamp: String,
    service: String,
    request_id: String,
}

/// Liveness, and the dependency report for the super admin.
///
/// Public (no authorizer on the route): without a token the answer is
/// `{status: "ok"}` and nothing is probed. The function checks a sent
/// `Authorization: Bearer` token itself. With the super admin's token it probes MongoDB, DynamoDB, S3 and
/// the configuration secret concurrently, each bounded by
/// `DEPENDENCY_TIMEOUT_MS`: 200 when all are up; 503 with the same report in
/// the error envelope's `data` when any is down. Any other token is 401/403.
#[utoipa::path(
    get,
    path = "/health",
    operation_id = "health",
    tag = "admin",
    responses(
        (status = 200, description = "Alive (no token), or every dependency is up (super admin).", body = Success<Health>),
        (status = 401, description = "UNAUTHENTICATED: a token was sent and is invalid, expired or revoked.", body = Failure),
        (status = 403, description = "FORBIDDEN: the report is the super admin's.", body = Failure),
        (status = 503, description = "DEPENDENCY_UNAVAILABLE (super admin): at least one dependency is down; `data` is the report.", body = HealthUnavailable),
    ),
)]
pub async fn handle(app: &App, req: Request) -> Result<Reply, ApiError> {
    if !req
        .headers()
        .contains_key(lambda_http::http::header::AUTHORIZATION)
        && shared::http::authorizer_context(&req).is_none()
    {
        return Reply::ok(Health::Liveness(Liveness { status: "ok" }));
    }
    app.principal(&req).await?.require_super_admin()?;
    // Boxed: the SDK and driver futures are large, and four of them inline
    // would sit on the stack of the runtime's single thread.
    let (mongodb, dynamodb, s3, secrets) = tokio::join!(
        Box::pin(probe(app, Dependency::MongoDb, mongodb_ping(app))),
        Box::pin(probe(app, Dependency::DynamoDb, dynamodb_table(app))),
        Box::pin(probe(app, Dependency::S3, s3_bucket(app))),
        Box::pin(probe(app, Dependency::Secrets, secret_readable(app))),
    );
    let down: Vec<&str> = [&mongodb, &dynamodb, &s3, &secrets]
        .into_iter()
        .filter(|(_, s)| s.error.is_some())
        .map(|(d, _)| d.display_name())
        .collect();
    let ((_, mongodb), (_, dynamodb), (_, s3), (_, secrets)) = (mongodb, dynamodb, s3, secrets);
    let report = HealthReport {
        status: if down.is_empty() { "ok" } else { "unavailable" },
        stage: app.config.stage.as_str(),
        version: env!("CARGO_PKG_VERSION"),
        dependencies: Dependencies {
            mongodb,
            dynamodb,
            s3,
            secrets,
        },
    };
    if down.is_empty() {
        Reply::ok(Health::Report(Box::new(report)))
    } else {
        let report = serde_json::to_value(&report).map_err(ApiError::internal)?;
        Err(ApiError::new(
            lambda_http::http::StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::DependencyUnavailable,
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
    let checked = shared::stores::check(app, check).await;
    if let Err(error) = &checked.outcome {
        tracing::warn!(dependency = dependency.key(), %error, "health probe failed");
    }
    let status = DependencyStatus {
        status: if checked.outcome.is_ok() {
            "ok"
        } else {
            "down"
        },
        latency_ms: checked.latency_ms,
        error: checked.outcome.err(),
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
