//! `multipart/form-data` bodies as a browser's `FormData` sends them
//! (RFC 7578), parsed from the whole buffered body Lambda receives.
//!
//! Only what uploads need: each part's field name, optional filename and
//! content type, and its bytes. Malformed bodies are a 400 naming `body`.

use lambda_http::{Request, http::header::CONTENT_TYPE};

use super::error::ApiError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    pub name: String,
    pub filename: Option<String>,
    pub content_type: Option<String>,
    pub data: Vec<u8>,
}

/// Whether the request declares a `multipart/form-data` body.
pub fn is_form_data(req: &Request) -> bool {
    req.headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| m.trim().eq_ignore_ascii_case("multipart/form-data"))
}

/// The uploaded file of a browser's `FormData`: the part named `file` (or
/// `image`) that carries a filename, at most `max_bytes` (413 above). Other
/// fields are ignored, at most 10 parts in all. 415 when the body is not
/// `multipart/form-data`.
pub fn file_field(req: &Request, max_bytes: usize) -> Result<Part, ApiError> {
    let boundary = boundary(req)?;
    let body: &[u8] = req.body().as_ref();
    // Room for the other fields and the part headers around the file.
    if body.len() > max_bytes + 64 * 1024 {
        return Err(ApiError::payload_too_large(max_bytes));
    }
    let file = parse(body, &boundary, 10)?
        .into_iter()
        .find(|p| (p.name == "file" || p.name == "image") && p.filename.is_some())
        .ok_or_else(|| {
            ApiError::validation("file", "a file field named `file` (or `image`) is required")
        })?;
    if file.data.len() > max_bytes {
        return Err(ApiError::payload_too_large(max_bytes));
    }
    Ok(file)
}

/// The boundary of a `multipart/form-data` request, or 415.
pub fn boundary(req: &Request) -> Result<String, ApiError> {
    let header = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let mut pieces = header.split(';').map(str::trim);
    if !pieces
        .next()
        .unwrap_or_default()
        .eq_ignore_ascii_case("multipart/form-data")
    {
        return Err(ApiError::unsupported_media_type(
            "Content-Type must be multipart/form-data (a FormData upload).",
        ));
    }
    pieces
        .find_map(|p| {
            p.strip_prefix("boundary=")
                .map(|b| b.trim_matches('"').to_owned())
        })
        .filter(|b| !b.is_empty() && b.len() <= 70)
        .ok_or_else(|| {
            ApiError::validation("header.Content-Type", "has no valid multipart boundary")
        })
}

/// Splits `body` into parts. At most `max_parts` parts are accepted.
pub fn parse(body: &[u8], boundary: &str, max_parts: usize) -> Result<Vec<Part>, ApiError> {
    let malformed = |why: &str| {
        ApiError::validation("body", format!("is not valid multipart/form-data: {why}"))
    };
    let delimiter = format!("--{boundary}").into_bytes();
    let mut parts = Vec::new();
    let mut rest = match find(body, &delimiter) {
        Some(start) => &body[start + delimiter.len()..],
        None => return Err(malformed("the boundary does not occur")),
    };
    loop {
        if rest.starts_with(b"--") {
            return Ok(parts); // closing delimiter
        }
        rest = rest
            .strip_prefix(b"\r\n")
            .ok_or_else(|| malformed("a delimiter is not followed by a line break"))?;
        let next = find(rest, &[b"\r\n".as_slice(), &delimiter].concat())
            .ok_or_else(|| malformed("the closing boundary is missing"))?;
        let (raw, after) = (&rest[..next], &rest[next + 2 + delimiter.len()..]);
        let split =
            find(raw, b"\r\n\r\n").ok_or_else(|| malformed("a part has no header block"))?;
        let headers = std::str::from_utf8(&raw[..split])
            .map_err(|_| malformed("part headers are not UTF-8"))?;
        let mut part = Part {
            name: String::new(),
            filename: None,
            content_type: None,
            data: raw[split + 4..].to_vec(),
        };
        for line in headers.split("\r\n") {
            let Some((key, value)) = line.split_once(':') else {
                return Err(malformed("a part header has no colon"));
            };
            match key.trim().to_ascii_lowercase().as_str() {
                "content-disposition" => {
                    for param in value.split(';').map(str::trim).skip(1) {
                        if let Some((k, v)) = param.split_once('=') {
                            let v = v.trim().trim_matches('"').to_owned();
                            match k.trim() {
                                "name" => part.name = v,
                                "filename" => part.filename = Some(v),
                                _ => {}
                            }
                        }
                    }
                }
                "content-type" => part.content_type = Some(value.trim().to_owned()),
                _ => {}
            }
        }
        if part.name.is_empty() {
            return Err(malformed("a part has no field name"));
        }
        parts.push(part);
        if parts.len() > max_parts {
            return Err(malformed("too many parts"));
        }
        rest = after;
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || haystack.len() < needle.len() {
        return None;
    }
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A body as Chrome's FormData sends it.
    fn form() -> Vec<u8> {
        let mut b = Vec::new();
        b.extend_from_slice(b"------WebKitFormBoundary7MA4YWxkTrZu0gW\r\n");
        b.extend_from_slice(b"Content-Disposition: form-data; name=\"alt\"\r\n\r\nOur team\r\n");
        b.extend_from_slice(b"------WebKitFormBoundary7MA4YWxkTrZu0gW\r\n");
        b.extend_from_slice(b"Content-Disposition: form-data; name=\"file\"; filename=\"team.png\"\r\nContent-Type: image/png\r\n\r\n");
        b.extend_from_slice(b"\x89PNG\r\n\x1a\n\r\n--not-a-boundary\r\nbinary");
        b.extend_from_slice(b"\r\n------WebKitFormBoundary7MA4YWxkTrZu0gW--\r\n");
        b
    }

    #[test]
    fn parses_fields_and_files() {
        let parts = parse(&form(), "----WebKitFormBoundary7MA4YWxkTrZu0gW", 10).unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(
            (parts[0].name.as_str(), parts[0].data.as_slice()),
            ("alt", &b"Our team"[..])
        );
        assert_eq!(parts[1].filename.as_deref(), Some("team.png"));
        assert_eq!(parts[1].content_type.as_deref(), Some("image/png"));
        assert_eq!(
            parts[1].data,
            b"\x89PNG\r\n\x1a\n\r\n--not-a-boundary\r\nbinary"
        );
    }

    #[test]
    fn malformed_bodies_are_400_on_body() {
        let b = "----WebKitFormBoundary7MA4YWxkTrZu0gW";
        let full = form();
        for bad in [
            &b""[..],
            b"no boundary here",
            &full[..full.len() - 50],
            b"------WebKitFormBoundary7MA4YWxkTrZu0gW\r\nno headers",
        ] {
            let err = parse(bad, b, 10).unwrap_err();
            assert_eq!(err.status().as_u16(), 400);
            assert_eq!(err.details()[0].field, "body");
        }
        assert!(parse(&full, b, 1).is_err(), "part limit");
    }
}
