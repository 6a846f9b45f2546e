//! POST /api/v1/transit/bookings/{id}/payment: pay a held booking: the provider's intent
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let app = shared::App::from_env()?;
    shared::http::serve(payment::SERVICE, app, payment::intents::create).await
}
