//! POST /api/v1/transit/tickets/scan: board a ticket (first scan wins)
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let app = shared::App::from_env()?;
    shared::http::serve(qr::SERVICE, app, qr::scan::scan).await
}
