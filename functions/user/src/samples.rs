//! POST /users/add-sample-users (local stacks only; organization admin): adds
//! a handful of demo users to the caller's organization, idempotently (by
//! email), within its user limit. They share the password `Sample-User-2026!`.

use mongodb::bson::doc;
use serde::Serialize;
use shared::{
    App,
    http::{
        ApiError, Reply, Request,
        openapi::{Failure, Success},
        query_param,
    },
    identity::passwords,
};

use utoipa::ToSchema;

use tenancy::scope;

pub const SAMPLE_PASSWORD: &str = "Sample-User-2026!";

const SAMPLES: [(&str, &str, &str, &str, &str); 5] = [
    ("Priya", "Shah", "employee", "Support", "Agent"),
    ("Tom", "Becker", "user", "Sales", "Account Executive"),
    ("Lena", "Kim", "user", "Marketing", "Content Lead"),
    ("Omar", "Haddad", "employee", "Operations", "Coordinator"),
    ("Sofia", "Rossi", "admin", "Engineering", "Team Lead"),
];

/// The demo users this call added.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SampleUsers {
    /// Emails of the users added now; empty when they all existed already.
    pub added: Vec<String>,
    /// The password every sample user shares.
    #[schema(example = "Sample-User-2026!")]
    pub password: String,
}

/// Add a handful of demo users to the organization (local stacks only).
///
/// Only in local stacks (404 on any other stage). Organization admin
/// (`oa`), or the super admin naming the organization with
/// `?organizationId=`. Adds five demo users with emails
/// `<first>.<last>@<accountId>.example`, skipping those that exist, within
/// the organization's user limit; they share one password.
#[utoipa::path(
    post,
    path = "/users/add-sample-users",
    operation_id = "add-sample-users",
    tag = "user",
    params(
        ("organizationId" = Option<String>, Query, description = "The organization (accountId); required for the super admin, others may only name their own."),
    ),
    responses(
        (status = 200, description = "The users added (none when they all existed).", body = Success<SampleUsers>),
        (status = 404, description = "Not a local stack, or no such organization.", body = Failure),
        (status = 409, description = "The organization's user limit is reached.", body = Failure),
    ),
    security(("bearerAuth" = [])),
)]
pub async fn handle(app: &App, req: Request) -> Result<Reply, ApiError> {
    app.require_local_stage()?;
    let principal = app.principal(&req).await?;
    let account_id =
        scope::organization(&principal, query_param(&req, "organizationId").as_deref())?;
    principal.require_org_admin(&account_id)?;
    let org = tenancy::store::find_org(app, doc! {"accountId": &account_id})
        .await?
        .ok_or_else(|| ApiError::not_found(format!("No organization {account_id}.")))?;
    let hash = passwords::hash_blocking(SAMPLE_PASSWORD.to_owned()).await?;
    let mut added = Vec::new();
    for (first, last, role, dept, position) in SAMPLES {
        let email = format!(
            "{}.{}@{account_id}.example",
            first.to_lowercase(),
            last.to_lowercase()
        );
        if tenancy::store::user_exists(app, &account_id, doc! {"email": &email}).await? {
            continue;
        }
        tenancy::members::ensure_capacity(app, &account_id, &org).await?;
        let now = shared::clock::now();
        let user = doc! {
            "id": uuid::Uuid::new_v4().to_string(), "accountId": &account_id, "organizationId": &account_id,
            "organizationName": org.get_str("name").unwrap_or_default(), "email": &email, "password": &hash,
            "role": role, "isActive": true, "firstName": first, "lastName": last,
            "department": dept, "position": position, "createdAt": now, "updatedAt": now,
        };
        tenancy::members::insert_user(app, &account_id, &user).await?;
        added.push(email);
    }
    Reply::ok(SampleUsers {
        added,
        password: SAMPLE_PASSWORD.to_owned(),
    })
}
