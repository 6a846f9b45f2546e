//! POST /api/v1/transit/payments/webhook: the provider's signed events: confirm, refund
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let app = shared::App::from_env()?;
    shared::http::serve(payment::SERVICE, app, payment::webhook::receive).await
}
