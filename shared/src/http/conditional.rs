//! Optimistic locking with HTTP's own validators (RFC 9110 §8.8.3, §13): a
//! read answers the version it saw as a strong `ETag`; a write that sends it
//! back in `If-Match` succeeds only while that is still the version. A write
//! without a precondition is unconditional, which is what clients that never
//! opted in (the AvaOne frontend) send.

use lambda_http::http::{HeaderValue, header};
use sha2::{Digest, Sha256};

use super::{ApiError, Request};

/// What a write's request requires of the stored version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Precondition {
    /// No `If-Match` / `If-None-Match`: write whatever is stored.
    None,
    /// `If-Match: *`: the resource must exist.
    Exists,
    /// `If-Match: "a", "b"`: the current tag must be one of these (the
    /// opaque tags without quotes). Weak tags are dropped: `If-Match` uses
    /// the strong comparison, so they never match. May be empty, and then
    /// nothing matches.
    Matches(Vec<String>),
    /// `If-None-Match: *`: the resource must not exist yet (create only).
    Absent,
}

impl Precondition {
    /// The precondition of `req`, or 400 naming the malformed header.
    /// `If-Match` wins when both are sent (it is evaluated first, §13.2.2).
    pub fn of(req: &Request) -> Result<Self, ApiError> {
        if let Some(value) = header_text(req, header::IF_MATCH, "header.If-Match")? {
            if value == "*" {
                return Ok(Precondition::Exists);
            }
            let tags = entity_tags(&value).ok_or_else(|| {
                ApiError::validation(
                    "header.If-Match",
                    "must be * or a comma-separated list of entity tags as read from ETag (\"...\")",
                )
            })?;
            return Ok(Precondition::Matches(
                tags.into_iter()
                    .filter(|t| !t.weak)
                    .map(|t| t.opaque)
                    .collect(),
            ));
        }
        match header_text(req, header::IF_NONE_MATCH, "header.If-None-Match")? {
            None => Ok(Precondition::None),
            Some(value) if value == "*" => Ok(Precondition::Absent),
            Some(_) => Err(ApiError::validation(
                "header.If-None-Match",
                "only * (create, never overwrite) is meaningful on a write",
            )),
        }
    }
}

/// A strong entity tag for a response's `ETag` header. `opaque` must be
/// visible ASCII without '"' (revision numbers and hex digests are).
pub fn etag(opaque: &str) -> HeaderValue {
    HeaderValue::from_str(&format!("\"{opaque}\"")).unwrap_or(HeaderValue::from_static("\"\""))
}

/// One tag for a set of versioned parts (e.g. every section of a site):
/// changes whenever any part is added, removed or written.
pub fn digest_tag<'a>(parts: impl IntoIterator<Item = (&'a str, i64)>) -> String {
    let mut hash = Sha256::new();
    for (name, version) in parts {
        hash.update(name.as_bytes());
        hash.update([0]);
        hash.update(version.to_be_bytes());
    }
    hash.finalize()[..12]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn header_text(
    req: &Request,
    name: header::HeaderName,
    field: &str,
) -> Result<Option<String>, ApiError> {
    match req.headers().get(name) {
        None => Ok(None),
        Some(value) => value
            .to_str()
            .map(|v| Some(v.trim().to_owned()))
            .map_err(|_| ApiError::validation(field, "must be visible ASCII")),
    }
}

struct EntityTag {
    weak: bool,
    opaque: String,
}

/// `#entity-tag`: `"x"`, `W/"y"`, separated by commas and optional spaces.
fn entity_tags(value: &str) -> Option<Vec<EntityTag>> {
    let mut tags = Vec::new();
    for item in value.split(',').map(str::trim).filter(|i| !i.is_empty()) {
        let (weak, quoted) = match item.strip_prefix("W/") {
            Some(rest) => (true, rest),
            None => (false, item),
        };
        let opaque = quoted.strip_prefix('"')?.strip_suffix('"')?;
        if opaque.contains('"') {
            return None;
        }
        tags.push(EntityTag {
            weak,
            opaque: opaque.to_owned(),
        });
    }
    (!tags.is_empty()).then_some(tags)
}

#[cfg(test)]
mod tests {
    use super::*;
    use lambda_http::http;

    fn req(headers: &[(&str, &str)]) -> Request {
        let mut b = http::Request::builder();
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        b.body(lambda_http::Body::Empty).unwrap()
    }

    #[test]
    fn reads_the_preconditions_a_client_can_send() {
        assert_eq!(Precondition::of(&req(&[])).unwrap(), Precondition::None);
        assert_eq!(
            Precondition::of(&req(&[("if-match", "*")])).unwrap(),
            Precondition::Exists
        );
        assert_eq!(
            Precondition::of(&req(&[("if-match", "\"3\", W/\"4\",\"5\"")])).unwrap(),
            Precondition::Matches(vec!["3".into(), "5".into()])
        );
        assert_eq!(
            Precondition::of(&req(&[("if-none-match", "*")])).unwrap(),
            Precondition::Absent
        );
        // If-Match is evaluated first.
        assert_eq!(
            Precondition::of(&req(&[("if-none-match", "*"), ("if-match", "\"2\"")])).unwrap(),
            Precondition::Matches(vec!["2".into()])
        );
    }

    #[test]
    fn malformed_preconditions_name_the_header() {
        for (name, value, field) in [
            ("if-match", "3", "header.If-Match"),
            ("if-match", "\"3", "header.If-Match"),
            ("if-match", "\"a\"b\"", "header.If-Match"),
            ("if-match", ",", "header.If-Match"),
            ("if-none-match", "\"3\"", "header.If-None-Match"),
        ] {
            let err = Precondition::of(&req(&[(name, value)])).unwrap_err();
            assert_eq!(err.status(), 400, "{name}: {value}");
            assert_eq!(err.details()[0].field, field);
        }
    }

    #[test]
    fn a_digest_tag_changes_with_any_part() {
        let base = digest_tag([("faq", 1), ("hero", 2)]);
        assert_eq!(base.len(), 24);
        assert_ne!(base, digest_tag([("faq", 1), ("hero", 3)]));
        assert_ne!(base, digest_tag([("faq", 1)]));
        assert_ne!(base, digest_tag([("faq", 1), ("hero", 2), ("x", 1)]));
        assert_eq!(base, digest_tag([("faq", 1), ("hero", 2)]));
    }
}
