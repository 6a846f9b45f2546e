//! GET /api/v1/organizations/{id}
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let app = shared::App::from_env()?;
    shared::http::serve(org::SERVICE, app, org::organizations::get).await
}
