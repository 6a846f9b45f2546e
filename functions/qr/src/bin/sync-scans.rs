//! POST /api/v1/transit/tickets/scans: an offline device's scans (earliest wins)
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let app = shared::App::from_env()?;
    shared::http::serve(qr::SERVICE, app, qr::scan::sync).await
}
