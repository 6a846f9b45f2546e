//! GET /api/v1/transit/ticket-keys: the ticket-signing public keys (JWK Set)
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let app = shared::App::from_env()?;
    shared::http::serve(qr::SERVICE, app, qr::keys::list).await
}
