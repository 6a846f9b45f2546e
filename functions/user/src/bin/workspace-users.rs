//! GET /api/v1/users/workspace-users
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let app = shared::App::from_env()?;
    shared::http::serve(user::SERVICE, app, user::directory::workspace_users).await
}
