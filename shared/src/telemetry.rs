//! Logs and metrics, the way Lambda and CloudWatch read them.
//!
//! Logs: one JSON object per line (tracing), each request's lines carrying
//! `request_id`, `function` and `cold_start` from the span [`crate::http::dispatch`]
//! opens. Metrics: CloudWatch Embedded Metric Format lines on stdout, which
//! CloudWatch turns into metrics without any API call from the function.

use std::{sync::OnceLock, time::Duration};

use serde_json::{Map, Value, json};
use tracing_subscriber::EnvFilter;

/// Installs the JSON log subscriber. Level from `RUST_LOG`, else Lambda's
/// `AWS_LAMBDA_LOG_LEVEL`, else `info`. Safe to call more than once.
pub fn init() {
    let filter = std::env::var("RUST_LOG")
        .or_else(|_| std::env::var("AWS_LAMBDA_LOG_LEVEL").map(|l| l.to_lowercase()))
        .unwrap_or_else(|_| "info".to_owned());
    let _ = tracing_subscriber::fmt()
        .json()
        .with_env_filter(EnvFilter::try_new(&filter).unwrap_or_else(|_| EnvFilter::new("info")))
        .with_current_span(true)
        .with_span_list(false)
        .flatten_event(true)
        .with_target(false)
        .try_init();
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

/// CloudWatch units used here.
#[derive(Debug, Clone, Copy)]
pub enum Unit {
    Count,
    Milliseconds,
    Seconds,
    Bytes,
}

impl Unit {
    fn as_str(self) -> &'static str {
        match self {
            Unit::Count => "Count",
            Unit::Milliseconds => "Milliseconds",
            Unit::Seconds => "Seconds",
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

    /// Prints the line to stdout, where the Lambda log agent picks it up.
    pub fn emit(&self) {
        println!("{}", self.to_line());
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
}
