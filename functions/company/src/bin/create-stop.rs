//! POST /api/v1/transit/stops: add a stop
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let app = shared::App::from_env()?;
    shared::http::serve(company::SERVICE, app, company::stops::create).await
}
