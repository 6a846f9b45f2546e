//! Idempotent handlers on DynamoDB (the `Idempotency-Key` header).
//!
//! The first request with a key writes an IN_PROGRESS record (conditional
//! put), runs the handler, and stores the response (status, data and the
//! headers the handler set) as COMPLETED. A retry with the same key and the
//! same body gets the stored response without running the handler again;
//! the same key with another body is 409; a retry while the first is still
//! running is 409 too. If the handler fails, the record is removed so the
//! client can retry.
//!
//! As in Powertools' design, an IN_PROGRESS record only holds until the
//! first invocation's deadline (`inProgressUntil`): a handler that timed out
//! or crashed never removed its record, and a retry after that deadline
//! takes the key over instead of being blocked for the record's lifetime.
//! COMPLETED records expire after 24 h (TTL, and checked in code because TTL
//! deletion is lazy).
//!
//! "The same body" is the same JSON value: the body is hashed in a
//! canonical form (object keys sorted, no insignificant whitespace), so a
//! retry that re-serializes the same object differently is still a retry.
//! A body that is not JSON is hashed as its bytes.

use std::future::Future;

use aws_sdk_dynamodb::types::AttributeValue;
use lambda_http::{
    Request,
    http::{HeaderName, HeaderValue, StatusCode},
};
use sha2::{Digest, Sha256};

use crate::{
    App,
    http::{ApiError, Reply},
    identity::now,
    stores::aws::{dynamodb_error, error_chain, number_attr, text_attr},
    telemetry::{self, Business},
};

pub const HEADER: &str = "idempotency-key";
const TTL_SECS: i64 = 24 * 3600;
/// How long an IN_PROGRESS record holds when the invocation's deadline is
/// unknown (no Lambda context, e.g. in tests): API Gateway's integration
/// timeout, the longest any first attempt can still be answering.
const FALLBACK_IN_PROGRESS_SECS: i64 = 30;

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
    let digest = payload_hash(req.body().as_ref());
    let at = now();
    let in_progress_until = invocation_deadline(req).unwrap_or(at + FALLBACK_IN_PROGRESS_SECS);

    let claimed = db
        .put_item()
        .table_name(table)
        .item("pk", pk.clone())
        .item("sk", sk.clone())
        .item("status", AttributeValue::S("IN_PROGRESS".into()))
        .item("payloadHash", AttributeValue::S(digest.clone()))
        .item(
            "inProgressUntil",
            AttributeValue::N(in_progress_until.to_string()),
        )
        .item("expiresAt", AttributeValue::N((at + TTL_SECS).to_string()))
        // Free, expired, or IN_PROGRESS past its invocation's deadline (that
        // invocation timed out or crashed and will never finish it).
        .condition_expression(
            "attribute_not_exists(pk) OR expiresAt < :now \
             OR (#s = :in_progress AND inProgressUntil < :now)",
        )
        .expression_attribute_names("#s", "status")
        .expression_attribute_values(":now", AttributeValue::N(at.to_string()))
        .expression_attribute_values(":in_progress", AttributeValue::S("IN_PROGRESS".into()))
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
        Err(e) => return Err(dynamodb_error(e)),
    }

    match handler().await {
        Ok(reply) => {
            let stored = serde_json::to_string(reply.data()).map_err(ApiError::internal)?;
            let headers: serde_json::Map<String, serde_json::Value> = reply
                .headers()
                .iter()
                .filter_map(|(name, value)| {
                    Some((name.to_string(), value.to_str().ok()?.to_owned().into()))
                })
                .collect();
            db.update_item()
                .table_name(table)
                .key("pk", pk)
                .key("sk", sk)
                .update_expression(
                    "SET #s = :done, responseStatus = :code, responseData = :data, \
                     responseMeta = :meta, responseHeaders = :headers",
                )
                .expression_attribute_values(
                    ":meta",
                    AttributeValue::S(
                        reply
                            .meta_value()
                            .map_or_else(|| "null".into(), |m| m.to_string()),
                    ),
                )
                .expression_attribute_names("#s", "status")
                .expression_attribute_values(":done", AttributeValue::S("COMPLETED".into()))
                .expression_attribute_values(
                    ":headers",
                    AttributeValue::S(serde_json::Value::Object(headers).to_string()),
                )
                .expression_attribute_values(
                    ":code",
                    AttributeValue::N(reply.status().as_u16().to_string()),
                )
                .expression_attribute_values(":data", AttributeValue::S(stored))
                .send()
                .await
                .map_err(dynamodb_error)?;
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
    let item = app.get_item(pk, sk).await?.unwrap_or_default();
    let text = |k: &str| text_attr(&item, k).unwrap_or_default();
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
    let status = number_attr(&item, "responseStatus")
        .and_then(|n| u16::try_from(n).ok())
        .and_then(|n| StatusCode::from_u16(n).ok())
        .unwrap_or(StatusCode::OK);
    let data: serde_json::Value =
        serde_json::from_str(text("responseData")).map_err(ApiError::internal)?;
    let mut reply = Reply::with_status(status, data)?;
    // Its envelope's `meta` (paging, ignored fields), when it had one.
    if let Ok(serde_json::Value::Object(meta)) =
        serde_json::from_str::<serde_json::Value>(text("responseMeta"))
    {
        for (key, value) in meta {
            reply = reply.meta(&key, value)?;
        }
    }
    // The first response's own headers (Location, Retry-After, ...) too.
    let headers: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(text("responseHeaders")).unwrap_or_default();
    for (name, value) in headers {
        if let (Ok(name), Some(Ok(value))) = (
            HeaderName::from_bytes(name.as_bytes()),
            value.as_str().map(HeaderValue::from_str),
        ) {
            reply = reply.header(name, value);
        }
    }
    telemetry::count(Business::IdempotentReplay);
    Ok(reply.header(
        HeaderName::from_static("idempotent-replayed"),
        HeaderValue::from_static("true"),
    ))
}

/// The Unix second the current invocation must have answered by, from the
/// Lambda context (absent outside Lambda).
fn invocation_deadline(req: &Request) -> Option<i64> {
    use lambda_http::RequestExt;
    let ctx = req.lambda_context_ref()?;
    let ms = i64::try_from(ctx.deadline).ok()?;
    (ms > 0).then(|| (ms + 999) / 1000)
}

/// SHA-256 of the body's canonical JSON (keys sorted), or of its bytes when
/// it is not JSON.
pub fn payload_hash(body: &[u8]) -> String {
    let canonical =
        serde_json::from_slice::<serde_json::Value>(body).map(|v| canonical_json(&v).into_bytes());
    let bytes = canonical.as_deref().unwrap_or(body);
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn canonical_json(value: &serde_json::Value) -> String {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            let inner: Vec<String> = entries
                .into_iter()
                .map(|(k, v)| format!("{}:{}", Value::String(k.clone()), canonical_json(v)))
                .collect();
            format!("{{{}}}", inner.join(","))
        }
        Value::Array(items) => {
            let inner: Vec<String> = items.iter().map(canonical_json).collect();
            format!("[{}]", inner.join(","))
        }
        scalar => scalar.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_json_value_hashes_the_same_however_it_is_written() {
        let a = payload_hash(br#"{"email":"a@x.example","name":{"first":"A","last":"B"}}"#);
        let b = payload_hash(
            b"{ \"name\" : {\"last\":\"B\", \"first\":\"A\"},\n  \"email\": \"a@x.example\" }",
        );
        assert_eq!(a, b);
        assert_ne!(
            a,
            payload_hash(br#"{"email":"b@x.example","name":{"first":"A","last":"B"}}"#)
        );
        // Arrays keep their order: another order is another request.
        assert_ne!(payload_hash(b"[1,2]"), payload_hash(b"[2,1]"));
        // Not JSON: the bytes.
        assert_eq!(payload_hash(b"raw bytes"), payload_hash(b"raw bytes"));
        assert_ne!(payload_hash(b"raw bytes"), payload_hash(b"raw  bytes"));
    }
}
