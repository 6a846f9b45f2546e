//! GET /api/v1/org/{orgName}/users
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let app = shared::App::from_env()?;
    shared::http::serve(org::SERVICE, app, org::members::list).await
}
