//! GET /api/v1/auth/.well-known/jwks.json
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let app = shared::App::from_env()?;
    shared::http::serve(auth::SERVICE, app, auth::session::jwks).await
}
