//! POST /api/v1/transit/auth/verify-email: prove the e-mail with its code → tokens
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let app = shared::App::from_env()?;
    shared::http::serve(passenger::SERVICE, app, passenger::register::verify_email).await
}
