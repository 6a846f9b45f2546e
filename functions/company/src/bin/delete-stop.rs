//! DELETE /api/v1/transit/stops/{id}: delete an unused stop
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let app = shared::App::from_env()?;
    shared::http::serve(company::SERVICE, app, company::stops::delete).await
}
