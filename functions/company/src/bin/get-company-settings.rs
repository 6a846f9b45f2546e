//! GET /api/v1/transit/company: the company's transit settings
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let app = shared::App::from_env()?;
    shared::http::serve(company::SERVICE, app, company::settings::get).await
}
