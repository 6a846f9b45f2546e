//! POST /api/v1/transit/bookings/{id}/cancel: release a hold, or refund by the policy
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let app = shared::App::from_env()?;
    shared::http::serve(ticketing::SERVICE, app, ticketing::cancel::cancel).await
}
