//! Fixed-window rate limits on DynamoDB counters (one item per key and
//! window, removed by TTL). Shared by every function that limits, so a limit
//! holds across all concurrent execution environments.

use std::time::Duration;

use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};

use crate::{
    App,
    http::ApiError,
    identity::now,
    stores::aws::dynamodb_error,
    telemetry::{self, Business},
};

/// At most `max` hits per `window`.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub max: u32,
    pub window: Duration,
}

impl Limit {
    fn window_start(&self, at: i64) -> i64 {
        let w = self.window.as_secs().max(1) as i64;
        at - at.rem_euclid(w)
    }
}

fn key(name: &str, limit: &Limit, at: i64) -> (AttributeValue, AttributeValue) {
    (
        AttributeValue::S(format!("rate#{name}")),
        AttributeValue::S(format!("window#{}", limit.window_start(at))),
    )
}

impl App {
    /// Counts one hit on `name`. Over the limit: 429 with `Retry-After` set
    /// to the end of the current window.
    pub async fn rate_limit(&self, name: &str, limit: Limit) -> Result<(), ApiError> {
        let at = now();
        let window_end = limit.window_start(at) + limit.window.as_secs() as i64;
        let (pk, sk) = key(name, &limit, at);
        let out = self
            .dynamodb()
            .await
            .update_item()
            .table_name(self.config.table_name()?)
            .key("pk", pk)
            .key("sk", sk)
            .update_expression("ADD hits :one SET expiresAt = if_not_exists(expiresAt, :exp)")
            .expression_attribute_values(":one", AttributeValue::N("1".into()))
            .expression_attribute_values(":exp", AttributeValue::N((window_end + 60).to_string()))
            .return_values(ReturnValue::UpdatedNew)
            .send()
            .await
            .map_err(dynamodb_error)?;
        let hits = out
            .attributes()
            .and_then(|a| a.get("hits"))
            .and_then(|v| v.as_n().ok())
            .and_then(|n| n.parse::<u64>().ok())
            .unwrap_or(0);
        if hits > u64::from(limit.max) {
            tracing::warn!(limit = name, hits, "rate limit exceeded");
            telemetry::count(Business::RateLimited);
            return Err(ApiError::rate_limited((window_end - at).max(1) as u64));
        }
        Ok(())
    }

    /// Forgets the hits on `name` in the current window (e.g. after a
    /// successful login, for the per-account counter).
    pub async fn rate_limit_reset(&self, name: &str, limit: Limit) -> Result<(), ApiError> {
        let (pk, sk) = key(name, &limit, now());
        self.dynamodb()
            .await
            .delete_item()
            .table_name(self.config.table_name()?)
            .key("pk", pk)
            .key("sk", sk)
            .send()
            .await
            .map_err(dynamodb_error)?;
        Ok(())
    }
}
