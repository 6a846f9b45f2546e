//! keep every schedule's trips 30 days ahead
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::telemetry::init();
    let app = shared::App::from_env()?;
    shared::runtime::on_schedule(app, company::generate::generate_trips).await
}
