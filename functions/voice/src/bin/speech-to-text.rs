//! POST /api/v1/voice/speech-to-text
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let app = shared::App::from_env()?;
    shared::http::serve(voice::SERVICE, app, voice::speech::speech_to_text).await
}
