//! AWS clients built from one shared `SdkConfig`.
//!
//! The default provider chain reads region, credentials and `AWS_ENDPOINT_URL`
//! (and the per-service `AWS_ENDPOINT_URL_<SERVICE>`) from the environment, so
//! the local stack (moto) and AWS use the same code path. Timeouts and retries
//! are bounded so a dead dependency answers 503 well inside API Gateway's 30 s.

use aws_config::{BehaviorVersion, SdkConfig, retry::RetryConfig, timeout::TimeoutConfig};
use aws_sdk_dynamodb::types::AttributeValue;
use std::{collections::HashMap, time::Duration};

use crate::{App, http::ApiError, stores::Dependency};

/// One DynamoDB item of the table.
pub type Item = HashMap<String, AttributeValue>;

impl App {
    pub async fn sdk_config(&self) -> &SdkConfig {
        self.sdk_config
            .get_or_init(|| self.load_sdk_config(None))
            .await
    }

    /// An App whose AWS clients all call `endpoint` instead of
    /// `AWS_ENDPOINT_URL`: fault tests point one App at an emulator of its
    /// own that they stop and resume.
    pub async fn with_aws_endpoint(config: crate::Config, endpoint: &str) -> App {
        let app = App::new(config);
        let sdk = app.load_sdk_config(Some(endpoint)).await;
        app.sdk_config.set(sdk).ok();
        app
    }

    /// The environment's SDK configuration with bounded timeouts and retries,
    /// `endpoint` overriding `AWS_ENDPOINT_URL` when given.
    async fn load_sdk_config(&self, endpoint: Option<&str>) -> SdkConfig {
        let bound = self.config.dependency_timeout;
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(Duration::from_millis(800).min(bound))
                    .operation_attempt_timeout(bound)
                    .operation_timeout(bound)
                    .build(),
            )
            .retry_config(RetryConfig::standard().with_max_attempts(2));
        if let Some(url) = endpoint {
            loader = loader.endpoint_url(url);
        }
        loader.load().await
    }

    pub async fn dynamodb(&self) -> &aws_sdk_dynamodb::Client {
        self.dynamodb
            .get_or_init(|| async { aws_sdk_dynamodb::Client::new(self.sdk_config().await) })
            .await
    }

    pub async fn s3(&self) -> &aws_sdk_s3::Client {
        self.s3
            .get_or_init(|| async {
                let sdk = self.sdk_config().await;
                // S3 emulators (moto) are reached by path, not by virtual host.
                let conf = aws_sdk_s3::config::Builder::from(sdk)
                    .force_path_style(sdk.endpoint_url().is_some())
                    .build();
                aws_sdk_s3::Client::from_conf(conf)
            })
            .await
    }

    pub async fn ses(&self) -> &aws_sdk_sesv2::Client {
        self.ses
            .get_or_init(|| async {
                let mut conf = aws_sdk_sesv2::config::Builder::from(self.sdk_config().await);
                if let Some(url) = &self.config.ses_endpoint_url {
                    conf = conf.endpoint_url(url);
                }
                aws_sdk_sesv2::Client::from_conf(conf.build())
            })
            .await
    }

    pub async fn secrets_manager(&self) -> &aws_sdk_secretsmanager::Client {
        self.secrets_manager
            .get_or_init(|| async { aws_sdk_secretsmanager::Client::new(self.sdk_config().await) })
            .await
    }

    pub async fn sqs(&self) -> &aws_sdk_sqs::Client {
        self.sqs
            .get_or_init(|| async { aws_sdk_sqs::Client::new(self.sdk_config().await) })
            .await
    }
}

impl App {
    /// The table's item at `pk`/`sk`, read strongly consistent (every
    /// caller decides on it: a session, a device, an idempotency record).
    pub async fn get_item(
        &self,
        pk: AttributeValue,
        sk: AttributeValue,
    ) -> Result<Option<Item>, ApiError> {
        Ok(self
            .dynamodb()
            .await
            .get_item()
            .table_name(self.config.table_name()?)
            .key("pk", pk)
            .key("sk", sk)
            .consistent_read(true)
            .send()
            .await
            .map_err(dynamodb_error)?
            .item)
    }
}

/// A DynamoDB call that failed: 503 naming DynamoDB, the SDK's whole error
/// chain in the log only.
pub fn dynamodb_error<E: std::error::Error>(err: E) -> ApiError {
    ApiError::dependency(Dependency::DynamoDb, error_chain(&err))
}

/// Every item of the table's partition `pk`, all pages, read consistently
/// (a trip's seat inventory, its boardings: one Query each).
pub async fn partition(app: &App, pk: AttributeValue) -> Result<Vec<Item>, ApiError> {
    let db = app.dynamodb().await;
    let table = app.config.table_name()?;
    let mut items = Vec::new();
    let mut start = None;
    loop {
        let page = db
            .query()
            .table_name(table)
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", pk.clone())
            .set_exclusive_start_key(start)
            .consistent_read(true)
            .send()
            .await
            .map_err(dynamodb_error)?;
        items.extend(page.items().iter().cloned());
        match page.last_evaluated_key {
            Some(key) if !key.is_empty() => start = Some(key),
            _ => return Ok(items),
        }
    }
}

/// A string attribute of `item`.
pub fn text_attr<'a>(item: &'a Item, name: &str) -> Option<&'a str> {
    item.get(name)
        .and_then(|v| v.as_s().ok())
        .map(String::as_str)
}

/// A whole-number attribute of `item` (e.g. `expiresAt`).
pub fn number_attr(item: &Item, name: &str) -> Option<i64> {
    item.get(name)
        .and_then(|v| v.as_n().ok())
        .and_then(|n| n.parse().ok())
}

/// The full error chain of an SDK error: its `Display` is only the top level
/// ("service error"), which says nothing in a log.
pub fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}
