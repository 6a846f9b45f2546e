//! PUT /api/v1/transit/me: change name or phone
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let app = shared::App::from_env()?;
    shared::http::serve(passenger::SERVICE, app, passenger::profile::update).await
}
