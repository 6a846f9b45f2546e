//! The three listings (see the crate docs for what distinguishes them).

use mongodb::bson::{Document, doc};
use serde::{Deserialize, Serialize};
use shared::{
    App,
    http::{ApiError, Paging, Reply, Request, openapi::Listed, query_param},
    stores::mongo::org_db_name,
};
use tenancy::model::OrgUser;
use utoipa::ToSchema;

use tenancy::scope;

/// An active member of the team (GET /users/team-members). Fields a stored
/// user lacks read as empty.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct TeamMember {
    #[schema(required = true)]
    pub id: String,
    #[schema(required = true)]
    pub email: String,
    #[schema(required = true)]
    pub first_name: String,
    #[schema(required = true)]
    pub last_name: String,
    /// admin, user or employee.
    #[schema(required = true)]
    pub role: String,
    #[schema(required = true)]
    pub department: String,
    #[schema(required = true)]
    pub position: String,
}

/// An assignable user in the compact form pickers use (GET /users/team-users).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TeamUser {
    pub id: String,
    /// "First Last", or the email when the user has no name.
    pub name: String,
    pub email: String,
    /// admin, user or employee.
    pub role: String,
}

async fn org_scope(app: &App, req: &Request) -> Result<String, ApiError> {
    let principal = app.principal(req).await?;
    let requested = query_param(req, "organizationId");
    if let Some(org) = &requested {
        org_db_name(org).map_err(|_| {
            ApiError::validation(
                "query.organizationId",
                "is not a valid organization account id",
            )
        })?;
    }
    scope::organization(&principal, requested.as_deref())
}

async fn page(
    app: &App,
    account_id: &str,
    filter: Document,
    sort: Document,
    paging: Paging,
    projection: Document,
) -> Result<(Vec<Document>, u64), ApiError> {
    tenancy::store::list_users(app, account_id, filter, sort, projection, paging).await
}

/// Every account of the organization.
///
/// Any user of the organization (`ou`); the super admin names one with
/// `?organizationId=`. Active and inactive users, sorted by email, paged
/// (default 50 per page). Never includes password hashes.
#[utoipa::path(
    get,
    path = "/users/workspace-users",
    operation_id = "workspace-users",
    tag = "user",
    params(
        Paging,
        ("organizationId" = Option<String>, Query, description = "The organization (accountId); required for the super admin, others may only name their own."),
    ),
    responses(
        (status = 200, description = "One page of the organization's users.", body = Listed<OrgUser>),
    ),
    security(("bearerAuth" = [])),
)]
pub async fn workspace_users(app: &App, req: Request) -> Result<Reply, ApiError> {
    let account_id = org_scope(app, &req).await?;
    let paging = Paging::from_query(&req, 50)?;
    let (items, total) = page(
        app,
        &account_id,
        doc! {},
        doc! {"email": 1},
        paging,
        doc! {"password": 0},
    )
    .await?;
    // The plan is the organization's: one read for the page.
    let org = tenancy::store::find_org(app, doc! {"accountId": &account_id})
        .await?
        .unwrap_or_default();
    let items = items
        .into_iter()
        .map(|u| tenancy::model::user_view(u, &org))
        .collect::<Result<Vec<_>, _>>()?;
    Reply::page(paging.page_of(items, total))
}

/// Active members with department and position.
///
/// Any user of the organization (`ou`); the super admin names one with
/// `?organizationId=`. Inactive users are left out; `?department=` narrows
/// to one department (exact match). Sorted by department, last name, email;
/// paged (default 50 per page).
#[utoipa::path(
    get,
    path = "/users/team-members",
    operation_id = "team-members",
    tag = "user",
    params(
        Paging,
        ("organizationId" = Option<String>, Query, description = "The organization (accountId); required for the super admin, others may only name their own."),
        ("department" = Option<String>, Query, description = "Only members of this department (exact match)."),
    ),
    responses(
        (status = 200, description = "One page of active members.", body = Listed<TeamMember>),
    ),
    security(("bearerAuth" = [])),
)]
pub async fn team_members(app: &App, req: Request) -> Result<Reply, ApiError> {
    let account_id = org_scope(app, &req).await?;
    let paging = Paging::from_query(&req, 50)?;
    let mut filter = doc! {"isActive": {"$ne": false}};
    if let Some(dept) = query_param(&req, "department") {
        filter.insert("department", dept);
    }
    let projection = doc! {"_id": 0, "id": 1, "email": 1, "firstName": 1, "lastName": 1, "role": 1, "department": 1, "position": 1};
    let (items, total) = page(
        app,
        &account_id,
        filter,
        doc! {"department": 1, "lastName": 1, "email": 1},
        paging,
        projection,
    )
    .await?;
    let items = items
        .into_iter()
        .map(|d| mongodb::bson::from_document::<TeamMember>(d).map_err(ApiError::internal))
        .collect::<Result<Vec<_>, _>>()?;
    Reply::page(paging.page_of(items, total))
}

/// Active users in the compact form assignment pickers use.
///
/// Any user of the organization (`ou`); the super admin names one with
/// `?organizationId=`. Inactive users are left out. Sorted by first and last
/// name; paged (default 100 per page).
#[utoipa::path(
    get,
    path = "/users/team-users",
    operation_id = "team-users",
    tag = "user",
    params(
        Paging,
        ("organizationId" = Option<String>, Query, description = "The organization (accountId); required for the super admin, others may only name their own."),
    ),
    responses(
        (status = 200, description = "One page of assignable users.", body = Listed<TeamUser>),
    ),
    security(("bearerAuth" = [])),
)]
pub async fn team_users(app: &App, req: Request) -> Result<Reply, ApiError> {
    let account_id = org_scope(app, &req).await?;
    let paging = Paging::from_query(&req, 100)?;
    let projection = doc! {"_id": 0, "id": 1, "email": 1, "firstName": 1, "lastName": 1, "role": 1};
    let (items, total) = page(
        app,
        &account_id,
        doc! {"isActive": {"$ne": false}},
        doc! {"firstName": 1, "lastName": 1},
        paging,
        projection,
    )
    .await?;
    let items = items
        .into_iter()
        .map(|u| {
            let text = |k: &str| u.get_str(k).unwrap_or_default().to_owned();
            let name = format!("{} {}", text("firstName"), text("lastName"))
                .trim()
                .to_owned();
            TeamUser {
                id: text("id"),
                name: if name.is_empty() { text("email") } else { name },
                email: text("email"),
                role: text("role"),
            }
        })
        .collect();
    Reply::page(paging.page_of::<TeamUser>(items, total))
}
