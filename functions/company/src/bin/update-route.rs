//! PUT /api/v1/transit/routes/{id}: change a route (new trips only)
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let app = shared::App::from_env()?;
    shared::http::serve(company::SERVICE, app, company::routes::update).await
}
