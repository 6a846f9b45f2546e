//! GET /api/v1/transit/bookings: the company's bookings
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let app = shared::App::from_env()?;
    shared::http::serve(ticketing::SERVICE, app, ticketing::bookings::list_company).await
}
