//! GET /api/v1/analytics/workspace
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let app = shared::App::from_env()?;
    shared::http::serve(analytics::SERVICE, app, analytics::workspace::handle).await
}
