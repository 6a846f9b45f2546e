//! POST /api/v1/cms/upload
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let app = shared::App::from_env()?;
    shared::http::serve(cms::SERVICE, app, cms::uploads::cms_upload).await
}
