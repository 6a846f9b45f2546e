//! GET /api/v1/transit/tickets/{id}/qr: a ticket's QR image (png or svg)
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let app = shared::App::from_env()?;
    shared::http::serve(qr::SERVICE, app, qr::tickets::qr).await
}
