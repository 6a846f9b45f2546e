//! POST /api/v1/communication/contact
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let app = shared::App::from_env()?;
    shared::http::serve(comm::SERVICE, app, comm::forms::contact).await
}
