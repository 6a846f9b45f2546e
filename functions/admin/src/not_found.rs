//! API Gateway's `$default` route: every request no other route matches.
//!
//! Without it API Gateway answers an unknown route itself with
//! `{"message":"Not Found"}`, which a client reading `error.error` (the
//! AvaOne frontend) cannot show. This answers the envelope's 404 instead.
//! It touches no store and needs no token, so a scan of made-up paths costs
//! one short invocation each (and the stage throttle bounds those).

use shared::{
    App,
    http::{ApiError, Reply, Request},
};

/// Any method, any path no route matches: 404 `NOT_FOUND` naming both.
pub async fn handle(_app: &App, req: Request) -> Result<Reply, ApiError> {
    Err(no_route(&req))
}

fn no_route(req: &Request) -> ApiError {
    // The path is echoed back to its own caller only; cap it so a huge
    // made-up path does not become a huge answer.
    let path: String = req.uri().path().chars().take(200).collect();
    ApiError::not_found(format!(
        "No route {} {path}. The routes are listed in GET /api/v1/openapi.json.",
        req.method()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_method_and_path_is_the_envelope_404() {
        for (method, path) in [("GET", "/api/v1/no-such-route"), ("DELETE", "/")] {
            let req = lambda_http::http::Request::builder()
                .method(method)
                .uri(path)
                .body(lambda_http::Body::Empty)
                .unwrap();
            let err = no_route(&req);
            assert_eq!(err.status(), 404);
            assert!(
                err.message().contains(&format!("{method} {path}")),
                "{}",
                err.message()
            );
        }
    }
}
