//! POST /api/v1/transit/auth/reset-password: new password with the code; ends every session
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let app = shared::App::from_env()?;
    shared::http::serve(passenger::SERVICE, app, passenger::password::reset).await
}
