//! $default (any method, any path no other route matches): the envelope's 404.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let app = shared::App::from_env()?;
    shared::http::serve(admin::SERVICE, app, admin::not_found::handle).await
}
