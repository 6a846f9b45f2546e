//! The kit every AvaOne function is built from.
//!
//! One way of doing each thing:
//! - [`config`]: environment settings and the Secrets Manager secret (TTL cache);
//! - [`stores`]: MongoDB, DynamoDB, S3 and SES clients, created lazily once per
//!   execution environment and reused across invocations;
//! - [`http`]: the response envelope, the one error type, JSON body parsing and
//!   validation, the principal extractor, and [`http::serve`] which runs a handler;
//! - [`telemetry`]: JSON logs with the API and Lambda request ids, the X-Ray
//!   trace id, function name and cold start; CloudWatch Embedded Metric Format
//!   lines (per request, and the business events of [`telemetry::count`]).
//!
//! None of these modules knows about AvaOne's domains.

pub mod clock;
pub mod concurrency;
pub mod config;
pub mod http;
pub mod idempotency;
pub mod identity;
pub mod mail;
pub mod rate_limit;
pub mod runtime;
pub mod stores;
pub mod telemetry;

use tokio::sync::OnceCell;

pub use config::{Config, ConfigError, Stage};

/// Everything a function holds for the life of its execution environment.
///
/// Built once in `main` from the environment (no I/O); each client is created
/// on its first use and reused by every later invocation, so a function only
/// ever builds the clients it actually calls.
pub struct App {
    pub config: Config,
    sdk_config: OnceCell<aws_config::SdkConfig>,
    dynamodb: OnceCell<aws_sdk_dynamodb::Client>,
    s3: OnceCell<aws_sdk_s3::Client>,
    ses: OnceCell<aws_sdk_sesv2::Client>,
    secrets_manager: OnceCell<aws_sdk_secretsmanager::Client>,
    sqs: OnceCell<aws_sdk_sqs::Client>,
    secret_cache: config::SecretCache,
    mongo: stores::mongo::MongoClients,
    keyring_cache: identity::KeyringCache,
}

impl App {
    pub fn new(config: Config) -> Self {
        App {
            config,
            sdk_config: OnceCell::new(),
            dynamodb: OnceCell::new(),
            s3: OnceCell::new(),
            ses: OnceCell::new(),
            secrets_manager: OnceCell::new(),
            sqs: OnceCell::new(),
            secret_cache: Default::default(),
            mongo: Default::default(),
            keyring_cache: Default::default(),
        }
    }

    pub fn from_env() -> Result<Self, ConfigError> {
        Config::from_env().map(App::new)
    }

    /// Local-only routes call this first: outside a local stack they answer
    /// 404, as if absent (no deployed stack has them either).
    pub fn require_local_stage(&self) -> Result<(), http::ApiError> {
        if self.config.stage == Stage::Local {
            Ok(())
        } else {
            Err(http::ApiError::not_found(
                "This route exists only in a local development stack.",
            ))
        }
    }
}
