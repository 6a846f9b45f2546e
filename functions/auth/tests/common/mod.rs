//! Seeding and calling helpers for the auth tests (real local stack).
#![allow(dead_code)]

use mongodb::bson::{Document, doc};
use serde_json::{Value, json};
use shared::{App, identity::passwords};
use test_support::{unique, unique_ip};

pub struct Org {
    pub account_id: String,
    pub admin_email: String,
    pub admin_password: String,
}

/// Inserts an organization (unique accountId) with an argon2id admin hash.
pub async fn seed_org(app: &App, status: &str, expiry: &str) -> Org {
    let account_id = unique("org");
    let admin_email = format!("admin@{account_id}.example");
    let admin_password = "Org-Admin-Pass-1".to_owned();
    app.main_db()
        .await
        .unwrap()
        .collection::<Document>("organizations")
        .insert_one(doc! {
            "id": unique("o-"), "accountId": &account_id, "name": format!("Org {account_id}"),
            "email": &admin_email, "adminEmail": &admin_email,
            "adminPassword": passwords::hash(&admin_password).unwrap(),
            "licenseStatus": status, "licenseExpiry": expiry,
            "selectedProducts": ["workspace"], "userLimit": "10",
        })
        .await
        .unwrap();
    Org {
        account_id,
        admin_email,
        admin_password,
    }
}

/// Inserts a workspace user with the given stored password (hash or legacy).
pub async fn seed_user(
    app: &App,
    account_id: &str,
    email: &str,
    stored: &str,
    role: &str,
    active: bool,
) -> String {
    let id = unique("u-");
    app.org_db(account_id)
        .await
        .unwrap()
        .collection::<Document>("users")
        .insert_one(doc! {
            "id": &id, "email": email, "password": stored, "organizationId": account_id,
            "role": role, "isActive": active, "firstName": "Test", "lastName": "User",
        })
        .await
        .unwrap();
    id
}

pub async fn stored_password(app: &App, account_id: &str, email: &str) -> String {
    let user = app
        .org_db(account_id)
        .await
        .unwrap()
        .collection::<Document>("users")
        .find_one(doc! {"email": email})
        .await
        .unwrap()
        .unwrap();
    user.get_str("password").unwrap().to_owned()
}

/// Ensures the stack's admin secret has a super admin hash for `SUPER_ADMIN_PASSWORD`.
pub const SUPER_ADMIN_PASSWORD: &str = "Super-Admin-Test-Pass";

pub async fn ensure_super_admin(app: &App) {
    let secret_id = app
        .config
        .secret_id_of(shared::config::SecretKind::ADMIN_CREDENTIALS)
        .unwrap()
        .to_owned();
    let sm = app.secrets_manager().await;
    let current = sm
        .get_secret_value()
        .secret_id(&secret_id)
        .send()
        .await
        .unwrap();
    let mut value: Value = serde_json::from_str(current.secret_string().unwrap()).unwrap();
    let ok = value["superAdminPasswordHash"].as_str().is_some_and(|h| {
        passwords::verify(SUPER_ADMIN_PASSWORD, Some(h), false) != passwords::Verdict::Invalid
    });
    if !ok {
        value["superAdminPasswordHash"] = json!(passwords::hash(SUPER_ADMIN_PASSWORD).unwrap());
        sm.put_secret_value()
            .secret_id(&secret_id)
            .secret_string(value.to_string())
            .send()
            .await
            .unwrap();
    }
}

/// POSTs `body` to an auth route from `ip`.
pub async fn post<'a, F, Fut>(
    app: &'a App,
    route: &str,
    handler: F,
    body: Value,
    ip: &str,
) -> (u16, Value)
where
    F: FnOnce(&'a App, shared::http::Request) -> Fut,
    Fut: Future<Output = Result<shared::http::Reply, shared::http::ApiError>>,
{
    let event = test_support::with_body(test_support::event("auth", route), &body, ip);
    test_support::call(auth::SERVICE, app, handler, &event).await
}

pub async fn workspace_login(
    app: &App,
    account_id: &str,
    email: &str,
    password: &str,
) -> (u16, Value) {
    post(
        app,
        "workspace-login",
        auth::login::workspace,
        json!({"organizationId": account_id, "email": email, "password": password}),
        &unique_ip(),
    )
    .await
}

pub fn in_future() -> &'static str {
    "2999-12-31"
}
