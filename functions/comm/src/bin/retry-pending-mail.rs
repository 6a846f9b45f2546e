//! retry pending lead mail every 15 minutes; reports the oldest still pending
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::telemetry::init();
    let app = shared::App::from_env()?;
    shared::runtime::on_schedule(app, comm::sync::retry_pending).await
}
