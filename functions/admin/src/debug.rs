//! Diagnostics for the super admin. They say what is configured, never what
//! the values are: settings and secret keys by name, credentials masked to
//! at most a scheme or four characters.
//!
//! - GET /admin/debug: build, stage, function, which settings are present.
//! - GET /admin/debug/credentials: which credentials are configured, masked.
//! - GET /admin/debug/db-health: every MongoDB cluster, reachable and latency.

use std::collections::BTreeMap;

use mongodb::bson::doc;
use serde::Serialize;
use serde_json::Value;
use shared::{
    App,
    config::SecretKind,
    http::{
        ApiError, Reply, Request,
        openapi::{Failure, Success},
    },
    stores::mongo::{Cluster, reported_databases},
};

/// The secrets the suite's functions use, as the credentials report lists
/// them (each named by its setting; voice's is Gemini's key).
const SECRETS: [SecretKind; 5] = [
    SecretKind::CONFIG,
    SecretKind::SIGNING_KEYS,
    SecretKind::VERIFICATION_KEYS,
    SecretKind::ADMIN_CREDENTIALS,
    SecretKind::new("GEMINI_SECRET_ID"),
];

/// The deployed build.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Build {
    #[schema(example = "0.1.0")]
    pub version: &'static str,
    /// The git commit it was built from, or `unknown`.
    pub commit: &'static str,
}

/// Which settings (environment variables) are present; never their values.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Settings {
    #[serde(rename = "TABLE_NAME")]
    pub table_name: bool,
    #[serde(rename = "BUCKET_NAME")]
    pub bucket_name: bool,
    #[serde(rename = "SECRET_ID")]
    pub secret_id: bool,
    #[serde(rename = "SIGNING_KEYS_SECRET_ID")]
    pub signing_keys_secret_id: bool,
    #[serde(rename = "VERIFICATION_KEYS_SECRET_ID")]
    pub verification_keys_secret_id: bool,
    #[serde(rename = "ADMIN_SECRET_ID")]
    pub admin_secret_id: bool,
    #[serde(rename = "GEMINI_SECRET_ID")]
    pub gemini_secret_id: bool,
    #[serde(rename = "SENDER_EMAIL")]
    pub sender_email: bool,
    #[serde(rename = "SALES_EMAIL")]
    pub sales_email: bool,
    #[serde(rename = "ALLOWED_ORIGINS")]
    pub allowed_origins: bool,
    #[serde(rename = "ASSET_BASE_URL")]
    pub asset_base_url: bool,
    #[serde(rename = "MONGODB_URI (override)")]
    pub mongodb_uri: bool,
    /// Whether legacy plaintext passwords are accepted (the setting is on).
    #[serde(rename = "ALLOW_LEGACY_PLAINTEXT_PASSWORDS")]
    pub allow_legacy_plaintext_passwords: bool,
}

/// Build and configuration presence.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DebugInfo {
    pub build: Build,
    /// `dev`, `test` or `prod`.
    pub stage: &'static str,
    /// The Lambda function's name.
    pub function: String,
    /// `AWS_REGION`, empty when unset.
    pub region: String,
    pub settings: Settings,
    /// The configuration secret's key names (empty when it cannot be read).
    pub secret_keys: Vec<String>,
}

/// Build and configuration presence.
///
/// Super admin only. Says which settings and secret keys exist, never their values.
#[utoipa::path(
    get,
    path = "/admin/debug",
    operation_id = "admin-debug",
    tag = "admin",
    responses((status = 200, description = "Build, stage and which settings are present.", body = Success<DebugInfo>)),
    security(("bearerAuth" = [])),
)]
pub async fn debug(app: &App, req: Request) -> Result<Reply, ApiError> {
    app.principal(&req).await?.require_super_admin()?;
    let c = &app.config;
    let set = |name: &str| c.setting(name).is_some();
    let secret_keys: Vec<String> = match app.secret().await {
        Ok(secret) => secret.keys().map(str::to_owned).collect(),
        Err(_) => vec![],
    };
    Reply::ok(DebugInfo {
        build: Build {
            version: env!("CARGO_PKG_VERSION"),
            commit: option_env!("AVAONE_BUILD_COMMIT").unwrap_or("unknown"),
        },
        stage: c.stage.as_str(),
        function: c.function_name.clone(),
        region: std::env::var("AWS_REGION").unwrap_or_default(),
        settings: Settings {
            table_name: c.table_name.is_some(),
            bucket_name: c.bucket_name.is_some(),
            secret_id: set("SECRET_ID"),
            signing_keys_secret_id: set("SIGNING_KEYS_SECRET_ID"),
            verification_keys_secret_id: set("VERIFICATION_KEYS_SECRET_ID"),
            admin_secret_id: set("ADMIN_SECRET_ID"),
            gemini_secret_id: set("GEMINI_SECRET_ID"),
            sender_email: c.sender_email.is_some(),
            sales_email: set("SALES_EMAIL"),
            allowed_origins: !c.allowed_origins.is_empty(),
            asset_base_url: set("ASSET_BASE_URL"),
            mongodb_uri: c.mongodb_uri.is_some(),
            allow_legacy_plaintext_passwords: c.identity.allow_plaintext_passwords,
        },
        secret_keys,
    })
}

/// One credential, masked.
#[derive(Debug, Default, Serialize, utoipa::ToSchema)]
pub struct MaskedCredential {
    /// A non-empty value is present.
    pub configured: bool,
    /// At most four leading characters and `…`, or the URI scheme
    /// (`mongodb://…`); only for long strings and `mongodbUri`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "AIza…")]
    pub preview: Option<String>,
    /// The verification key ids (`jwtPublicKeys` only; key ids are public).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kids: Option<Vec<String>>,
}

impl MaskedCredential {
    fn configured(configured: bool) -> Self {
        MaskedCredential {
            configured,
            ..Default::default()
        }
    }
}

/// One secret, as this function sees it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SecretAccess {
    /// Its id (the environment variable) is set.
    pub configured: bool,
    /// This function may read it. Only the configuration and verification
    /// keys secrets: the signing keys, the super admin's hash and the
    /// provider key are readable only by the functions that use them.
    pub readable_here: bool,
}

/// The configured credentials, masked.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Credentials {
    /// The keys of the secrets this function may read (always `mongodbUri`
    /// and `jwtPublicKeys`), masked.
    pub credentials: BTreeMap<String, MaskedCredential>,
    /// Every secret by its setting (`SECRET_ID`, `SIGNING_KEYS_SECRET_ID`,
    /// `VERIFICATION_KEYS_SECRET_ID`, `ADMIN_SECRET_ID`, `GEMINI_SECRET_ID`).
    pub secrets: BTreeMap<String, SecretAccess>,
    /// Where the AWS credentials come from: always `execution role (not stored)`.
    #[schema(example = "execution role (not stored)")]
    pub aws_credentials: &'static str,
}

/// At most four leading characters, or the URI scheme.
fn mask(key: &str, value: &Value) -> MaskedCredential {
    match (key, value) {
        ("mongodbUri", Value::String(uri)) => MaskedCredential {
            preview: Some(
                uri.split_once("://")
                    .map(|(s, _)| format!("{s}://…"))
                    .unwrap_or_else(|| "…".into()),
            ),
            ..MaskedCredential::configured(true)
        },
        ("jwtPublicKeys", Value::Array(keys)) => {
            let kids: Vec<String> = keys
                .iter()
                .filter_map(|k| k["kid"].as_str())
                .map(str::to_owned)
                .collect();
            // Key ids are public (they are in every token header and the JWKS).
            MaskedCredential {
                kids: Some(kids.clone()),
                ..MaskedCredential::configured(!kids.is_empty())
            }
        }
        (_, Value::String(s)) if s.chars().count() >= 16 => MaskedCredential {
            preview: Some(format!("{}…", s.chars().take(4).collect::<String>())),
            ..MaskedCredential::configured(true)
        },
        (_, Value::String(s)) => MaskedCredential::configured(!s.is_empty()),
        (_, Value::Null) => MaskedCredential::configured(false),
        _ => MaskedCredential::configured(true),
    }
}

/// Configured credentials, masked.
///
/// Super admin only. Every key of the configuration secret and the
/// verification key ids, each with whether it is set and at most a scheme
/// or four characters of it; and which secrets are configured. The signing
/// keys, the super admin's hash and the provider key are not readable by
/// this function at all (least privilege), so only their presence is shown.
#[utoipa::path(
    get,
    path = "/admin/debug/credentials",
    operation_id = "debug-credentials",
    tag = "admin",
    responses(
        (status = 200, description = "The credentials, masked.", body = Success<Credentials>),
        (status = 503, description = "DEPENDENCY_UNAVAILABLE: the configuration or verification keys secret cannot be read.", body = Failure),
    ),
    security(("bearerAuth" = [])),
)]
pub async fn credentials(app: &App, req: Request) -> Result<Reply, ApiError> {
    app.principal(&req).await?.require_super_admin()?;
    let readable = [SecretKind::CONFIG, SecretKind::VERIFICATION_KEYS];
    let mut out = BTreeMap::new();
    for key in ["mongodbUri", "jwtPublicKeys"] {
        out.insert(key.to_owned(), MaskedCredential::configured(false));
    }
    for kind in readable {
        let secret = app.secret_of(kind).await?;
        for key in secret.keys() {
            let value = secret.get(key).cloned().unwrap_or(Value::Null);
            out.insert(key.to_owned(), mask(key, &value));
        }
    }
    let secrets = SECRETS
        .iter()
        .map(|kind| {
            (
                kind.setting().to_owned(),
                SecretAccess {
                    configured: app.config.secret_id_of(*kind).is_ok(),
                    readable_here: readable.contains(kind),
                },
            )
        })
        .collect();
    Reply::ok(Credentials {
        credentials: out,
        secrets,
        aws_credentials: "execution role (not stored)",
    })
}

/// One MongoDB cluster's ping.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ClusterHealth {
    /// `main`, `orgs`, or a cluster `MONGODB_DATABASES` names (`billing`,
    /// `crm`, `pingora`).
    #[schema(example = "main")]
    pub cluster: String,
    /// The database pinged on it.
    pub database: String,
    pub reachable: bool,
    /// Milliseconds (one decimal).
    #[schema(example = 4.2)]
    pub latency_ms: f64,
    /// Why it is unreachable (only when `reachable` is false).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Every MongoDB cluster's reachability.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DbHealth {
    /// Every cluster is reachable.
    pub healthy: bool,
    pub clusters: Vec<ClusterHealth>,
}

/// Every MongoDB cluster, reachable and latency.
///
/// Super admin only. Pings each cluster's database concurrently, each bounded
/// by `DEPENDENCY_TIMEOUT_MS`. Always 200: an unreachable cluster is reported
/// in the body (`healthy: false`), not as an error status.
#[utoipa::path(
    get,
    path = "/admin/debug/db-health",
    operation_id = "db-health",
    tag = "admin",
    responses((status = 200, description = "Each cluster's reachability and latency.", body = Success<DbHealth>)),
    security(("bearerAuth" = [])),
)]
pub async fn db_health(app: &App, req: Request) -> Result<Reply, ApiError> {
    app.principal(&req).await?.require_super_admin()?;
    // The reported databases, with the organizations' cluster after main's
    // (pinged on `admin`: there is no one organization database to name).
    let mut targets = Vec::new();
    for (cluster, db) in reported_databases(&app.config) {
        let main = cluster == Cluster::MAIN;
        targets.push((cluster, db));
        if main {
            targets.push((Cluster::ORGS, "admin".to_owned()));
        }
    }
    let checks = targets.into_iter().map(|(cluster, db)| async move {
        let checked = shared::stores::check(app, async {
            app.database(cluster.clone(), &db)
                .await
                .map_err(|e| e.message().to_owned())?
                .run_command(doc! {"ping": 1})
                .await
                .map_err(|_| "ping failed".to_owned())
        })
        .await;
        ClusterHealth {
            cluster: cluster.as_str().to_owned(),
            database: db,
            reachable: checked.outcome.is_ok(),
            latency_ms: checked.latency_ms,
            error: checked.outcome.err(),
        }
    });
    let clusters = futures_util::future::join_all(checks.map(Box::pin)).await;
    let healthy = clusters.iter().all(|c| c.reachable);
    Reply::ok(DbHealth { healthy, clusters })
}
