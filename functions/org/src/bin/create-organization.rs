//! POST /api/v1/organizations
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let app = shared::App::from_env()?;
    shared::http::serve(org::SERVICE, app, org::organizations::create).await
}
