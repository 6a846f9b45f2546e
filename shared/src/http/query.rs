//! Query-string and path parameters with field-level errors
//! (`query.limit`, `path.id`), and the one pagination shape every list uses.

use lambda_http::{Request, RequestExt};
use serde::Serialize;

use super::error::ApiError;

/// A path parameter, or 400 naming it (API Gateway always sends declared ones;
/// this guards direct invocations).
pub fn path_param(req: &Request, name: &str) -> Result<String, ApiError> {
    req.path_parameters_ref()
        .and_then(|p| p.first(name))
        .map(str::to_owned)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| ApiError::validation(format!("path.{name}"), "is required"))
}

/// An optional query parameter (first value), trimmed; empty is absent.
pub fn query_param(req: &Request, name: &str) -> Option<String> {
    req.query_string_parameters_ref()
        .and_then(|q| q.first(name))
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// An optional query parameter that must be one of `allowed`.
pub fn query_choice(
    req: &Request,
    name: &str,
    allowed: &[&str],
) -> Result<Option<String>, ApiError> {
    match query_param(req, name) {
        None => Ok(None),
        Some(v) if allowed.contains(&v.as_str()) => Ok(Some(v)),
        Some(_) => Err(ApiError::validation(
            format!("query.{name}"),
            format!("must be one of {}", allowed.join(", ")),
        )),
    }
}

/// `?page=` (from 1) and `?limit=` (1..=max, default `default_limit`).
/// Also the one description of these two parameters in the OpenAPI document
/// (`params(Paging, ...)`); each list states its default limit itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Paging {
    /// Page number from 1 (default 1); a page past the last is empty. Pages
    /// reach at most 10,000 items deep (`(page - 1) × limit < 10000`):
    /// past that, narrow the filters instead.
    #[param(required = false, minimum = 1, maximum = 10000)]
    pub page: u64,
    /// Items per page, 1-100 (default: see the route).
    #[param(required = false, minimum = 1, maximum = 100)]
    pub limit: u64,
}

impl Paging {
    pub const MAX_LIMIT: u64 = 100;
    /// How many items a page may skip. The database walks every skipped
    /// item, so an unbounded `page` would let one request cost a full scan.
    pub const MAX_OFFSET: u64 = 10_000;

    pub fn from_query(req: &Request, default_limit: u64) -> Result<Self, ApiError> {
        let number = |name: &str, default: u64, max: u64| -> Result<u64, ApiError> {
            match query_param(req, name) {
                None => Ok(default),
                Some(v) => match v.parse::<u64>() {
                    Ok(n) if (1..=max).contains(&n) => Ok(n),
                    _ => Err(ApiError::validation(
                        format!("query.{name}"),
                        format!("must be a whole number from 1 to {max}"),
                    )),
                },
            }
        };
        let paging = Paging {
            page: number("page", 1, Self::MAX_OFFSET)?,
            limit: number("limit", default_limit, Self::MAX_LIMIT)?,
        };
        if paging.skip() >= Self::MAX_OFFSET {
            return Err(ApiError::validation(
                "query.page",
                format!(
                    "reaches past item {}: with limit {} the last page is {}; narrow the filters instead",
                    Self::MAX_OFFSET,
                    paging.limit,
                    Self::MAX_OFFSET.div_ceil(paging.limit)
                ),
            ));
        }
        Ok(paging)
    }

    pub fn skip(&self) -> u64 {
        (self.page - 1) * self.limit
    }

    /// One page of a list, answered with [`super::Reply::page`].
    pub fn page_of<T: Serialize>(&self, items: Vec<T>, total: u64) -> Page<T> {
        Page {
            items,
            page: self.page,
            limit: self.limit,
            total,
            total_pages: total.div_ceil(self.limit),
        }
    }
}

/// One page of a list: its items and where it is in the whole.
#[derive(Debug)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub page: u64,
    pub limit: u64,
    pub total: u64,
    pub total_pages: u64,
}

impl<T> Page<T> {
    pub fn meta(&self) -> PageMeta {
        PageMeta {
            page: self.page,
            limit: self.limit,
            total: self.total,
            total_pages: self.total_pages,
        }
    }
}

/// A list's paging, the envelope's `meta`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PageMeta {
    /// This page's number, from 1.
    pub page: u64,
    /// Items per page.
    pub limit: u64,
    /// Items in the whole list.
    pub total: u64,
    /// Pages in the whole list (0 when it is empty).
    pub total_pages: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(query: &str) -> Request {
        let ev = serde_json::json!({
            "version": "2.0", "routeKey": "GET /x", "rawPath": "/x", "rawQueryString": query,
            "queryStringParameters": query.split('&').filter(|p| !p.is_empty())
                .map(|p| { let (k, v) = p.split_once('=').unwrap(); (k.to_owned(), serde_json::Value::String(v.to_owned())) })
                .collect::<serde_json::Map<_, _>>(),
            "headers": {}, "isBase64Encoded": false,
            "requestContext": {"http": {"method": "GET", "path": "/x", "sourceIp": "127.0.0.1"}, "timeEpoch": 0}
        });
        lambda_http::request::from_str(&ev.to_string()).unwrap()
    }

    #[test]
    fn paging_defaults_bounds_and_errors() {
        assert_eq!(
            Paging::from_query(&req(""), 20).unwrap(),
            Paging { page: 1, limit: 20 }
        );
        let p = Paging::from_query(&req("page=3&limit=100"), 20).unwrap();
        assert_eq!(p.skip(), 200);
        // The deepest pages allowed: 9,900 and 9,999 items skipped.
        assert!(Paging::from_query(&req("page=100&limit=100"), 20).is_ok());
        assert!(Paging::from_query(&req("page=10000&limit=1"), 20).is_ok());
        for (q, field) in [
            ("limit=0", "query.limit"),
            ("limit=101", "query.limit"),
            ("page=0", "query.page"),
            ("page=101&limit=100", "query.page"),
            ("page=10001", "query.page"),
            ("page=x", "query.page"),
        ] {
            let err = Paging::from_query(&req(q), 20).unwrap_err();
            assert_eq!(err.details()[0].field, field, "{q}");
        }
        let page = Paging { page: 2, limit: 10 }.page_of(vec![1, 2], 12);
        assert_eq!(page.total_pages, 2);
        assert_eq!(
            Paging { page: 1, limit: 10 }
                .page_of::<u8>(vec![], 0)
                .total_pages,
            0
        );
    }

    #[test]
    fn choices_name_the_parameter() {
        assert_eq!(
            query_choice(&req("status=active"), "status", &["active"])
                .unwrap()
                .as_deref(),
            Some("active")
        );
        let err = query_choice(&req("status=gone"), "status", &["active"]).unwrap_err();
        assert_eq!(err.details()[0].field, "query.status");
    }
}
