//! POST /api/v1/voice/agent
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let app = shared::App::from_env()?;
    shared::http::serve(voice::SERVICE, app, voice::agent::handle).await
}
