//! PUT /api/v1/transit/buses/{id}: change a bus (409 if sold seats drop)
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let app = shared::App::from_env()?;
    shared::http::serve(company::SERVICE, app, company::buses::update).await
}
