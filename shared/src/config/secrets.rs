//! The secrets: which one a function reads (by kind), its decoded value, and
//! the cache that fetches each on first use and refreshes it after
//! `SECRET_TTL_SECONDS`.

use std::{collections::HashMap, sync::Arc};

use serde_json::{Map, Value};
use tokio::{sync::Mutex, time::Instant};

use super::ConfigError;
use crate::{App, http::ApiError, stores::Dependency};

/// A Secrets Manager secret, named by the setting (environment variable)
/// that holds its name or ARN. The secrets are split by who may read them,
/// so each function's role can read only the ones it uses. The kit's own
/// are below; a domain declares its own the same way (voice:
/// `SecretKind::new("GEMINI_SECRET_ID")`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SecretKind {
    setting: &'static str,
}

impl SecretKind {
    pub const fn new(setting: &'static str) -> Self {
        SecretKind { setting }
    }

    /// `SECRET_ID`: the database URIs (`mongodbUri`, `mongodbUris`).
    pub const CONFIG: SecretKind = SecretKind::new("SECRET_ID");
    /// `SIGNING_KEYS_SECRET_ID`: `jwtSigningKeys: [{kid, privateKeyPem}]`
    /// and `jwtActiveKid`. Only functions that issue tokens.
    pub const SIGNING_KEYS: SecretKind = SecretKind::new("SIGNING_KEYS_SECRET_ID");
    /// `VERIFICATION_KEYS_SECRET_ID`: `jwtPublicKeys: [{kid,
    /// publicKeyPem}]`, every key that may have signed a live token. Public
    /// values, kept beside the signing keys so a rotation is two writes.
    pub const VERIFICATION_KEYS: SecretKind = SecretKind::new("VERIFICATION_KEYS_SECRET_ID");
    /// `ADMIN_SECRET_ID`: `superAdminPasswordHash`.
    pub const ADMIN_CREDENTIALS: SecretKind = SecretKind::new("ADMIN_SECRET_ID");

    /// The environment variable holding the secret's name or ARN.
    pub fn setting(self) -> &'static str {
        self.setting
    }
}

/// The decoded configuration secret. `Debug` never prints values.
#[derive(Clone)]
pub struct Secret(Map<String, Value>);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Secret")
            .field("keys", &self.0.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Secret {
    pub fn from_json(text: &str) -> Result<Self, ConfigError> {
        match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(map)) => Ok(Secret(map)),
            _ => Err(ConfigError::Invalid {
                name: "SECRET_ID",
                reason: "the secret's value is not a JSON object".into(),
            }),
        }
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.get(key)
    }

    /// A non-empty string value, if present.
    pub fn str(&self, key: &str) -> Option<&str> {
        self.0
            .get(key)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    }

    pub fn require_str(&self, key: &str) -> Result<&str, ConfigError> {
        self.str(key)
            .ok_or_else(|| ConfigError::MissingSecretKey(key.to_owned()))
    }

    /// Which keys are present (for debug routes: presence, never values).
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }
}

/// Cache of the secrets, by kind. Concurrent first uses wait for one fetch.
#[derive(Default)]
pub(crate) struct SecretCache {
    slots: Mutex<HashMap<SecretKind, (Instant, Arc<Secret>)>>,
}

impl App {
    /// The configuration secret (database URIs): [`App::secret_of`]
    /// [`SecretKind::CONFIG`].
    pub async fn secret(&self) -> Result<Arc<Secret>, ApiError> {
        self.secret_of(SecretKind::CONFIG).await
    }

    /// A secret, fetched on first use and refreshed after
    /// `SECRET_TTL_SECONDS`. If a refresh fails the error is returned (callers
    /// see 503) rather than serving a value older than the TTL promises.
    pub async fn secret_of(&self, kind: SecretKind) -> Result<Arc<Secret>, ApiError> {
        let mut slots = self.secret_cache.slots.lock().await;
        if let Some((fetched, secret)) = slots.get(&kind)
            && fetched.elapsed() < self.config.secret_ttl
        {
            return Ok(secret.clone());
        }
        let secret_id = self.config.secret_id_of(kind)?;
        let invalid = |reason: &str| {
            ApiError::from(ConfigError::Invalid {
                name: kind.setting(),
                reason: reason.into(),
            })
        };
        let client = self.secrets_manager().await;
        let call = client.get_secret_value().secret_id(secret_id).send();
        let output = tokio::time::timeout(self.config.dependency_timeout, call)
            .await
            .map_err(|_| ApiError::dependency(Dependency::Secrets, "timed out"))?
            .map_err(|e| ApiError::dependency(Dependency::Secrets, e))?;
        let text = output
            .secret_string()
            .ok_or_else(|| invalid("the secret has no string value"))?;
        let secret = Arc::new(
            Secret::from_json(text)
                .map_err(|_| invalid("the secret's value is not a JSON object"))?,
        );
        slots.insert(kind, (Instant::now(), secret.clone()));
        Ok(secret)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_debug_hides_values() {
        let secret = Secret::from_json(r#"{"mongodbUri":"mongodb://user:hunter2@db"}"#).unwrap();
        let shown = format!("{secret:?}");
        assert!(
            shown.contains("mongodbUri") && !shown.contains("hunter2"),
            "{shown}"
        );
        assert!(Secret::from_json("[1]").is_err());
    }
}
