//! The abuse limits of the public passenger routes (TRANSIT.md §7): each
//! route allows at most 20 requests per source IP and 3 per e-mail address
//! per 15 minutes, then 429 with Retry-After. Counted before anything is
//! looked up, so a flood costs DynamoDB writes and no mail.

use std::time::Duration;

use shared::{
    App,
    http::{ApiError, Request},
    identity::devices::account_hash,
    rate_limit::Limit,
};

const WINDOW: Duration = Duration::from_secs(15 * 60);
const PER_IP: u32 = 20;
const PER_ADDRESS: u32 = 3;

/// Counts one request of `route` for the client IP and for `email`
/// (lowercased); the address is counted under its hash, never in clear.
pub async fn count(app: &App, req: &Request, route: &str, email: &str) -> Result<(), ApiError> {
    let ip = shared::http::client_address(req);
    let limit = |max| Limit {
        max,
        window: WINDOW,
    };
    app.rate_limit(&format!("transit-{route}-ip#{ip}"), limit(PER_IP))
        .await?;
    app.rate_limit(
        &format!("transit-{route}-address#{}", account_hash(email)),
        limit(PER_ADDRESS),
    )
    .await
}
