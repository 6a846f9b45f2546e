//! POST /api/v1/auth/logout
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let app = shared::App::from_env()?;
    shared::http::serve(auth::SERVICE, app, auth::session::logout).await
}
