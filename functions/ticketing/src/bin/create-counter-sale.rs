//! POST /api/v1/transit/counter-sales: a cash sale by staff, confirmed at once
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let app = shared::App::from_env()?;
    shared::http::serve(ticketing::SERVICE, app, ticketing::counter::sell).await
}
