//! GET /api/v1/transit/trips/{id}/seats: the seat map for a segment
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let app = shared::App::from_env()?;
    shared::http::serve(ticketing::SERVICE, app, ticketing::seats::get).await
}
