//! POST /api/v1/transit/auth/register: register a passenger; mails a code
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let app = shared::App::from_env()?;
    shared::http::serve(passenger::SERVICE, app, passenger::register::register).await
}
