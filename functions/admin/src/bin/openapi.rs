//! GET /api/v1/openapi.json (public): the API's OpenAPI 3.1 document.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let document = admin::document::parse()?;
    shared::http::serve(admin::SERVICE, document, admin::document::get).await
}
