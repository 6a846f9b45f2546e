//! POST /api/v1/users/workspace/ensure-user
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let app = shared::App::from_env()?;
    shared::http::serve(user::SERVICE, app, user::ensure::handle).await
}
