//! The one error type. Every client mistake and dependency failure is an
//! `ApiError`; it renders itself into the envelope with the right status.
//! Handlers return `Err(ApiError)` and [`super::serve`] turns it into an
//! `Ok(response)`, so the runtime never reports a function error for them.

use lambda_http::http::StatusCode;
use serde::Serialize;

use crate::{config::ConfigError, stores::Dependency};

/// Stable machine codes (DESIGN.md §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    ValidationFailed,
    Unauthenticated,
    Forbidden,
    NotFound,
    Conflict,
    PreconditionFailed,
    RateLimited,
    PayloadTooLarge,
    UnsupportedMediaType,
    DependencyUnavailable,
    Internal,
    /// Transit: the organization is not licensed for the product (403).
    ProductNotLicensed,
    /// Transit: a passenger login before the e-mail address is verified (403).
    EmailNotVerified,
    /// Transit: a seat asked for is held or sold on the segment (409,
    /// `data.taken` names them); nothing was held.
    SeatsTaken,
    /// Transit: the passenger already holds the most seats or bookings
    /// allowed (429).
    HoldLimit,
    /// Transit: the ticket was already scanned (409, `data.firstScan`
    /// names when and by which device).
    AlreadyBoarded,
    /// Transit: the ticket code does not board this trip now (422,
    /// `data.reason`).
    TicketInvalid,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::ValidationFailed => "VALIDATION_FAILED",
            ErrorCode::Unauthenticated => "UNAUTHENTICATED",
            ErrorCode::Forbidden => "FORBIDDEN",
            ErrorCode::NotFound => "NOT_FOUND",
            ErrorCode::Conflict => "CONFLICT",
            ErrorCode::PreconditionFailed => "PRECONDITION_FAILED",
            ErrorCode::RateLimited => "RATE_LIMITED",
            ErrorCode::PayloadTooLarge => "PAYLOAD_TOO_LARGE",
            ErrorCode::UnsupportedMediaType => "UNSUPPORTED_MEDIA_TYPE",
            ErrorCode::DependencyUnavailable => "DEPENDENCY_UNAVAILABLE",
            ErrorCode::Internal => "INTERNAL",
            ErrorCode::ProductNotLicensed => "PRODUCT_NOT_LICENSED",
            ErrorCode::EmailNotVerified => "EMAIL_NOT_VERIFIED",
            ErrorCode::SeatsTaken => "SEATS_TAKEN",
            ErrorCode::HoldLimit => "HOLD_LIMIT",
            ErrorCode::AlreadyBoarded => "ALREADY_BOARDED",
            ErrorCode::TicketInvalid => "TICKET_INVALID",
        }
    }
}

/// One invalid field: `field` is a dotted path into the body (or a header or
/// query parameter name), `message` says what is expected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

/// Boxed so `Result<T, ApiError>` stays one pointer wide on the happy path.
#[derive(Debug, Clone)]
pub struct ApiError(Box<Inner>);

#[derive(Debug, Clone)]
struct Inner {
    status: StatusCode,
    code: ErrorCode,
    message: String,
    details: Vec<FieldError>,
    data: Option<serde_json::Value>,
    retry_after_secs: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError(Box::new(Inner {
            status,
            code,
            message: message.into(),
            details: Vec::new(),
            data: None,
            retry_after_secs: None,
        }))
    }

    /// 400 naming one field.
    pub fn validation(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::invalid_fields(vec![FieldError {
            field: field.into(),
            message: message.into(),
        }])
    }

    /// 400 naming every invalid field; the sentence lists them all.
    pub fn invalid_fields(details: Vec<FieldError>) -> Self {
        let sentence = details
            .iter()
            .map(|d| format!("{}: {}", d.field, d.message))
            .collect::<Vec<_>>()
            .join("; ");
        let mut err = Self::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::ValidationFailed,
            format!("Invalid request: {sentence}"),
        );
        err.0.details = details;
        err
    }

    pub fn unauthenticated(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            ErrorCode::Unauthenticated,
            message,
        )
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, ErrorCode::Forbidden, message)
    }

    /// 403 with a code more specific than `FORBIDDEN`, for a refusal the
    /// client can act on (e.g. `EMAIL_NOT_VERIFIED`).
    pub fn refused(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, code, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, ErrorCode::NotFound, message)
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, ErrorCode::Conflict, message)
    }

    /// 412: the request's `If-Match` names a version that is no longer current.
    pub fn precondition_failed(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::PRECONDITION_FAILED,
            ErrorCode::PreconditionFailed,
            message,
        )
    }

    pub fn rate_limited(retry_after_secs: u64) -> Self {
        let mut err = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::RateLimited,
            format!("Too many requests; try again in {retry_after_secs} seconds."),
        );
        err.0.retry_after_secs = Some(retry_after_secs);
        err
    }

    pub fn payload_too_large(limit_bytes: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::PayloadTooLarge,
            format!("Request body is larger than the {limit_bytes}-byte limit of this route."),
        )
    }

    pub fn unsupported_media_type(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::UnsupportedMediaType,
            message,
        )
    }

    /// 503 naming the dependency. The underlying error is logged here, never
    /// put in the response: driver errors can carry hosts and connection strings.
    pub fn dependency(dependency: Dependency, cause: impl std::fmt::Display) -> Self {
        tracing::error!(dependency = dependency.key(), cause = %cause, "dependency call failed");
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::DependencyUnavailable,
            format!(
                "{} is unavailable; please retry shortly.",
                dependency.display_name()
            ),
        )
    }

    /// 500 for our own faults. The cause is logged; the client gets a sentence.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(cause = %cause, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::Internal,
            "Something went wrong on our side; it has been logged.",
        )
    }

    /// Attach a `data` payload (e.g. the health report on a 503).
    pub fn with_data(mut self, data: serde_json::Value) -> Self {
        self.0.data = Some(data);
        self
    }

    pub fn status(&self) -> StatusCode {
        self.0.status
    }

    pub fn code(&self) -> ErrorCode {
        self.0.code
    }

    pub fn message(&self) -> &str {
        &self.0.message
    }

    pub fn details(&self) -> &[FieldError] {
        &self.0.details
    }

    pub fn data(&self) -> Option<&serde_json::Value> {
        self.0.data.as_ref()
    }

    pub fn retry_after_secs(&self) -> Option<u64> {
        self.0.retry_after_secs
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.status().as_u16(),
            self.code().as_str(),
            self.message()
        )
    }
}

impl std::error::Error for ApiError {}

/// A missing or invalid setting is our fault, not the client's: 500, and the
/// setting is named in the log and the sentence (names are not secrets).
impl From<ConfigError> for ApiError {
    fn from(err: ConfigError) -> Self {
        tracing::error!(error = %err, "configuration error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::Internal,
            format!("The service is misconfigured: {err}."),
        )
    }
}
