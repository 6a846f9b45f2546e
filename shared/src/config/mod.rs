//! Configuration: non-secret settings from environment variables (set by
//! template.yaml, or by `.local/<name>/env` locally) and Secrets Manager JSON
//! secrets, each fetched on first use and cached with a TTL.
//!
//! The secrets are split by who may read them ([`SecretKind`]), so each
//! function's role can read only the ones it uses: the private signing key
//! only the functions that issue tokens, the super admin's hash only its
//! login and refresh, the provider key only the voice functions.
//!
//! Reading the environment does no I/O, so it happens at init; the secret is
//! fetched on the first invocation that needs it, never at init.

mod secrets;

use std::{collections::HashMap, sync::Arc, time::Duration};

pub(crate) use secrets::SecretCache;
pub use secrets::{Secret, SecretKind};

/// A required setting is absent or malformed. The message always names it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("required setting {0} is not set")]
    Missing(&'static str),
    #[error("setting {name} is invalid: {reason}")]
    Invalid { name: &'static str, reason: String },
    #[error("required key `{0}` is missing from the configuration secret")]
    MissingSecretKey(String),
}

/// Where a function runs. Local-only routes (debug login, sample data, test
/// hooks) refuse to run unless this is `Local`, which only the local stacks
/// set (`make dev`, `make sam-local`); the template refuses to deploy it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// A developer's stack: `make dev`, `make sam-local`, the contract run.
    Local,
    /// `make test`'s ephemeral stack.
    Test,
    /// A deployed non-production environment: real logins only.
    Dev,
    Prod,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Local => "local",
            Stage::Test => "test",
            Stage::Dev => "dev",
            Stage::Prod => "prod",
        }
    }
}

/// Reads one setting by name (the environment, or a test's map).
type Lookup = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// The platform's settings, parsed once at init, and every other setting
/// by name ([`Config::setting`]): a domain reads its own (`SALES_EMAIL`,
/// `GEMINI_MODEL`, ...) without the kit knowing them.
#[derive(Clone)]
pub struct Config {
    /// `STAGE` (required): dev | test | prod.
    pub stage: Stage,
    /// `AWS_LAMBDA_FUNCTION_NAME`, or the binary name locally.
    pub function_name: String,
    /// `TABLE_NAME`: the single DynamoDB table (pk/sk, `expiresAt` TTL).
    pub table_name: Option<String>,
    /// `BUCKET_NAME`: the private S3 bucket.
    pub bucket_name: Option<String>,
    /// `SENDER_EMAIL`: the verified SES identity mail is sent from.
    pub sender_email: Option<String>,
    /// `ALLOWED_ORIGINS`: comma-separated CORS allow-list.
    pub allowed_origins: Vec<String>,
    /// `SECRET_TTL_SECONDS` (default 300): how long a secret is cached.
    pub secret_ttl: Duration,
    /// `DEPENDENCY_TIMEOUT_MS` (default 2500): bound on any one dependency call,
    /// well under API Gateway's 30 s so a dead store gives a 503, not a hang.
    pub dependency_timeout: Duration,
    /// `MONGODB_URI`: one URI for every cluster (the local stacks). The
    /// per-cluster `MONGODB_URI_<NAME>` overrides are read by name.
    pub mongodb_uri: Option<String>,
    /// Token and login settings (identity model, DESIGN.md §5).
    pub identity: IdentitySettings,
    /// `AWS_ENDPOINT_URL_SESV2`: SES endpoint override. The SDK reads it from
    /// the process environment too; holding it here lets one `App` (a test)
    /// point SES elsewhere without touching the others.
    pub ses_endpoint_url: Option<String>,
    lookup: Lookup,
    overrides: HashMap<String, Option<String>>,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("stage", &self.stage)
            .field("function_name", &self.function_name)
            .finish_non_exhaustive()
    }
}

/// Token lifetimes, issuer/audience and login protection.
#[derive(Debug, Clone)]
pub struct IdentitySettings {
    /// `JWT_ISSUER` (default `avaone-auth`).
    pub issuer: String,
    /// `JWT_AUDIENCE` (default `avaone-api`).
    pub audience: String,
    /// `ACCESS_TOKEN_TTL_SECONDS` (default 900).
    pub access_ttl: Duration,
    /// `REFRESH_TOKEN_TTL_SECONDS` (default 7 days): lifetime of a refresh family.
    pub refresh_ttl: Duration,
    /// `TOKEN_LEEWAY_SECONDS` (default 30): clock skew allowed on exp/nbf.
    pub leeway: Duration,
    /// `ALLOW_LEGACY_PLAINTEXT_PASSWORDS` (default false): accept plaintext
    /// passwords imported from the monolith, upgrading them on login.
    pub allow_plaintext_passwords: bool,
    /// `LOGIN_MAX_ATTEMPTS_ACCOUNT` (default 5) per `LOGIN_WINDOW_SECONDS`:
    /// for one account from one client (an IP, or a trusted device).
    pub login_max_per_account: u32,
    /// `LOGIN_MAX_ATTEMPTS_UNTRUSTED` (default 20) per `LOGIN_WINDOW_SECONDS`:
    /// for one account from all clients without its device token together.
    pub login_max_untrusted: u32,
    /// `LOGIN_MAX_ATTEMPTS_IP` (default 30) per `LOGIN_WINDOW_SECONDS`.
    pub login_max_per_ip: u32,
    /// `LOGIN_WINDOW_SECONDS` (default 900).
    pub login_window: Duration,
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        // Read once: the environment does not change during a function's life.
        let env: HashMap<String, String> = std::env::vars().collect();
        Self::from_lookup(move |name| env.get(name).cloned())
    }

    /// Builds the configuration from any lookup (tests pass a map).
    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<String> + Send + Sync + 'static,
    ) -> Result<Self, ConfigError> {
        let lookup: Lookup = Arc::new(lookup);
        let get = |name: &str| clean(lookup(name));
        let stage = match get("STAGE").as_deref() {
            Some("local") => Stage::Local,
            Some("dev") => Stage::Dev,
            Some("test") => Stage::Test,
            Some("prod") => Stage::Prod,
            Some(other) => {
                return Err(ConfigError::Invalid {
                    name: "STAGE",
                    reason: format!("expected local, test, dev or prod, got `{other}`"),
                });
            }
            None => return Err(ConfigError::Missing("STAGE")),
        };
        let number = |name: &'static str, default: u64| whole_number(name, get(name), default);
        let secs =
            |name: &'static str, default: u64| number(name, default).map(Duration::from_secs);
        let flag = |name: &'static str| -> Result<bool, ConfigError> {
            match get(name).as_deref() {
                None | Some("false") | Some("0") => Ok(false),
                Some("true") | Some("1") => Ok(true),
                Some(other) => Err(ConfigError::Invalid {
                    name,
                    reason: format!("expected true or false, got `{other}`"),
                }),
            }
        };
        let identity = IdentitySettings {
            issuer: get("JWT_ISSUER").unwrap_or_else(|| "avaone-auth".into()),
            audience: get("JWT_AUDIENCE").unwrap_or_else(|| "avaone-api".into()),
            access_ttl: secs("ACCESS_TOKEN_TTL_SECONDS", 900)?,
            refresh_ttl: secs("REFRESH_TOKEN_TTL_SECONDS", 7 * 24 * 3600)?,
            leeway: secs("TOKEN_LEEWAY_SECONDS", 30)?,
            allow_plaintext_passwords: flag("ALLOW_LEGACY_PLAINTEXT_PASSWORDS")?,
            login_max_per_account: u32::try_from(number("LOGIN_MAX_ATTEMPTS_ACCOUNT", 5)?)
                .unwrap_or(u32::MAX),
            login_max_per_ip: u32::try_from(number("LOGIN_MAX_ATTEMPTS_IP", 30)?)
                .unwrap_or(u32::MAX),
            login_max_untrusted: u32::try_from(number("LOGIN_MAX_ATTEMPTS_UNTRUSTED", 20)?)
                .unwrap_or(u32::MAX),
            login_window: secs("LOGIN_WINDOW_SECONDS", 900)?,
        };
        Ok(Config {
            stage,
            function_name: get("AWS_LAMBDA_FUNCTION_NAME").unwrap_or_else(|| {
                std::env::args()
                    .next()
                    .and_then(|a| a.rsplit('/').next().map(str::to_owned))
                    .unwrap_or_default()
            }),
            table_name: get("TABLE_NAME"),
            bucket_name: get("BUCKET_NAME"),
            sender_email: get("SENDER_EMAIL"),
            allowed_origins: get("ALLOWED_ORIGINS")
                .map(|v| {
                    v.split(',')
                        .map(|o| o.trim().to_owned())
                        .filter(|o| !o.is_empty())
                        .collect()
                })
                .unwrap_or_default(),
            secret_ttl: secs("SECRET_TTL_SECONDS", 300)?,
            dependency_timeout: Duration::from_millis(number("DEPENDENCY_TIMEOUT_MS", 2500)?),
            mongodb_uri: get("MONGODB_URI"),
            identity,
            ses_endpoint_url: get("AWS_ENDPOINT_URL_SESV2"),
            lookup,
            overrides: HashMap::new(),
        })
    }

    /// Any setting by name: trimmed, `None` when unset or empty.
    pub fn setting(&self, name: &str) -> Option<String> {
        match self.overrides.get(name) {
            Some(value) => value.clone(),
            None => clean((self.lookup)(name)),
        }
    }

    /// A setting the caller cannot work without: its absence names it.
    pub fn require(&self, name: &'static str) -> Result<String, ConfigError> {
        self.setting(name).ok_or(ConfigError::Missing(name))
    }

    /// A duration setting in milliseconds, `default_ms` when unset.
    pub fn millis(&self, name: &'static str, default_ms: u64) -> Result<Duration, ConfigError> {
        whole_number(name, self.setting(name), default_ms).map(Duration::from_millis)
    }

    /// Sets (or with `None` unsets) a setting read by [`Config::setting`]:
    /// tests change one setting of one `App` without touching the process.
    pub fn set(&mut self, name: &str, value: Option<&str>) {
        self.overrides
            .insert(name.to_owned(), value.map(str::to_owned));
    }

    pub fn table_name(&self) -> Result<&str, ConfigError> {
        self.table_name
            .as_deref()
            .ok_or(ConfigError::Missing("TABLE_NAME"))
    }

    pub fn bucket_name(&self) -> Result<&str, ConfigError> {
        self.bucket_name
            .as_deref()
            .ok_or(ConfigError::Missing("BUCKET_NAME"))
    }

    /// The configuration secret's id (`SECRET_ID`).
    pub fn secret_id(&self) -> Result<String, ConfigError> {
        self.secret_id_of(SecretKind::CONFIG)
    }

    pub fn secret_id_of(&self, kind: SecretKind) -> Result<String, ConfigError> {
        self.require(kind.setting())
    }

    pub fn sender_email(&self) -> Result<&str, ConfigError> {
        self.sender_email
            .as_deref()
            .ok_or(ConfigError::Missing("SENDER_EMAIL"))
    }
}

/// A whole-number setting, `default` when unset; a bad value names it.
fn whole_number(
    name: &'static str,
    value: Option<String>,
    default: u64,
) -> Result<u64, ConfigError> {
    match value {
        None => Ok(default),
        Some(v) => v.parse::<u64>().map_err(|_| ConfigError::Invalid {
            name,
            reason: format!("expected a whole number, got `{v}`"),
        }),
    }
}

fn clean(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(move |k| map.get(k).cloned())
    }

    #[test]
    fn missing_stage_is_named() {
        let err = config(&[]).unwrap_err();
        assert_eq!(err, ConfigError::Missing("STAGE"));
        assert!(err.to_string().contains("STAGE"));
    }

    #[test]
    fn invalid_values_name_the_setting() {
        let err = config(&[("STAGE", "staging")]).unwrap_err();
        assert!(err.to_string().contains("STAGE"), "{err}");
        let err = config(&[("STAGE", "dev"), ("DEPENDENCY_TIMEOUT_MS", "soon")]).unwrap_err();
        assert!(err.to_string().contains("DEPENDENCY_TIMEOUT_MS"), "{err}");
        let err = config(&[
            ("STAGE", "dev"),
            ("ALLOW_LEGACY_PLAINTEXT_PASSWORDS", "yes"),
        ])
        .unwrap_err();
        assert!(
            err.to_string().contains("ALLOW_LEGACY_PLAINTEXT_PASSWORDS"),
            "{err}"
        );
    }

    #[test]
    fn optional_settings_name_themselves_when_required() {
        let cfg = config(&[("STAGE", "prod")]).unwrap();
        assert_eq!(
            cfg.table_name().unwrap_err().to_string(),
            "required setting TABLE_NAME is not set"
        );
        assert!(
            cfg.bucket_name()
                .unwrap_err()
                .to_string()
                .contains("BUCKET_NAME")
        );
        assert!(
            cfg.secret_id()
                .unwrap_err()
                .to_string()
                .contains("SECRET_ID")
        );
    }

    #[test]
    fn parses_lists_overrides_and_defaults() {
        let cfg = config(&[
            ("STAGE", "dev"),
            ("ALLOWED_ORIGINS", "https://a.example, https://b.example,"),
            ("MONGODB_URI_CRM", "mongodb://crm:27017"),
        ])
        .unwrap();
        assert_eq!(cfg.stage, Stage::Dev);
        assert_eq!(
            cfg.allowed_origins,
            ["https://a.example", "https://b.example"]
        );
        assert_eq!(
            cfg.setting(&crate::stores::mongo::Cluster::named("crm").env_var())
                .unwrap(),
            "mongodb://crm:27017"
        );
        assert_eq!(cfg.dependency_timeout, Duration::from_millis(2500));
        assert_eq!(cfg.secret_ttl, Duration::from_secs(300));
    }

    #[test]
    fn a_domain_reads_its_own_settings_by_name() {
        let mut cfg = config(&[("STAGE", "dev"), ("SALES_EMAIL", " sales@x.example ")]).unwrap();
        assert_eq!(cfg.setting("SALES_EMAIL").unwrap(), "sales@x.example");
        assert_eq!(
            cfg.require("GEMINI_MODEL").unwrap_err(),
            ConfigError::Missing("GEMINI_MODEL")
        );
        assert_eq!(
            cfg.millis("PROVIDER_TIMEOUT_MS", 8000).unwrap(),
            Duration::from_secs(8)
        );
        cfg.set("PROVIDER_TIMEOUT_MS", Some("soon"));
        assert!(
            cfg.millis("PROVIDER_TIMEOUT_MS", 8000)
                .unwrap_err()
                .to_string()
                .contains("PROVIDER_TIMEOUT_MS")
        );
        cfg.set("SALES_EMAIL", None);
        assert_eq!(cfg.setting("SALES_EMAIL"), None);
        let crm = crate::stores::mongo::Cluster::named("crm");
        assert_eq!(crm.env_var(), "MONGODB_URI_CRM");
        assert_eq!(
            SecretKind::new("GEMINI_SECRET_ID").setting(),
            "GEMINI_SECRET_ID"
        );
    }
}
