//! POST /api/v1/transit/schedules: add a schedule; trips for 30 days
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let app = shared::App::from_env()?;
    shared::http::serve(company::SERVICE, app, company::schedules::create).await
}
