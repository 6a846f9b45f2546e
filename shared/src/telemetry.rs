//! Logs and metrics, the way Lambda and CloudWatch read them.
//!
//! # Logs
//!
//! One JSON object per line (tracing, [`subscriber`]): `timestamp`, `level`,
//! the event's own fields and `message` at the top level, and the fields of
//! the span the line was logged in under `span`. Every line logged while a
//! function handles an invocation is inside one span, so it carries:
//!
//! | field | what | where from |
//! |---|---|---|
//! | `span.name` | `request` (API Gateway) or `invocation` (queue, schedule, authorizer) | |
//! | `span.request_id` | the id a client can quote (`x-request-id`, the envelope's `requestId`); `request` spans only | API Gateway's request id, else the Lambda request id, else a fresh UUID |
//! | `span.lambda_request_id` | the Lambda invocation id (Lambda's own `START`/`END`/`REPORT` lines and its metrics) | the Lambda context; absent outside Lambda |
//! | `span.trace_id` | the X-Ray trace id, only its `Root` value (`1-5759e988-bd862e3fe1be46a994272793`), the id the X-Ray and CloudWatch consoles search | the Lambda context, else `_X_AMZN_TRACE_ID`, else the `x-amzn-trace-id` header; absent when none |
//! | `span.function` | the Lambda function's name | `AWS_LAMBDA_FUNCTION_NAME`, else the binary's name |
//! | `span.cold_start` | the execution environment's first invocation | |
//!
//! A field without a value is left out, never empty. Logs Insights reads
//! them as `span.trace_id` etc.
//!
//! # Metrics
//!
//! CloudWatch Embedded Metric Format lines on stdout ([`Metrics`]), which
//! CloudWatch turns into metrics without any API call from the function,
//! in the namespace [`namespace`] (`METRICS_NAMESPACE`; `AvaOne` by
//! default, `AvaOne/<Stage>` as deployed).
//!
//! Per API request ([`crate::http::dispatch`]), dimensions `service`, `function`:
//!
//! | metric | unit | value |
//! |---|---|---|
//! | `Latency` | Milliseconds | the handler's time |
//! | `ClientErrors` | Count | 1 for a 4xx answer, else 0 |
//! | `Faults` | Count | 1 for a 5xx answer, else 0 |
//! | `ColdStart` | Count | 1, on an execution environment's first request only |
//!
//! Business events ([`count`]), each a Count of 1 per event, dimension
//! `service` only (one metric per service and name, whatever the route):
//!
//! | metric | counted where | when |
//! |---|---|---|
//! | `FailedLogins` | `shared::identity::login::complete` (admin, organization, workspace and passenger logins) | credentials refused (wrong password, unknown account) |
//! | `RateLimited` | [`crate::App::rate_limit`] | a hit over a limit (the 429; also the comm confirmation-mail quota, which skips the mail instead) |
//! | `IdempotentReplays` | [`crate::idempotency::once`] | a stored response replayed for a repeated `Idempotency-Key` |
//! | `MailsLeftPending` | comm `leads::deliver` | a lead's mail failed to send and stays `mailStatus: pending` (each attempt; the retry schedule sends it later) |
//! | `MailsNotQueued` | transit `cancellations::settle`, ticketing counter sale | a transit mail (cancellation notice, counter e-ticket) whose job could not be queued: it is not sent |
//! | `HoldsPlaced` | ticketing `book::book` | a passenger's booking holds its seats |
//! | `HoldsReleased` | transit `cancellations::release_hold` | a hold ended unpaid by a cancel (passenger, company, trip cancellation) |
//! | `HoldsExpired` | ticketing `expire::expire_holds` | a lapsed hold marked `expired` |
//! | `PaymentsSucceeded` | payment `webhook` | a `payment_intent.succeeded` event processed (once per event) |
//! | `PaymentsFailed` | payment `webhook` | a `payment_intent.payment_failed` event processed |
//! | `RefundsIssued` | worker `refund::issue` (card, by the provider), transit `refunds::record` (cash, at once) | money handed back |
//! | `TicketsBoarded` | qr `scan::scan`, `scan::sync` | a scan boarded its ticket |
//! | `ScansRefused` | qr `scan::scan`, `scan::sync` | a scan refused: already boarded, or the ticket invalid (forged, void, other trip, outside validity, not the caller's trip) |
//! | `AuthorizerUnavailable` | the authorizer | a token could not be checked because the keys or the session store did not answer (fail closed; AuthorizerAlarm) |
//!
//! A non-HTTP function's `service` is its handler's crate (`worker` →
//! `worker-service`), see [`crate::runtime::run`].
//!
//! Tests see what a handler emitted with [`capture`].

use std::{
    cell::RefCell,
    marker::PhantomData,
    sync::{
        OnceLock,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use serde_json::{Map, Value, json};
use tracing_subscriber::{
    EnvFilter,
    fmt::{
        SubscriberBuilder,
        format::{Format, Json, JsonFields},
    },
};

/// Installs the JSON log subscriber on stdout. Level from `RUST_LOG`, else
/// Lambda's `AWS_LAMBDA_LOG_LEVEL`, else `info`. Safe to call more than once.
pub fn init() {
    let filter = std::env::var("RUST_LOG")
        .or_else(|_| std::env::var("AWS_LAMBDA_LOG_LEVEL").map(|l| l.to_lowercase()))
        .unwrap_or_else(|_| "info".to_owned());
    let _ = subscriber(&filter).try_init();
}

/// The log format [`init`] installs, filtering at `filter` (`RUST_LOG`
/// syntax; `info` when it does not parse), writing to stdout unless given
/// another writer (`.with_writer(..)`, as the tests do): one JSON object
/// per line, the event's fields at the top level, the current span's
/// fields under `span`.
pub fn subscriber(filter: &str) -> SubscriberBuilder<JsonFields, Format<Json>, EnvFilter> {
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info")))
        .with_current_span(true)
        .with_span_list(false)
        .flatten_event(true)
        .with_target(false)
}

static COLD_START: AtomicBool = AtomicBool::new(true);

/// True for the execution environment's first invocation only.
pub(crate) fn take_cold_start() -> bool {
    COLD_START.swap(false, Ordering::Relaxed)
}

/// The span every line of a non-HTTP invocation is logged in (an API
/// request's is [`crate::http::dispatch`]'s `request`).
pub(crate) fn invocation_span(context: &lambda_runtime::Context) -> tracing::Span {
    let lambda_request_id = Some(context.request_id.as_str()).filter(|id| !id.is_empty());
    let trace_id = trace_id(Some(context), None);
    tracing::info_span!(
        "invocation",
        lambda_request_id,
        trace_id = trace_id.as_deref(),
        function = %function_name(),
        cold_start = take_cold_start(),
    )
}

/// The X-Ray trace id of the current invocation: from the Lambda context,
/// else `_X_AMZN_TRACE_ID` (which the runtime sets per invocation), else
/// `header` (API Gateway's `x-amzn-trace-id`). Only the `Root` value of
/// the `Root=…;Parent=…;Sampled=…` header (the trace, not the segment);
/// a value without `Root=` is taken whole. None when there is none.
pub fn trace_id(context: Option<&lambda_runtime::Context>, header: Option<&str>) -> Option<String> {
    let header_value = context
        .and_then(|c| c.xray_trace_id.clone())
        .filter(|v| !v.trim().is_empty())
        .or_else(|| {
            std::env::var("_X_AMZN_TRACE_ID")
                .ok()
                .filter(|v| !v.trim().is_empty())
        })
        .or_else(|| header.map(str::to_owned).filter(|v| !v.trim().is_empty()))?;
    let root = header_value
        .split(';')
        .find_map(|part| part.trim().strip_prefix("Root="))
        .unwrap_or(header_value.trim());
    (!root.is_empty()).then(|| root.to_owned())
}

/// The Lambda function name, or the binary's name when run locally.
pub fn function_name() -> &'static str {
    static NAME: OnceLock<String> = OnceLock::new();
    NAME.get_or_init(|| {
        std::env::var("AWS_LAMBDA_FUNCTION_NAME")
            .ok()
            .unwrap_or_else(|| {
                std::env::args()
                    .next()
                    .and_then(|a| a.rsplit('/').next().map(str::to_owned))
                    .unwrap_or_default()
            })
    })
}

static SERVICE: OnceLock<String> = OnceLock::new();

/// Names the service this process runs (the first name given wins: one
/// execution environment runs one function).
pub(crate) fn set_service(name: &str) {
    if SERVICE.get().is_none() {
        let _ = SERVICE.set(name.to_owned());
    }
}

/// The service whose business metrics this process counts: the one
/// [`crate::http::serve`] or [`crate::runtime::run`] runs, else the function's name.
pub fn service() -> &'static str {
    SERVICE.get().map_or_else(function_name, String::as_str)
}

/// CloudWatch units used here.
#[derive(Debug, Clone, Copy)]
pub enum Unit {
    Count,
    Seconds,
    Milliseconds,
    Bytes,
}

impl Unit {
    fn as_str(self) -> &'static str {
        match self {
            Unit::Count => "Count",
            Unit::Seconds => "Seconds",
            Unit::Milliseconds => "Milliseconds",
            Unit::Bytes => "Bytes",
        }
    }
}

/// One EMF record: a namespace, dimensions and metric values.
///
/// ```
/// use shared::telemetry::{Metrics, Unit};
/// let line = Metrics::new("AvaOne")
///     .dimension("service", "comm-service")
///     .metric("MailSent", Unit::Count, 1.0)
///     .to_line();
/// assert!(line.contains("\"MailSent\":1.0"));
/// ```
#[derive(Debug, Clone)]
pub struct Metrics {
    namespace: String,
    dimensions: Vec<(String, String)>,
    metrics: Vec<(String, Unit, f64)>,
}

impl Metrics {
    pub fn new(namespace: impl Into<String>) -> Self {
        Metrics {
            namespace: namespace.into(),
            dimensions: Vec::new(),
            metrics: Vec::new(),
        }
    }

    pub fn dimension(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.dimensions.push((name.into(), value.into()));
        self
    }

    pub fn metric(mut self, name: impl Into<String>, unit: Unit, value: f64) -> Self {
        self.metrics.push((name.into(), unit, value));
        self
    }

    /// The EMF JSON line (without the newline).
    pub fn to_line(&self) -> String {
        let timestamp_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or_default();
        let mut root = Map::new();
        root.insert(
            "_aws".into(),
            json!({
                "Timestamp": timestamp_ms,
                "CloudWatchMetrics": [{
                    "Namespace": self.namespace,
                    "Dimensions": [self.dimensions.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>()],
                    "Metrics": self.metrics.iter()
                        .map(|(name, unit, _)| json!({"Name": name, "Unit": unit.as_str()}))
                        .collect::<Vec<_>>(),
                }],
            }),
        );
        for (k, v) in &self.dimensions {
            root.insert(k.clone(), Value::String(v.clone()));
        }
        for (name, _, value) in &self.metrics {
            root.insert(name.clone(), json!(value));
        }
        Value::Object(root).to_string()
    }

    /// Prints the line to stdout, where the Lambda log agent picks it up
    /// (and hands it to this thread's [`capture`]s, if any).
    pub fn emit(&self) {
        let line = self.to_line();
        record(&line);
        println!("{line}");
    }
}

/// Namespace for all AvaOne metrics (`METRICS_NAMESPACE`, default `AvaOne`).
pub fn namespace() -> &'static str {
    static NS: OnceLock<String> = OnceLock::new();
    NS.get_or_init(|| std::env::var("METRICS_NAMESPACE").unwrap_or_else(|_| "AvaOne".to_owned()))
}

/// Per-request metrics: Latency, 4xx/5xx counts and ColdStart.
pub(crate) fn emit_request_metrics(
    service: &str,
    status: u16,
    latency: Duration,
    cold_start: bool,
) {
    let mut m = Metrics::new(namespace())
        .dimension("service", service)
        .dimension("function", function_name())
        .metric("Latency", Unit::Milliseconds, latency.as_secs_f64() * 1e3)
        .metric(
            "ClientErrors",
            Unit::Count,
            f64::from(u8::from((400..500).contains(&status))),
        )
        .metric("Faults", Unit::Count, f64::from(u8::from(status >= 500)));
    if cold_start {
        m = m.metric("ColdStart", Unit::Count, 1.0);
    }
    m.emit();
}

/// The business events counted as metrics (the table in the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Business {
    /// Credentials refused by a password login.
    FailedLogin,
    /// A hit over a rate limit.
    RateLimited,
    /// A stored response replayed for a repeated `Idempotency-Key`.
    IdempotentReplay,
    /// A lead's mail failed to send and stays pending.
    MailLeftPending,
    /// A transit mail whose job could not be queued.
    MailNotQueued,
    /// A passenger's booking holds its seats.
    HoldPlaced,
    /// A hold ended unpaid by a cancellation.
    HoldReleased,
    /// A lapsed hold marked expired.
    HoldExpired,
    /// The provider reported a payment succeeded.
    PaymentSucceeded,
    /// The provider reported a payment failed.
    PaymentFailed,
    /// Money handed back (card by the provider, or cash at the counter).
    RefundIssued,
    /// A scan boarded its ticket.
    TicketBoarded,
    /// A scan refused (already boarded, or the ticket invalid).
    ScanRefused,
    /// The authorizer could not check a token: keys or sessions did not answer.
    AuthorizerUnavailable,
}

impl Business {
    pub const ALL: [Business; 14] = [
        Business::FailedLogin,
        Business::RateLimited,
        Business::IdempotentReplay,
        Business::MailLeftPending,
        Business::MailNotQueued,
        Business::HoldPlaced,
        Business::HoldReleased,
        Business::HoldExpired,
        Business::PaymentSucceeded,
        Business::PaymentFailed,
        Business::RefundIssued,
        Business::TicketBoarded,
        Business::ScanRefused,
        Business::AuthorizerUnavailable,
    ];

    /// The CloudWatch metric name.
    pub const fn metric(self) -> &'static str {
        match self {
            Business::FailedLogin => "FailedLogins",
            Business::RateLimited => "RateLimited",
            Business::IdempotentReplay => "IdempotentReplays",
            Business::MailLeftPending => "MailsLeftPending",
            Business::MailNotQueued => "MailsNotQueued",
            Business::HoldPlaced => "HoldsPlaced",
            Business::HoldReleased => "HoldsReleased",
            Business::HoldExpired => "HoldsExpired",
            Business::PaymentSucceeded => "PaymentsSucceeded",
            Business::PaymentFailed => "PaymentsFailed",
            Business::RefundIssued => "RefundsIssued",
            Business::TicketBoarded => "TicketsBoarded",
            Business::ScanRefused => "ScansRefused",
            Business::AuthorizerUnavailable => "AuthorizerUnavailable",
        }
    }
}

/// Counts one business event: an EMF line with the event's metric at 1,
/// dimension `service` ([`service`]).
pub fn count(event: Business) {
    Metrics::new(namespace())
        .dimension("service", service())
        .metric(event.metric(), Unit::Count, 1.0)
        .emit();
}

thread_local! {
    /// The lines of every live [`Capture`] on this thread, innermost last.
    static CAPTURES: RefCell<Vec<Vec<String>>> = const { RefCell::new(Vec::new()) };
}

fn record(line: &str) {
    CAPTURES.with(|c| {
        for captured in c.borrow_mut().iter_mut() {
            captured.push(line.to_owned());
        }
    });
}

/// Starts collecting the EMF lines emitted on this thread (they still go
/// to stdout), until the guard is dropped. For tests: a `#[tokio::test]`
/// runs its handlers, and the tasks they spawn, on the test's own thread,
/// so tests running in parallel do not see each other's metrics.
///
/// ```
/// use shared::telemetry::{Business, capture, count};
/// let metrics = capture();
/// count(Business::HoldPlaced);
/// assert_eq!(metrics.count(Business::HoldPlaced), 1);
/// assert_eq!(metrics.count(Business::HoldExpired), 0);
/// ```
pub fn capture() -> Capture {
    let depth = CAPTURES.with(|c| {
        let mut c = c.borrow_mut();
        c.push(Vec::new());
        c.len()
    });
    Capture {
        depth,
        _this_thread: PhantomData,
    }
}

/// What [`capture`] collected so far.
#[must_use = "the capture ends when the guard is dropped"]
pub struct Capture {
    depth: usize,
    /// Tied to the thread whose lines it collects.
    _this_thread: PhantomData<*const ()>,
}

impl Capture {
    /// Every EMF line collected, parsed.
    pub fn lines(&self) -> Vec<Value> {
        CAPTURES.with(|c| {
            c.borrow()
                .get(self.depth - 1)
                .map(|lines| {
                    lines
                        .iter()
                        .filter_map(|l| serde_json::from_str(l).ok())
                        .collect()
                })
                .unwrap_or_default()
        })
    }

    /// The sum of `metric`'s values over the lines collected.
    pub fn total(&self, metric: &str) -> f64 {
        self.lines()
            .iter()
            .filter_map(|line| line.get(metric).and_then(Value::as_f64))
            .sum()
    }

    /// How many times `event` was counted.
    pub fn count(&self, event: Business) -> usize {
        self.total(event.metric()) as usize
    }
}

impl Drop for Capture {
    fn drop(&mut self) {
        CAPTURES.with(|c| c.borrow_mut().truncate(self.depth - 1));
    }
}

/// Logs captured in memory with [`subscriber`]'s format, for tests of what
/// a line carries.
#[cfg(test)]
pub(crate) mod test_logs {
    use std::sync::{Arc, Mutex};

    use serde_json::Value;

    #[derive(Clone, Default)]
    pub(crate) struct Logs(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Logs {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Logs {
        /// Every line so far, parsed.
        pub(crate) fn lines(&self) -> Vec<Value> {
            String::from_utf8(self.0.lock().unwrap().clone())
                .unwrap()
                .lines()
                .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
                .collect()
        }

        /// The line whose `message` is `message`.
        pub(crate) fn line(&self, message: &str) -> Value {
            let lines = self.lines();
            lines
                .iter()
                .find(|l| l["message"] == message)
                .cloned()
                .unwrap_or_else(|| panic!("no {message:?} line in {lines:#?}"))
        }
    }

    /// Logs of this thread go to the returned buffer while the guard lives.
    pub(crate) fn install() -> (tracing::subscriber::DefaultGuard, Logs) {
        let logs = Logs::default();
        let writer = logs.clone();
        let subscriber = super::subscriber("info")
            .with_writer(move || writer.clone())
            .finish();
        (tracing::subscriber::set_default(subscriber), logs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emf_line_is_well_formed() {
        let line = Metrics::new("AvaOne")
            .dimension("service", "admin-service")
            .metric("Latency", Unit::Milliseconds, 12.5)
            .metric("ColdStart", Unit::Count, 1.0)
            .to_line();
        let v: Value = serde_json::from_str(&line).unwrap();
        let cw = &v["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(cw["Namespace"], "AvaOne");
        assert_eq!(cw["Dimensions"], json!([["service"]]));
        assert_eq!(
            cw["Metrics"][0],
            json!({"Name": "Latency", "Unit": "Milliseconds"})
        );
        assert_eq!(v["service"], "admin-service");
        assert_eq!(v["Latency"], 12.5);
        assert_eq!(v["ColdStart"], 1.0);
        assert!(v["_aws"]["Timestamp"].as_u64().unwrap() > 1_700_000_000_000);
    }

    #[test]
    fn a_business_event_is_one_count_with_the_service_dimension_only() {
        let metrics = capture();
        count(Business::HoldPlaced);
        count(Business::HoldPlaced);
        let lines = metrics.lines();
        assert_eq!(lines.len(), 2);
        let cw = &lines[0]["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(cw["Namespace"], namespace());
        assert_eq!(cw["Dimensions"], json!([["service"]]));
        assert_eq!(
            cw["Metrics"],
            json!([{"Name": "HoldsPlaced", "Unit": "Count"}])
        );
        assert_eq!(lines[0]["service"], service());
        assert_eq!(lines[0]["HoldsPlaced"], 1.0);
        assert_eq!(metrics.count(Business::HoldPlaced), 2);
        assert_eq!(metrics.count(Business::HoldExpired), 0);
    }

    #[test]
    fn captures_nest_and_see_only_their_own_thread() {
        let outer = capture();
        count(Business::FailedLogin);
        {
            let inner = capture();
            count(Business::RateLimited);
            std::thread::spawn(|| count(Business::RateLimited))
                .join()
                .unwrap();
            assert_eq!(inner.count(Business::RateLimited), 1);
            assert_eq!(inner.count(Business::FailedLogin), 0);
        }
        count(Business::FailedLogin);
        assert_eq!(outer.count(Business::FailedLogin), 2);
        assert_eq!(outer.count(Business::RateLimited), 1);
        drop(outer);
        let after = capture();
        assert!(after.lines().is_empty());
    }

    #[test]
    fn metric_names_are_distinct() {
        let mut names: Vec<_> = Business::ALL.iter().map(|b| b.metric()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Business::ALL.len());
    }

    #[test]
    fn the_trace_id_is_the_root_of_the_first_source_that_has_one() {
        let mut ctx = lambda_runtime::Context::default();
        ctx.xray_trace_id = Some("Root=1-abc-def;Parent=0123;Sampled=1".into());
        let header = Some("Root=1-from-header;Sampled=0");
        assert_eq!(trace_id(Some(&ctx), header).as_deref(), Some("1-abc-def"));
        // No test sets _X_AMZN_TRACE_ID: the header is next.
        if std::env::var_os("_X_AMZN_TRACE_ID").is_none() {
            assert_eq!(
                trace_id(Some(&Default::default()), header).as_deref(),
                Some("1-from-header")
            );
            assert_eq!(trace_id(None, Some("1-bare")).as_deref(), Some("1-bare"));
            assert_eq!(trace_id(None, Some(" ")), None);
            assert_eq!(trace_id(None, None), None);
        }
    }

    #[test]
    fn every_line_of_an_invocation_carries_its_lambda_request_and_trace_ids() {
        let (_guard, logs) = test_logs::install();
        let mut ctx = lambda_runtime::Context::default();
        ctx.request_id = "lambda-req-2".into();
        ctx.xray_trace_id = Some("Root=1-aaa-bbb;Parent=cc;Sampled=1".into());
        invocation_span(&ctx).in_scope(|| tracing::info!(job = "x", "job done"));
        tracing::info!("outside");
        let line = logs.line("job done");
        assert_eq!(line["job"], "x");
        assert_eq!(line["span"]["name"], "invocation");
        assert_eq!(line["span"]["lambda_request_id"], "lambda-req-2");
        assert_eq!(line["span"]["trace_id"], "1-aaa-bbb");
        assert_eq!(line["span"]["function"], function_name());
        assert!(line["span"]["cold_start"].is_boolean());
        assert!(logs.line("outside").get("span").is_none());

        // Outside Lambda: the ids are left out, not empty.
        invocation_span(&Default::default()).in_scope(|| tracing::info!("local"));
        let span = &logs.line("local")["span"];
        assert!(span.get("lambda_request_id").is_none(), "{span}");
        if std::env::var_os("_X_AMZN_TRACE_ID").is_none() {
            assert!(span.get("trace_id").is_none(), "{span}");
        }
    }
}
