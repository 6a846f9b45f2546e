//! GET /api/v1/users/profile-images/{accountId}/{userId}/{file} (public): redirect to the image.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let app = shared::App::from_env()?;
    shared::http::serve(user::SERVICE, app, user::profile_image::serve).await
}
