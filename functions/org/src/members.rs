//! /org/{orgName}/users: the users of one organization (`{orgName}` is its
//! accountId), for that organization's admin or the super admin.

use mongodb::bson::{Document, doc};
use serde::Deserialize;
use shared::{
    App,
    http::{
        ApiError, Paging, Reply, Request, Validate, Violations,
        openapi::{Failure, Listed, Success},
        parse_json, path_param, query_choice,
    },
    identity::passwords,
    stores::mongo::org_db_name,
};

use utoipa::ToSchema;

use tenancy::{
    members::{ensure_capacity, insert_user},
    model::{self, OrgUser, user_view},
    store::find_org,
};

/// The organization named in the path, after the caller was allowed to see it.
async fn target(app: &App, req: &Request) -> Result<(String, Document), ApiError> {
    let account_id = path_param(req, "orgName")?;
    org_db_name(&account_id).map_err(|_| {
        ApiError::validation("path.orgName", "is not a valid organization account id")
    })?;
    app.principal(req).await?.require_org_admin(&account_id)?;
    let org = find_org(app, doc! {"accountId": &account_id})
        .await?
        .ok_or_else(|| ApiError::not_found(format!("No organization {account_id}.")))?;
    Ok((account_id, org))
}

/// List an organization's users.
///
/// That organization's admin, or the super admin. Paged (default 50 per page),
/// sorted by email, optionally filtered by role.
#[utoipa::path(
    get,
    path = "/org/{orgName}/users",
    operation_id = "list-org-users",
    tag = "org",
    params(
        Paging,
        ("orgName" = String, Path, description = "The organization's accountId."),
        ("role" = Option<String>, Query, description = "admin, user or employee."),
    ),
    responses(
        (status = 200, description = "One page of users.", body = Listed<OrgUser>),
        (status = 404, description = "No such organization.", body = Failure),
    ),
    security(("bearerAuth" = [])),
)]
pub async fn list(app: &App, req: Request) -> Result<Reply, ApiError> {
    let (account_id, org) = target(app, &req).await?;
    let paging = Paging::from_query(&req, 50)?;
    let filter = match query_choice(&req, "role", &model::ORG_ROLES)? {
        Some(role) => doc! {"role": role},
        None => doc! {},
    };
    let (items, total) = tenancy::store::list_users(
        app,
        &account_id,
        filter,
        doc! {"email": 1},
        doc! {"password": 0},
        paging,
    )
    .await?;
    let items = items
        .into_iter()
        .map(|u| user_view(u, &org))
        .collect::<Result<Vec<_>, _>>()?;
    Reply::page(paging.page_of(items, total))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CreateUser {
    #[schema(max_length = 254)]
    pub email: String,
    #[schema(min_length = 12, max_length = 256)]
    pub password: String,
    pub role: String,
    #[serde(default)]
    #[schema(max_length = 80)]
    pub first_name: Option<String>,
    #[serde(default)]
    #[schema(max_length = 80)]
    pub last_name: Option<String>,
    #[serde(default)]
    #[schema(max_length = 80)]
    pub department: Option<String>,
    #[serde(default)]
    #[schema(max_length = 80)]
    pub position: Option<String>,
    #[serde(default)]
    pub is_active: Option<bool>,
}

impl Validate for CreateUser {
    fn validate(&self, v: &mut Violations) {
        v.email("email", &self.email);
        v.check(
            model::ORG_ROLES.contains(&self.role.as_str()),
            "role",
            "must be one of admin, user, employee",
        );
    }
}

/// Add a user to an organization.
///
/// That organization's admin, or the super admin; refused (409) once the
/// organization holds `userLimit` users or when the email is taken.
#[utoipa::path(
    post,
    path = "/org/{orgName}/users",
    operation_id = "create-org-user",
    tag = "org",
    params(("orgName" = String, Path, description = "The organization's accountId.")),
    request_body = CreateUser,
    responses(
        (status = 201, description = "The user as created.", body = Success<OrgUser>),
        (status = 404, description = "No such organization.", body = Failure),
        (status = 409, description = "The email is taken, or the user limit is reached.", body = Failure),
    ),
    security(("bearerAuth" = [])),
)]
pub async fn create(app: &App, req: Request) -> Result<Reply, ApiError> {
    let (account_id, org) = target(app, &req).await?;
    let body: CreateUser = parse_json(&req)?;
    ensure_capacity(app, &account_id, &org).await?;
    let now = shared::clock::now();
    let user = doc! {
        "id": uuid::Uuid::new_v4().to_string(),
        "accountId": &account_id,
        "organizationId": &account_id,
        "organizationName": org.get_str("name").unwrap_or_default(),
        "email": body.email.trim().to_lowercase(),
        "password": passwords::hash_blocking(body.password).await?,
        "role": body.role,
        "isActive": body.is_active.unwrap_or(true),
        "firstName": body.first_name.unwrap_or_default(),
        "lastName": body.last_name.unwrap_or_default(),
        "department": body.department.unwrap_or_default(),
        "position": body.position.unwrap_or_default(),
        "createdAt": now,
        "updatedAt": now,
    };
    insert_user(app, &account_id, &user).await?;
    Reply::created(user_view(user, &org)?)
}
