//! The three listings (see the crate docs for what distinguishes them).

use mongodb::bson::{Document, doc};
use serde_json::json;
use shared::{
    App,
    http::{ApiError, Paging, Reply, Request, query_param},
    stores::mongo::{find_page, org_db_name},
};

use crate::scope;

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
    scope(&principal, requested.as_deref())
}

async fn page(
    app: &App,
    account_id: &str,
    filter: Document,
    sort: Document,
    paging: Paging,
    projection: Document,
) -> Result<(Vec<Document>, u64), ApiError> {
    let users = app
        .org_db(account_id)
        .await?
        .collection::<Document>(org::model::USERS);
    let (items, total) = find_page(&users, filter, sort, projection, paging).await?;
    Ok((items, total))
}

/// GET /users/workspace-users: every account of the organization.
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
    Reply::ok(paging.page_of(
        items.into_iter().map(org::model::user_view).collect(),
        total,
    ))
}

/// GET /users/team-members: active members with department and position.
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
        .map(|d| serde_json::to_value(d).unwrap_or_default())
        .collect();
    Reply::ok(paging.page_of::<serde_json::Value>(items, total))
}

/// GET /users/team-users: active users in the compact form assignment pickers use.
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
            let name = format!("{} {}", text("firstName"), text("lastName")).trim().to_owned();
            json!({"id": text("id"), "name": if name.is_empty() { text("email") } else { name }, "email": text("email"), "role": text("role")})
        })
        .collect();
    Reply::ok(paging.page_of::<serde_json::Value>(items, total))
}
