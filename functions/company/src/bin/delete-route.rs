//! DELETE /api/v1/transit/routes/{id}: delete a route (409 if scheduled)
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let app = shared::App::from_env()?;
    shared::http::serve(company::SERVICE, app, company::routes::delete).await
}
