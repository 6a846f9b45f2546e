//! Running a function, whatever invokes it. [`run`] is the one runner: it
//! keeps the function's state (built once by `main`) for the execution
//! environment's life and hands each event to the handler. The event kinds
//! the platform uses are thin layers on it:
//!
//! - API Gateway requests: [`crate::http::serve`] (the envelope, request
//!   ids, metrics). A webhook sees the exact bytes it was sent in
//!   `req.body()`: lambda_http only undoes API Gateway's base64.
//! - SQS batches: [`consume_sqs`], with partial batch failures (only the
//!   messages that failed return to the queue; the event source mapping
//!   needs `FunctionResponseTypes: [ReportBatchItemFailures]`).
//! - Schedules (EventBridge): [`on_schedule`]; a failure is a function
//!   error, so EventBridge's asynchronous invoke retries it.
//! - The Lambda authorizer: [`run`] with its own request type.

use std::{future::Future, pin::Pin};

use aws_lambda_events::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use lambda_runtime::{LambdaEvent, service_fn};
use serde::{Serialize, de::DeserializeOwned};
use tracing::Instrument;

use crate::{http::ApiError, telemetry};

/// What a queue consumer's and a scheduled function's handlers take, so a
/// domain crate needs no event crate of its own.
pub use aws_lambda_events::{eventbridge::EventBridgeEvent, sqs::SqsMessage};
/// What a non-HTTP function's `main` returns (as `lambda_http::Error` for routes).
pub use lambda_runtime::Error;

/// Keeps `value` for the life of the execution environment: the state and
/// handler of a function are built once and shared by every invocation.
pub fn keep<T>(value: T) -> &'static T {
    Box::leak(Box::new(value))
}

/// Runs `handler` for every event of type `E` until the runtime stops.
///
/// Every line logged while an event is handled is in the span
/// `invocation`: `lambda_request_id`, `trace_id` (the X-Ray trace's
/// `Root`), `function`, `cold_start` (see [`crate::telemetry`]). The
/// business metrics the function counts have `service` `<crate>-service`,
/// `<crate>` being the crate whose function `handler` is (`transit-worker`
/// runs `worker::jobs::handle`: `worker-service`).
pub async fn run<S, E, R, F, Fut>(state: S, handler: F) -> Result<(), lambda_runtime::Error>
where
    S: Send + Sync + 'static,
    E: DeserializeOwned + Send + 'static,
    R: Serialize + Send + 'static,
    F: Fn(&'static S, LambdaEvent<E>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<R, lambda_runtime::Error>> + Send + 'static,
{
    run_as(service_of::<F>(), state, handler).await
}

/// `<crate>-service` for a handler that is a function (or closure) of `<crate>`.
fn service_of<F>() -> String {
    let crate_name = std::any::type_name::<F>()
        .split("::")
        .next()
        .unwrap_or_default();
    format!("{crate_name}-service")
}

/// [`run`], counting business metrics for `service`.
async fn run_as<S, E, R, F, Fut>(
    service: String,
    state: S,
    handler: F,
) -> Result<(), lambda_runtime::Error>
where
    S: Send + Sync + 'static,
    E: DeserializeOwned + Send + 'static,
    R: Serialize + Send + 'static,
    F: Fn(&'static S, LambdaEvent<E>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<R, lambda_runtime::Error>> + Send + 'static,
{
    telemetry::set_service(&service);
    let state = keep(state);
    let handler = keep(handler);
    // Boxed: one allocation per invocation keeps each handler's future type
    // out of the runtime loop's, whose layout the compiler must otherwise
    // compute through every await of the handler (deep for the SDK calls).
    lambda_runtime::run(service_fn(move |event: LambdaEvent<E>| {
        let span = telemetry::invocation_span(&event.context);
        let invocation = span.in_scope(|| handler(state, event));
        Box::pin(invocation.instrument(span)) as Pin<Box<dyn Future<Output = Fut::Output> + Send>>
    }))
    .await
}

/// Runs `handler` on every message of every SQS batch. A message whose
/// handler fails is reported back (and only it is retried); the others
/// are deleted from the queue. The handler owns its message, so it is a
/// plain `async fn(&'static App, SqsMessage) -> Result<(), ApiError>`.
pub async fn consume_sqs<S, F, Fut>(state: S, handler: F) -> Result<(), lambda_runtime::Error>
where
    S: Send + Sync + 'static,
    F: Fn(&'static S, SqsMessage) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), ApiError>> + Send,
{
    let service = service_of::<F>();
    let handler = keep(handler);
    run_as(
        service,
        state,
        move |state, event: LambdaEvent<SqsEvent>| async move {
            Ok::<_, lambda_runtime::Error>(
                sqs_batch(event.payload, |message| handler(state, message)).await,
            )
        },
    )
    .await
}

/// One SQS batch: each message in order. On a FIFO queue, once a message
/// of a group fails, the group's later messages are reported failed without
/// running, so the group is retried in order.
pub async fn sqs_batch<F, Fut>(batch: SqsEvent, handler: F) -> SqsBatchResponse
where
    F: Fn(SqsMessage) -> Fut,
    Fut: Future<Output = Result<(), ApiError>>,
{
    let mut failed_groups: Vec<String> = Vec::new();
    let mut response = SqsBatchResponse::default();
    for message in batch.records {
        let id = message.message_id.clone().unwrap_or_default();
        let group = message.attributes.get("MessageGroupId").cloned();
        let blocked = group.as_ref().is_some_and(|g| failed_groups.contains(g));
        let outcome = if blocked {
            Err(None)
        } else {
            handler(message).await.map_err(Some)
        };
        if let Err(err) = outcome {
            match &err {
                Some(err) => tracing::error!(message_id = %id, error = %err, "message failed"),
                None => {
                    tracing::warn!(message_id = %id, "message held back behind a failed one of its group")
                }
            }
            if let Some(group) = group {
                failed_groups.push(group);
            }
            let mut failure = BatchItemFailure::default();
            failure.item_identifier = id;
            response.batch_item_failures.push(failure);
        }
    }
    response
}

/// Runs `handler` on every scheduled (EventBridge) event. An error makes
/// the invocation fail, so EventBridge retries it.
pub async fn on_schedule<S, F, Fut>(state: S, handler: F) -> Result<(), lambda_runtime::Error>
where
    S: Send + Sync + 'static,
    F: Fn(&'static S, EventBridgeEvent) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), ApiError>> + Send,
{
    let service = service_of::<F>();
    let handler = keep(handler);
    run_as(
        service,
        state,
        move |state, event: LambdaEvent<EventBridgeEvent>| async move {
            handler(state, event.payload)
                .await
                .map_err(|e| lambda_runtime::Error::from(e.to_string()))
        },
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    fn message(id: &str, body: &str, group: Option<&str>) -> SqsMessage {
        let mut m = SqsMessage::default();
        m.message_id = Some(id.into());
        m.body = Some(body.into());
        if let Some(g) = group {
            m.attributes.insert("MessageGroupId".into(), g.into());
        }
        m
    }

    fn batch(messages: Vec<SqsMessage>) -> SqsEvent {
        let mut event = SqsEvent::default();
        event.records = messages;
        event
    }

    fn failed(response: &SqsBatchResponse) -> Vec<&str> {
        response
            .batch_item_failures
            .iter()
            .map(|f| f.item_identifier.as_str())
            .collect()
    }

    /// Records the message and fails it when its body is `bad`.
    fn fails_if_bad(
        seen: &Mutex<Vec<String>>,
        m: SqsMessage,
    ) -> impl Future<Output = Result<(), ApiError>> + use<> {
        seen.lock().unwrap().push(m.message_id.clone().unwrap());
        let bad = m.body.as_deref() == Some("bad");
        async move {
            if bad {
                Err(ApiError::conflict("no"))
            } else {
                Ok(())
            }
        }
    }

    #[tokio::test]
    async fn only_failed_messages_return_to_the_queue() {
        let seen = Mutex::new(Vec::new());
        let response = sqs_batch(
            batch(vec![
                message("m1", "ok", None),
                message("m2", "bad", None),
                message("m3", "ok", None),
            ]),
            |m| fails_if_bad(&seen, m),
        )
        .await;
        assert_eq!(failed(&response), ["m2"]);
        assert_eq!(
            *seen.lock().unwrap(),
            ["m1", "m2", "m3"],
            "every message ran"
        );
    }

    #[tokio::test]
    async fn a_fifo_group_stops_at_its_first_failure_and_keeps_its_order() {
        let seen = Mutex::new(Vec::new());
        let response = sqs_batch(
            batch(vec![
                message("a1", "ok", Some("trip-a")),
                message("a2", "bad", Some("trip-a")),
                message("b1", "ok", Some("trip-b")),
                message("a3", "ok", Some("trip-a")),
            ]),
            |m| fails_if_bad(&seen, m),
        )
        .await;
        assert_eq!(failed(&response), ["a2", "a3"]);
        assert_eq!(
            *seen.lock().unwrap(),
            ["a1", "a2", "b1"],
            "a3 never ran ahead of a2"
        );
    }

    async fn consumer(_: &'static crate::App, _: SqsMessage) -> Result<(), ApiError> {
        Ok(())
    }

    async fn scheduled(_: &'static crate::App, _: EventBridgeEvent) -> Result<(), ApiError> {
        Ok(())
    }

    #[test]
    fn a_handler_s_service_is_its_crate_s() {
        // A function of this crate (`shared`), as a domain crate's would be.
        fn of<F>(_: F) -> String {
            service_of::<F>()
        }
        assert_eq!(of(consumer), "shared-service");
        assert_eq!(of(|| ()), "shared-service");
    }

    /// What `make functions` generates for a `queue` and a `schedule`
    /// function must compile with a plain `async fn` handler: this test
    /// does not build if the runners' handler signatures stop accepting one.
    #[test]
    fn plain_async_fns_are_consumers_and_scheduled_functions() {
        let app = || {
            crate::App::new(
                crate::Config::from_lookup(|k| (k == "STAGE").then(|| "test".into())).unwrap(),
            )
        };
        // Built, never polled: only the types are under test.
        drop(consume_sqs(app(), consumer));
        drop(on_schedule(app(), scheduled));
    }
}
