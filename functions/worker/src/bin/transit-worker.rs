//! e-ticket and cancellation mail, refunds through the provider
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::telemetry::init();
    let app = shared::App::from_env()?;
    shared::runtime::consume_sqs(app, worker::jobs::handle).await
}
