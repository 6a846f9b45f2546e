//! POST /api/v1/users/add-sample-users (dev only)
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let app = shared::App::from_env()?;
    shared::http::serve(user::SERVICE, app, user::samples::handle).await
}
