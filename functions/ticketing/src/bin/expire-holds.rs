//! mark lapsed holds expired and free their seats
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::telemetry::init();
    let app = shared::App::from_env()?;
    shared::runtime::on_schedule(app, ticketing::expire::expire_holds).await
}
