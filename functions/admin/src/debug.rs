//! Diagnostics for the super admin. They say what is configured, never what
//! the values are: settings and secret keys by name, credentials masked to
//! at most a scheme or four characters.
//!
//! - GET /admin/debug: build, stage, function, which settings are present.
//! - GET /admin/debug/credentials: which credentials are configured, masked.
//! - GET /admin/debug/db-health: every MongoDB cluster, reachable and latency.

use std::time::Instant;

use mongodb::bson::doc;
use serde_json::{Map, Value, json};
use shared::{
    App,
    config::Cluster,
    http::{ApiError, Reply, Request},
    stores::mongo::{BILLING_DB, CRM_DB, MAIN_DB, PINGORA_DB},
};

pub async fn debug(app: &App, req: Request) -> Result<Reply, ApiError> {
    app.principal(&req).await?.require_super_admin()?;
    let c = &app.config;
    let present = |v: bool| json!(v);
    let secret_keys: Vec<String> = match app.secret().await {
        Ok(secret) => secret.keys().map(str::to_owned).collect(),
        Err(_) => vec![],
    };
    Reply::ok(json!({
        "build": {"version": env!("CARGO_PKG_VERSION"), "commit": option_env!("AVAONE_BUILD_COMMIT").unwrap_or("unknown")},
        "stage": c.stage.as_str(),
        "function": c.function_name,
        "region": std::env::var("AWS_REGION").unwrap_or_default(),
        "settings": {
            "TABLE_NAME": present(c.table_name.is_some()),
            "BUCKET_NAME": present(c.bucket_name.is_some()),
            "SECRET_ID": present(c.secret_id.is_some()),
            "SENDER_EMAIL": present(c.sender_email.is_some()),
            "SALES_EMAIL": present(c.sales_email.is_some()),
            "ALLOWED_ORIGINS": present(!c.allowed_origins.is_empty()),
            "ASSET_BASE_URL": present(c.asset_base_url.is_some()),
            "MONGODB_URI (override)": present(c.mongodb_uri.is_some()),
            "ALLOW_LEGACY_PLAINTEXT_PASSWORDS": present(c.identity.allow_plaintext_passwords),
        },
        "secretKeys": secret_keys,
    }))
}

/// At most four leading characters, or the URI scheme.
fn mask(key: &str, value: &Value) -> Value {
    match (key, value) {
        ("mongodbUri", Value::String(uri)) => {
            json!({"configured": true, "preview": uri.split_once("://").map(|(s, _)| format!("{s}://…")).unwrap_or_else(|| "…".into())})
        }
        ("jwtSigningKeys", Value::Array(keys)) => {
            let kids: Vec<&str> = keys.iter().filter_map(|k| k["kid"].as_str()).collect();
            // Key ids are public (they are in every token header and the JWKS).
            json!({"configured": !kids.is_empty(), "kids": kids})
        }
        (_, Value::String(s)) if s.chars().count() >= 16 => {
            json!({"configured": true, "preview": format!("{}…", s.chars().take(4).collect::<String>())})
        }
        (_, Value::String(s)) => json!({"configured": !s.is_empty()}),
        (_, Value::Null) => json!({"configured": false}),
        _ => json!({"configured": true}),
    }
}

pub async fn credentials(app: &App, req: Request) -> Result<Reply, ApiError> {
    app.principal(&req).await?.require_super_admin()?;
    let secret = app.secret().await?;
    let mut out = Map::new();
    for key in [
        "mongodbUri",
        "jwtSigningKeys",
        "jwtActiveKid",
        "superAdminPasswordHash",
        "geminiApiKey",
    ] {
        out.insert(
            key.to_owned(),
            mask(key, secret.get(key).unwrap_or(&Value::Null)),
        );
    }
    for key in secret.keys() {
        if !out.contains_key(key) {
            let value = secret.get(key).cloned().unwrap_or(Value::Null);
            out.insert(key.to_owned(), mask(key, &value));
        }
    }
    // `jwtActiveKid` is a key id, public like the others.
    if let Some(kid) = secret.str("jwtActiveKid") {
        out.insert(
            "jwtActiveKid".into(),
            json!({"configured": true, "kid": kid}),
        );
    }
    Reply::ok(json!({"credentials": out, "awsCredentials": "execution role (not stored)"}))
}

pub async fn db_health(app: &App, req: Request) -> Result<Reply, ApiError> {
    app.principal(&req).await?.require_super_admin()?;
    let targets = [
        (Cluster::Main, MAIN_DB),
        (Cluster::Orgs, "admin"),
        (Cluster::Billing, BILLING_DB),
        (Cluster::Crm, CRM_DB),
        (Cluster::Pingora, PINGORA_DB),
    ];
    let checks = targets.iter().map(|(cluster, db)| async move {
        let started = Instant::now();
        let outcome = tokio::time::timeout(app.config.dependency_timeout, async {
            app.database(*cluster, db).await.map_err(|e| e.message().to_owned())?.run_command(doc! {"ping": 1}).await.map_err(|_| "ping failed".to_owned())
        })
        .await
        .unwrap_or_else(|_| Err("no answer within the timeout".into()));
        let latency = (started.elapsed().as_secs_f64() * 1e4).round() / 10.0;
        match outcome {
            Ok(_) => json!({"cluster": cluster.as_str(), "database": db, "reachable": true, "latencyMs": latency}),
            Err(e) => json!({"cluster": cluster.as_str(), "database": db, "reachable": false, "latencyMs": latency, "error": e}),
        }
    });
    let results = futures_util::future::join_all(checks.map(Box::pin)).await;
    let healthy = results.iter().all(|r| r["reachable"] == true);
    Reply::ok(json!({"healthy": healthy, "clusters": results}))
}
