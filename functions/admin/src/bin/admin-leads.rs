//! GET /api/v1/admin/leads
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let app = shared::App::from_env()?;
    shared::http::serve(admin::SERVICE, app, admin::leads::handle).await
}
