//! GET /api/v1/cms/admin/website-content
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let app = shared::App::from_env()?;
    shared::http::serve(cms::SERVICE, app, cms::content::admin_get).await
}
