//! POST /api/v1/auth/debug/login (dev only)
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let app = shared::App::from_env()?;
    shared::http::serve(auth::SERVICE, app, auth::debug_login::handle).await
}
