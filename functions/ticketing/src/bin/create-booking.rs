//! POST /api/v1/transit/bookings: hold seats (409 SEATS_TAKEN, 429 HOLD_LIMIT)
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let app = shared::App::from_env()?;
    shared::http::serve(ticketing::SERVICE, app, ticketing::bookings::create).await
}
