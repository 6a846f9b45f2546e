//! Idempotent handlers on DynamoDB (the `Idempotency-Key` header).
//!
//! The first request with a key writes an IN_PROGRESS record (conditional
//! put), runs the handler, and stores the response as COMPLETED. A retry
//! with the same key and the same body gets the stored response without
//! running the handler again; the same key with a different body is 409; a
//! retry while the first is still running is 409 too. If the handler fails,
//! the record is removed so the client can retry. Records expire after 24 h
//! (TTL, and checked in code because TTL deletion is lazy).

use std::future::Future;

use aws_sdk_dynamodb::types::AttributeValue;
use lambda_http::{Request, http::StatusCode};
use sha2::{Digest, Sha256};

use crate::{
    App,
    http::{ApiError, Reply},
    identity::now,
    stores::{Dependency, aws::error_chain},
};

pub const HEADER: &str = "idempotency-key";
const TTL_SECS: i64 = 24 * 3600;

/// The request's `Idempotency-Key`, validated (1-255 visible ASCII characters).
pub fn key(req: &Request) -> Result<Option<String>, ApiError> {
    let Some(value) = req.headers().get(HEADER) else {
        return Ok(None);
    };
    let text = value.to_str().unwrap_or_default().trim();
    if text.is_empty() || text.len() > 255 || !text.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ApiError::validation(
            "header.Idempotency-Key",
            "must be 1-255 visible ASCII characters",
        ));
    }
    Ok(Some(text.to_owned()))
}

fn dynamo<E: std::error::Error>(e: E) -> ApiError {
    ApiError::dependency(Dependency::DynamoDb, error_chain(&e))
}

/// Runs `handler` at most once per (`scope`, key). `scope` should include the
/// route and the caller's tenant so keys never collide across tenants.
pub async fn once<F, Fut>(
    app: &App,
    scope: &str,
    req: &Request,
    handler: F,
) -> Result<Reply, ApiError>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<Reply, ApiError>>,
{
    let Some(key) = key(req)? else {
        return handler().await;
    };
    let table = app.config.table_name()?;
    let db = app.dynamodb().await;
    let pk = AttributeValue::S(format!("idem#{scope}#{key}"));
    let sk = AttributeValue::S("idem".into());
    let body: &[u8] = req.body().as_ref();
    let digest: String = Sha256::digest(body)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let at = now();

    let claimed = db
        .put_item()
        .table_name(table)
        .item("pk", pk.clone())
        .item("sk", sk.clone())
        .item("status", AttributeValue::S("IN_PROGRESS".into()))
        .item("payloadHash", AttributeValue::S(digest.clone()))
        .item("expiresAt", AttributeValue::N((at + TTL_SECS).to_string()))
        .condition_expression("attribute_not_exists(pk) OR expiresAt < :now")
        .expression_attribute_values(":now", AttributeValue::N(at.to_string()))
        .send()
        .await;
    match claimed {
        Ok(_) => {}
        Err(e)
            if e.as_service_error()
                .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
        {
            return replay(app, pk, sk, &digest).await;
        }
        Err(e) => return Err(dynamo(e)),
    }

    match handler().await {
        Ok(reply) => {
            let stored = serde_json::to_string(reply.data()).map_err(ApiError::internal)?;
            db.update_item()
                .table_name(table)
                .key("pk", pk)
                .key("sk", sk)
                .update_expression("SET #s = :done, responseStatus = :code, responseData = :data")
                .expression_attribute_names("#s", "status")
                .expression_attribute_values(":done", AttributeValue::S("COMPLETED".into()))
                .expression_attribute_values(
                    ":code",
                    AttributeValue::N(reply.status().as_u16().to_string()),
                )
                .expression_attribute_values(":data", AttributeValue::S(stored))
                .send()
                .await
                .map_err(dynamo)?;
            Ok(reply)
        }
        Err(err) => {
            // Let the client retry: forget the key.
            if let Err(e) = db
                .delete_item()
                .table_name(table)
                .key("pk", pk)
                .key("sk", sk)
                .send()
                .await
            {
                tracing::error!(cause = %error_chain(&e), "could not clear idempotency record");
            }
            Err(err)
        }
    }
}

async fn replay(
    app: &App,
    pk: AttributeValue,
    sk: AttributeValue,
    digest: &str,
) -> Result<Reply, ApiError> {
    let item = app
        .dynamodb()
        .await
        .get_item()
        .table_name(app.config.table_name()?)
        .key("pk", pk)
        .key("sk", sk)
        .consistent_read(true)
        .send()
        .await
        .map_err(dynamo)?
        .item
        .unwrap_or_default();
    let text = |k: &str| {
        item.get(k)
            .and_then(|v| v.as_s().ok())
            .map(String::as_str)
            .unwrap_or_default()
    };
    if text("payloadHash") != digest {
        return Err(ApiError::conflict(
            "This Idempotency-Key was already used with a different request body; use a new key.",
        ));
    }
    if text("status") != "COMPLETED" {
        return Err(ApiError::conflict(
            "A request with this Idempotency-Key is still being processed; retry shortly.",
        ));
    }
    let status = item
        .get("responseStatus")
        .and_then(|v| v.as_n().ok())
        .and_then(|n| n.parse::<u16>().ok())
        .and_then(|n| StatusCode::from_u16(n).ok())
        .unwrap_or(StatusCode::OK);
    let data: serde_json::Value =
        serde_json::from_str(text("responseData")).map_err(ApiError::internal)?;
    Ok(Reply::with_status(status, data)?.header(
        lambda_http::http::HeaderName::from_static("idempotent-replayed"),
        lambda_http::http::HeaderValue::from_static("true"),
    ))
}
