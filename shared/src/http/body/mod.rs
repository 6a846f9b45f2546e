//! JSON request bodies: content type, size limit, decoding with the failing
//! field named, then the type's own semantic checks ([`Validate`]).
//!
//! Request types that must not silently accept extra keys (anything whose
//! meaning an unknown field could change, e.g. a role or a license) declare
//! `#[serde(deny_unknown_fields)]`; the parser then names the unknown field.

use lambda_http::{Request, http::header::CONTENT_TYPE};
use serde::de::DeserializeOwned;
use serde_json::Value;
use utoipa::ToSchema;

use super::error::{ApiError, FieldError};

mod echo;

pub use echo::{Echoed, JsonObject};

/// Default body limit for JSON routes. Routes that carry media raise it with
/// [`parse_json_with_limit`], staying under Lambda's 6 MB payload limit.
pub const DEFAULT_BODY_LIMIT: usize = 64 * 1024;

/// Semantic checks after decoding: lengths, formats, ranges.
pub trait Validate {
    fn validate(&self, v: &mut Violations);
}

/// Collects every invalid field so the client can fix them all at once.
#[derive(Debug, Default)]
pub struct Violations(pub(crate) Vec<FieldError>);

impl Violations {
    /// Records that `field` is invalid. One message per field: the first
    /// (its schema's limit, checked before the type's own rules) stands.
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        if self.0.iter().any(|e| e.field == field) {
            return;
        }
        self.0.push(FieldError {
            field: field.to_owned(),
            message: message.into(),
        });
    }

    /// Records `message` for `field` unless `ok`.
    pub fn check(&mut self, ok: bool, field: &str, message: &str) {
        if !ok {
            self.add(field, message);
        }
    }

    /// A required text field: not blank, at most `max` characters.
    /// A text that must not be blank (its length limits are its schema's).
    pub fn required(&mut self, field: &str, value: &str) {
        if value.trim().is_empty() {
            self.add(field, "is required and must not be blank");
        }
    }

    /// A plausible email address (one `@`, a dotted domain, no spaces), at most 254 characters.
    pub fn email(&mut self, field: &str, value: &str) {
        let value = value.trim();
        let ok = value.len() <= 254
            && !value.chars().any(char::is_whitespace)
            && value.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.split('.').count() >= 2
                    && domain.split('.').all(|label| !label.is_empty())
            });
        self.check(ok, field, "must be a valid email address");
    }

    pub fn into_result(self) -> Result<(), ApiError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ApiError::invalid_fields(self.0))
        }
    }
}

/// Parses a JSON body of at most [`DEFAULT_BODY_LIMIT`] bytes into `T` and
/// validates it: the limits its schema declares ([`super::limits`]), then
/// its own [`Validate`] rules, every violation in one 400.
pub fn parse_json<T: DeserializeOwned + Validate + ToSchema>(req: &Request) -> Result<T, ApiError> {
    parse_json_with_limit(req, DEFAULT_BODY_LIMIT)
}

pub fn parse_json_with_limit<T: DeserializeOwned + Validate + ToSchema>(
    req: &Request,
    limit: usize,
) -> Result<T, ApiError> {
    let bytes = json_object_bytes(req, limit)?;
    let value: T = decode(bytes)?;
    let json = serde_json::from_slice(bytes).unwrap_or(Value::Null);
    checked(value, &json)
}

/// The body's bytes once they are declared JSON, within `limit`, and an object.
pub(super) fn json_object_bytes(req: &Request, limit: usize) -> Result<&[u8], ApiError> {
    if let Some(content_type) = req.headers().get(CONTENT_TYPE) {
        let media = content_type
            .to_str()
            .unwrap_or_default()
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        if media != "application/json" && !media.ends_with("+json") {
            return Err(ApiError::unsupported_media_type(format!(
                "Content-Type must be application/json, got `{media}`."
            )));
        }
    }
    let bytes: &[u8] = req.body().as_ref();
    if bytes.len() > limit {
        return Err(ApiError::payload_too_large(limit));
    }
    // Request bodies are objects. serde would also accept an array for a
    // struct (fields by position), which silently changes meaning: refuse it.
    match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
        None => Err(ApiError::validation("body", "a JSON object is required")),
        Some(b'{') => Ok(bytes),
        Some(_) => Err(ApiError::validation("body", "must be a JSON object")),
    }
}

/// `value` (decoded from `json`) once its schema's limits and its own rules hold.
pub(super) fn checked<T: Validate + ToSchema>(value: T, json: &Value) -> Result<T, ApiError> {
    let mut violations = Violations::default();
    super::limits::check::<T>(json, &mut violations);
    value.validate(&mut violations);
    violations.into_result()?;
    Ok(value)
}

pub(super) fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let result: Result<T, _> = serde_path_to_error::deserialize(&mut de);
    let value = result.map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            return ApiError::validation(
                "body",
                format!(
                    "is not valid JSON (line {}, column {})",
                    inner.line(),
                    inner.column()
                ),
            );
        }
        let (field, message) = describe(&path, &inner.to_string());
        ApiError::validation(field, message)
    })?;
    // Trailing content after the value is malformed JSON, not extra data to ignore.
    de.end().map_err(|inner| {
        ApiError::validation(
            "body",
            format!(
                "has trailing characters after the JSON value (line {}, column {})",
                inner.line(),
                inner.column()
            ),
        )
    })?;
    Ok(value)
}

/// Turns serde's message into (field path, readable message). Missing and
/// unknown fields are reported by serde at the parent path with the field's
/// name in backticks; move the name into the path.
fn describe(path: &str, serde_message: &str) -> (String, String) {
    // serde_json appends " at line L column C"; the field path says where.
    let message = serde_message
        .rsplit_once(" at line ")
        .map_or(serde_message, |(m, _)| m);
    let join = |name: &str| {
        if path.is_empty() || path == "." {
            name.to_owned()
        } else {
            format!("{path}.{name}")
        }
    };
    let backticked = |m: &str| m.split('`').nth(1).map(str::to_owned);
    if let Some(rest) = message.strip_prefix("missing field ")
        && let Some(name) = backticked(rest)
    {
        return (join(&name), "is required".into());
    }
    if let Some(rest) = message.strip_prefix("unknown field ")
        && let Some(name) = backticked(rest)
    {
        // "unknown field `x`, expected one of `a`, `b`" → keep the expectation.
        let expected = rest.split_once(", ").map(|(_, e)| e).unwrap_or("");
        let msg = if expected.is_empty() {
            "is not an accepted field".to_owned()
        } else {
            format!("is not an accepted field ({expected})")
        };
        // serde_path_to_error may already have pushed the unknown key.
        let field = if path.ends_with(&name) {
            path.to_owned()
        } else {
            join(&name)
        };
        return (field, msg);
    }
    let field = if path.is_empty() || path == "." {
        "body".to_owned()
    } else {
        path.to_owned()
    };
    (field, message.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::ErrorCode;
    use lambda_http::Body;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, utoipa::ToSchema)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    struct Signup {
        email: String,
        #[schema(max_length = 20)]
        display_name: String,
        age: Option<u8>,
        address: Option<Address>,
    }

    #[derive(Debug, Deserialize, utoipa::ToSchema)]
    #[serde(deny_unknown_fields)]
    struct Address {
        city: String,
    }

    impl Validate for Signup {
        fn validate(&self, v: &mut Violations) {
            v.email("email", &self.email);
            v.required("displayName", &self.display_name);
        }
    }

    fn request(body: &str, content_type: Option<&str>) -> Request {
        let mut req = Request::new(Body::Text(body.to_owned()));
        if let Some(ct) = content_type {
            req.headers_mut().insert(CONTENT_TYPE, ct.parse().unwrap());
        }
        req
    }

    fn reject(body: &str) -> ApiError {
        parse_json::<Signup>(&request(body, Some("application/json"))).unwrap_err()
    }

    fn assert_field(err: &ApiError, status: u16, code: ErrorCode, field: &str) {
        assert_eq!(err.status().as_u16(), status, "{err}");
        assert_eq!(err.code(), code, "{err}");
        assert!(
            err.details().iter().any(|d| d.field == field),
            "expected field `{field}` in {:?}",
            err.details()
        );
        assert!(
            err.message().contains(field),
            "sentence should name `{field}`: {err}"
        );
    }

    #[test]
    fn accepts_a_valid_body() {
        let ok: Signup = parse_json(&request(
            r#"{"email":"ana@example.com","displayName":"Ana","age":31,"address":{"city":"Pune"}}"#,
            Some("application/json; charset=utf-8"),
        ))
        .unwrap();
        assert_eq!(ok.display_name, "Ana");
        assert_eq!(ok.age, Some(31));
        assert_eq!(ok.address.unwrap().city, "Pune");
    }

    #[test]
    fn malformed_json_is_400_on_body() {
        let err = reject(r#"{"email": "a@b.co", "displayName": }"#);
        assert_field(&err, 400, ErrorCode::ValidationFailed, "body");
        assert!(err.message().contains("not valid JSON"), "{err}");
        let err = reject(r#"{"email":"a@b.co","displayName":"x"} trailing"#);
        assert_field(&err, 400, ErrorCode::ValidationFailed, "body");
    }

    /// API Gateway hands a body that is not UTF-8 to the function base64
    /// encoded (`Body::Binary`); it is a 400 like any other malformed body.
    /// (`cargo lambda watch` answers such a request itself, so the contract
    /// run cannot send it; this test and the `json_body` fuzz target do.)
    #[test]
    fn a_body_that_is_not_utf8_is_400_on_body() {
        let mut req = Request::new(Body::Binary(vec![0xf0, b'r', 0xff, 0x1c]));
        req.headers_mut()
            .insert(CONTENT_TYPE, "application/json".parse().unwrap());
        let err = parse_json::<Signup>(&req).unwrap_err();
        assert_field(&err, 400, ErrorCode::ValidationFailed, "body");
    }

    #[test]
    fn wrong_type_names_the_field() {
        let err = reject(r#"{"email":"a@b.co","displayName":"x","age":"old"}"#);
        assert_field(&err, 400, ErrorCode::ValidationFailed, "age");
        let err = reject(r#"{"email":"a@b.co","displayName":"x","age":300}"#);
        assert_field(&err, 400, ErrorCode::ValidationFailed, "age");
        let err = reject(r#"{"email":"a@b.co","displayName":"x","address":{"city":5}}"#);
        assert_field(&err, 400, ErrorCode::ValidationFailed, "address.city");
    }

    #[test]
    fn missing_field_is_named() {
        let err = reject(r#"{"email":"a@b.co"}"#);
        assert_field(&err, 400, ErrorCode::ValidationFailed, "displayName");
        let err = reject(r#"{"email":"a@b.co","displayName":"x","address":{}}"#);
        assert_field(&err, 400, ErrorCode::ValidationFailed, "address.city");
    }

    #[test]
    fn unknown_field_is_named() {
        let err = reject(r#"{"email":"a@b.co","displayName":"x","role":"super_admin"}"#);
        assert_field(&err, 400, ErrorCode::ValidationFailed, "role");
        let err = reject(r#"{"email":"a@b.co","displayName":"x","address":{"city":"P","zip":1}}"#);
        assert_field(&err, 400, ErrorCode::ValidationFailed, "address.zip");
    }

    #[test]
    fn semantic_checks_report_every_field() {
        let err = reject(r#"{"email":"not-an-email","displayName":"   "}"#);
        assert_field(&err, 400, ErrorCode::ValidationFailed, "email");
        assert_field(&err, 400, ErrorCode::ValidationFailed, "displayName");
        let err = reject(&format!(
            r#"{{"email":"a@b.co","displayName":"{}"}}"#,
            "x".repeat(21)
        ));
        assert_field(&err, 400, ErrorCode::ValidationFailed, "displayName");
    }

    #[test]
    fn empty_and_non_object_bodies() {
        assert_field(&reject(""), 400, ErrorCode::ValidationFailed, "body");
        assert_field(&reject("[1,2]"), 400, ErrorCode::ValidationFailed, "body");
    }

    #[test]
    fn oversized_body_is_413() {
        let big = format!(
            r#"{{"email":"a@b.co","displayName":"{}"}}"#,
            "x".repeat(DEFAULT_BODY_LIMIT)
        );
        let err = reject(&big);
        assert_eq!(err.status().as_u16(), 413);
        assert_eq!(err.code(), ErrorCode::PayloadTooLarge);
        // A route may raise its limit.
        let err = parse_json_with_limit::<Signup>(&request(&big, None), DEFAULT_BODY_LIMIT * 2)
            .unwrap_err();
        assert_field(&err, 400, ErrorCode::ValidationFailed, "displayName");
    }

    #[test]
    fn non_json_content_type_is_415() {
        let err = parse_json::<Signup>(&request(
            "email=a",
            Some("application/x-www-form-urlencoded"),
        ))
        .unwrap_err();
        assert_eq!(err.status().as_u16(), 415);
        assert_eq!(err.code(), ErrorCode::UnsupportedMediaType);
        // No content type at all is read as JSON.
        let ok = parse_json::<Signup>(&request(r#"{"email":"a@b.co","displayName":"x"}"#, None));
        assert!(ok.is_ok());
    }

    #[test]
    fn fields_sent_back_unchanged_are_dropped_and_changed_ones_refused() {
        let stored = serde_json::json!({"id": "u-1", "createdAt": "2026-01-01", "age": 31});
        let stored = stored.as_object().unwrap();
        let body = r#"{"id":"u-1","createdAt":"2026-01-01","age":31,"email":"a@b.co","displayName":"Ana"}"#;
        let mut obj = JsonObject::from_request(&request(body, Some("application/json"))).unwrap();
        let ignored = obj
            .drop_echoed(Echoed {
                stored,
                read_only: &["id", "createdAt", "updatedAt"],
                protected: &["age"],
            })
            .unwrap();
        assert_eq!(ignored, ["age", "createdAt", "id"]);
        let signup: Signup = obj.parse().unwrap();
        assert_eq!((signup.display_name.as_str(), signup.age), ("Ana", None));

        // A changed read-only field is named; a changed protected one is kept
        // for the handler (here: then parsed as an ordinary field).
        let body = r#"{"id":"u-2","age":40,"email":"x@b.co","displayName":"Ana"}"#;
        let mut obj = JsonObject::from_request(&request(body, Some("application/json"))).unwrap();
        let echoed = || Echoed {
            stored,
            read_only: &["id"],
            protected: &["age"],
        };
        assert_field(
            &obj.drop_echoed(echoed()).unwrap_err(),
            400,
            ErrorCode::ValidationFailed,
            "id",
        );
        obj.0.remove("id");
        assert!(obj.drop_echoed(echoed()).unwrap().is_empty());
        assert_eq!(obj.parse::<Signup>().unwrap().age, Some(40));
    }
}
