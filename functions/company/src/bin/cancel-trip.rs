//! POST /api/v1/transit/trips/{id}/cancel: cancel a trip; every booking refunded in full (through the queue)
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let app = shared::App::from_env()?;
    shared::http::serve(company::SERVICE, app, company::trips::cancel).await
}
