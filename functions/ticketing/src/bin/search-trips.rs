//! GET /api/v1/transit/trips/search: trips between two cities on a local date, with free seats
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let app = shared::App::from_env()?;
    shared::http::serve(ticketing::SERVICE, app, ticketing::search::search).await
}
