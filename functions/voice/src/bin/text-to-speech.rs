//! POST /api/v1/voice/text-to-speech
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let app = shared::App::from_env()?;
    shared::http::serve(voice::SERVICE, app, voice::speech::text_to_speech).await
}
