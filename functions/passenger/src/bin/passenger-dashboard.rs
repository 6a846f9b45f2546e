//! GET /api/v1/transit/me/dashboard: upcoming trips, past trips, money spent
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let app = shared::App::from_env()?;
    shared::http::serve(passenger::SERVICE, app, passenger::dashboard::get).await
}
