//! DELETE /api/v1/transit/drivers/{id}: deactivate a driver
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let app = shared::App::from_env()?;
    shared::http::serve(company::SERVICE, app, company::drivers::delete).await
}
