//! GET /api/v1/transit/company/dashboard: bookings, revenue, refunds, occupancy and no-shows of a period
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let app = shared::App::from_env()?;
    shared::http::serve(company::SERVICE, app, company::dashboard::get).await
}
