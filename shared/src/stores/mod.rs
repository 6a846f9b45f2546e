//! Clients for the stores: AWS (DynamoDB, S3, SES v2, Secrets Manager) and
//! MongoDB. Accessors live on [`crate::App`] so a handler writes
//! `app.dynamodb().await` or `app.main_db().await?`.

pub mod aws;
pub mod mongo;

use std::{future::Future, time::Instant};

/// One dependency check, as the status reports show it.
#[derive(Debug)]
pub struct Checked<T> {
    /// What the check found, or why it failed (a sentence safe to show).
    pub outcome: Result<T, String>,
    /// How long it took, in milliseconds with one decimal.
    pub latency_ms: f64,
}

/// Runs one dependency check bounded by `DEPENDENCY_TIMEOUT_MS` and times
/// it: what the health, db-health and database-status reports run per store.
pub async fn check<T>(
    app: &crate::App,
    work: impl Future<Output = Result<T, String>>,
) -> Checked<T> {
    let bound = app.config.dependency_timeout;
    let started = Instant::now();
    let outcome = tokio::time::timeout(bound, work)
        .await
        .unwrap_or_else(|_| Err(format!("no answer within {} ms", bound.as_millis())));
    Checked {
        outcome,
        latency_ms: (started.elapsed().as_secs_f64() * 1e4).round() / 10.0,
    }
}

/// A dependency a request can fail on; named in 503 responses and health output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Dependency {
    #[serde(rename = "mongodb")]
    MongoDb,
    #[serde(rename = "dynamodb")]
    DynamoDb,
    #[serde(rename = "s3")]
    S3,
    #[serde(rename = "ses")]
    Ses,
    #[serde(rename = "secrets")]
    Secrets,
}

impl Dependency {
    /// The name people know it by, used in error sentences.
    pub fn display_name(self) -> &'static str {
        match self {
            Dependency::MongoDb => "MongoDB",
            Dependency::DynamoDb => "DynamoDB",
            Dependency::S3 => "S3",
            Dependency::Ses => "SES",
            Dependency::Secrets => "Secrets Manager",
        }
    }

    /// The key used in JSON (health output, metrics).
    pub fn key(self) -> &'static str {
        match self {
            Dependency::MongoDb => "mongodb",
            Dependency::DynamoDb => "dynamodb",
            Dependency::S3 => "s3",
            Dependency::Ses => "ses",
            Dependency::Secrets => "secrets",
        }
    }
}
