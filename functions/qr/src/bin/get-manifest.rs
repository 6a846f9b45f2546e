//! GET /api/v1/transit/trips/{id}/manifest: a trip's manifest: seats, boarded, voided tickets
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let app = shared::App::from_env()?;
    shared::http::serve(qr::SERVICE, app, qr::manifest::get).await
}
