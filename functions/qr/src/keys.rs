//! `/ticket-keys`: the public keys a conductor's device verifies ticket
//! codes with, offline.

use lambda_http::http::{HeaderValue, header};
use shared::{
    App,
    http::{ApiError, Reply, Request},
    identity::jwt::JwkSet,
};
use transit::codes;

/// The ticket-signing public keys.
///
/// Public. A bare RFC 7517 JWK Set (not the envelope), like the access
/// tokens' `/auth/.well-known/jwks.json` but a different set: a ticket code
/// verifies with these keys and nothing else. Keys stay listed after a
/// rotation until every trip they signed tickets for is over. Cacheable for
/// five minutes.
#[utoipa::path(
    get,
    path = "/transit/ticket-keys",
    operation_id = "ticket-keys",
    tag = "transit",
    responses(
        (status = 200, description = "The JWK Set (not enveloped).", body = JwkSet,
            headers(("Cache-Control" = String, description = "`public, max-age=300`"))),
    ),
)]
pub async fn list(app: &App, _req: Request) -> Result<Reply, ApiError> {
    let ring = app.keyring_of(codes::PUBLIC_KEYS).await?;
    Ok(Reply::standard_document(ring.jwk_set()?)?.header(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    ))
}
