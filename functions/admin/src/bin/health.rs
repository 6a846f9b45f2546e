//! GET /api/v1/health (public): liveness plus each dependency's status.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let app = shared::App::from_env()?;
    shared::http::serve(admin::SERVICE, app, admin::health::handle).await
}
