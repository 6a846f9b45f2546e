//! Lambda authorizer for every protected route of the HTTP API.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    shared::telemetry::init();
    let app = shared::App::from_env()?;
    shared::runtime::run(app, authorizer::handle).await
}
