//! POST /users/add-sample-users (dev stage only; organization admin): adds
//! a handful of demo users to the caller's organization, idempotently (by
//! email), within its user limit. They share the password `Sample-User-2026!`.

use mongodb::bson::{Document, doc};
use serde_json::json;
use shared::{
    App,
    http::{ApiError, Reply, Request, query_param},
    identity::passwords,
    stores::mongo::unavailable,
};

use crate::scope;

pub const SAMPLE_PASSWORD: &str = "Sample-User-2026!";

const SAMPLES: [(&str, &str, &str, &str, &str); 5] = [
    ("Priya", "Shah", "employee", "Support", "Agent"),
    ("Tom", "Becker", "user", "Sales", "Account Executive"),
    ("Lena", "Kim", "user", "Marketing", "Content Lead"),
    ("Omar", "Haddad", "employee", "Operations", "Coordinator"),
    ("Sofia", "Rossi", "admin", "Engineering", "Team Lead"),
];

pub async fn handle(app: &App, req: Request) -> Result<Reply, ApiError> {
    app.require_dev_stage()?;
    let principal = app.principal(&req).await?;
    let account_id = scope(&principal, query_param(&req, "organizationId").as_deref())?;
    principal.require_org_admin(&account_id)?;
    let org = org::model::find_org(app, doc! {"accountId": &account_id})
        .await?
        .ok_or_else(|| ApiError::not_found(format!("No organization {account_id}.")))?;
    let users = app
        .org_db(&account_id)
        .await?
        .collection::<Document>(org::model::USERS);
    let hash = passwords::hash_blocking(SAMPLE_PASSWORD.to_owned()).await?;
    let mut added = Vec::new();
    for (first, last, role, dept, position) in SAMPLES {
        let email = format!(
            "{}.{}@{account_id}.example",
            first.to_lowercase(),
            last.to_lowercase()
        );
        if users
            .find_one(doc! {"email": &email})
            .await
            .map_err(unavailable)?
            .is_some()
        {
            continue;
        }
        org::members::ensure_capacity(app, &account_id, &org).await?;
        let now = org::model::now_rfc3339();
        let user = doc! {
            "id": uuid::Uuid::new_v4().to_string(), "accountId": &account_id, "organizationId": &account_id,
            "organizationName": org.get_str("name").unwrap_or_default(), "email": &email, "password": &hash,
            "role": role, "isActive": true, "firstName": first, "lastName": last,
            "department": dept, "position": position, "createdAt": &now, "updatedAt": &now,
        };
        org::members::insert_user(app, &account_id, &user).await?;
        added.push(email);
    }
    Reply::ok(json!({"added": added, "password": SAMPLE_PASSWORD}))
}
