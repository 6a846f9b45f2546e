//! The payment provider (TRANSIT.md §5): a Stripe-shaped REST API —
//! form-encoded requests, JSON `payment_intent` and `refund` objects,
//! `Idempotency-Key` on every create. `PAYMENT_API_BASE` is its address
//! (`scheme://host:port`, paths start with `/v1/`); the secret key is
//! `paymentSecretKey` in the configuration secret. Locally and in tests it
//! is `scripts/fake-payments.py`, which speaks the same wire format.

use std::{sync::OnceLock, time::Duration};

use lambda_http::http::StatusCode;
use serde::Deserialize;
use shared::{
    App,
    http::{ApiError, ErrorCode},
};

/// The setting naming the provider's address.
pub const BASE_SETTING: &str = "PAYMENT_API_BASE";
/// The configuration secret's key holding the provider's secret key.
pub const SECRET_KEY: &str = "paymentSecretKey";
/// What clients are told the provider is.
pub const NAME: &str = "stripe";

/// A PaymentIntent as the provider answers it (the fields we read).
#[derive(Debug, Clone, Deserialize)]
pub struct Intent {
    pub id: String,
    pub amount: i64,
    pub currency: String,
    pub status: String,
    #[serde(default)]
    pub client_secret: Option<String>,
    #[serde(default)]
    pub metadata: std::collections::HashMap<String, String>,
}

/// A refund as the provider answers it.
#[derive(Debug, Clone, Deserialize)]
pub struct Refund {
    pub id: String,
    pub amount: i64,
    pub status: String,
}

/// The provider, configured.
pub struct Provider {
    base: String,
    key: String,
}

fn client() -> &'static reqwest::Client {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    CLIENT.get_or_init(|| {
        reqwest::Client::builder()
            // The secret key travels in a header: never follow a redirect
            // with it. The provider's API never redirects.
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .connect_timeout(Duration::from_secs(2))
            .build()
            .expect("an HTTP client")
    })
}

/// 503: the provider could not be reached or failed; nothing was charged
/// by this call (every create carries an idempotency key, so a retry is safe).
pub fn unavailable(cause: impl std::fmt::Display) -> ApiError {
    tracing::error!(dependency = "payments", cause = %cause, "payment provider call failed");
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        ErrorCode::DependencyUnavailable,
        "The payment provider is unavailable; nothing was charged. Please retry shortly.",
    )
}

impl Provider {
    /// The provider as configured; 503 when it is not (no address or key).
    pub async fn of(app: &App) -> Result<Provider, ApiError> {
        let base = app
            .config
            .setting(BASE_SETTING)
            .ok_or_else(|| unavailable("PAYMENT_API_BASE is not set"))?;
        let secret = app.secret().await?;
        let key = secret
            .str(SECRET_KEY)
            .ok_or_else(|| unavailable("paymentSecretKey is not in the configuration secret"))?
            .to_owned();
        Ok(Provider {
            base: base.trim_end_matches('/').to_owned(),
            key,
        })
    }

    async fn send<T: for<'de> Deserialize<'de>>(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<T, ApiError> {
        let response = request
            .bearer_auth(&self.key)
            .send()
            .await
            .map_err(unavailable)?;
        let status = response.status();
        let body = response.bytes().await.map_err(unavailable)?;
        if status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS {
            return Err(unavailable(format!("provider answered {status}")));
        }
        if !status.is_success() {
            // A 4xx is a request we should not have sent: our fault.
            return Err(ApiError::internal(format!(
                "payment provider refused a request ({status}): {}",
                String::from_utf8_lossy(&body)
                    .chars()
                    .take(300)
                    .collect::<String>()
            )));
        }
        serde_json::from_slice(&body).map_err(unavailable)
    }

    /// Creates (or, for the same `idempotency_key`, returns) the intent to
    /// charge `amount` minor units of `currency` for booking `booking_id`.
    pub async fn create_intent(
        &self,
        amount: i64,
        currency: &str,
        booking_id: &str,
        idempotency_key: &str,
    ) -> Result<Intent, ApiError> {
        let form = [
            ("amount", amount.to_string()),
            ("currency", currency.to_lowercase()),
            ("metadata[bookingId]", booking_id.to_owned()),
            (
                "description",
                format!("AvaOne Transit booking {booking_id}"),
            ),
        ];
        self.send(
            client()
                .post(format!("{}/v1/payment_intents", self.base))
                .header("Idempotency-Key", idempotency_key)
                .form(&form),
        )
        .await
    }

    /// An intent as the provider has it now (with its `client_secret`).
    pub async fn intent(&self, id: &str) -> Result<Intent, ApiError> {
        self.send(client().get(format!("{}/v1/payment_intents/{id}", self.base)))
            .await
    }

    /// Refunds `amount` of intent `intent_id`; one refund per
    /// `idempotency_key`, however often this runs.
    pub async fn refund(
        &self,
        intent_id: &str,
        amount: i64,
        idempotency_key: &str,
    ) -> Result<Refund, ApiError> {
        let form = [
            ("payment_intent", intent_id.to_owned()),
            ("amount", amount.to_string()),
        ];
        self.send(
            client()
                .post(format!("{}/v1/refunds", self.base))
                .header("Idempotency-Key", idempotency_key)
                .form(&form),
        )
        .await
    }
}
