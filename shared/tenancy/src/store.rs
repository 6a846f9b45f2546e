//! Where organizations and their users are stored: `avaone_main.organizations`
//! and one `org_<accountId>` database per organization. Every domain reads
//! and writes them through these functions, never by collection name.

use mongodb::{
    Collection,
    bson::{Document, doc},
};
use shared::{
    App,
    http::{ApiError, Paging},
    stores::mongo::{find_page, unavailable, write_error},
};

use crate::model::{ORGANIZATIONS, USERS};

async fn organizations(app: &App) -> Result<Collection<Document>, ApiError> {
    Ok(app.main_db().await?.collection::<Document>(ORGANIZATIONS))
}

/// Stores a new organization; `conflict` is the 409's sentence when its
/// email or account id is taken.
pub async fn insert_org(app: &App, org: &Document, conflict: &str) -> Result<(), ApiError> {
    organizations(app)
        .await?
        .insert_one(org)
        .await
        .map_err(write_error(conflict))?;
    Ok(())
}

/// Every organization's account id.
pub async fn account_ids(app: &App) -> Result<Vec<String>, ApiError> {
    use futures_util::TryStreamExt;
    let orgs: Vec<Document> = organizations(app)
        .await?
        .find(doc! {})
        .projection(doc! {"accountId": 1})
        .await
        .map_err(unavailable)?
        .try_collect()
        .await
        .map_err(unavailable)?;
    Ok(orgs
        .iter()
        .filter_map(|o| o.get_str("accountId").ok().map(str::to_owned))
        .collect())
}

/// One page of organizations (never their admin password hash).
pub async fn list_orgs(
    app: &App,
    filter: Document,
    sort: Document,
    paging: Paging,
) -> Result<(Vec<Document>, u64), ApiError> {
    let orgs = organizations(app).await?;
    find_page(&orgs, filter, sort, doc! {"adminPassword": 0}, paging).await
}

/// Sets `fields` on organization `id`; `conflict` as for [`insert_org`].
pub async fn update_org(
    app: &App,
    id: &str,
    fields: Document,
    conflict: &str,
) -> Result<(), ApiError> {
    organizations(app)
        .await?
        .update_one(doc! {"id": id}, doc! {"$set": fields})
        .await
        .map_err(write_error(conflict))?;
    Ok(())
}

/// One page of an organization's users, with `projection` (the callers'
/// views list their fields, so a password hash never leaves through them).
pub async fn list_users(
    app: &App,
    account_id: &str,
    filter: Document,
    sort: Document,
    projection: Document,
    paging: Paging,
) -> Result<(Vec<Document>, u64), ApiError> {
    let users = users(app, account_id).await?;
    find_page(&users, filter, sort, projection, paging).await
}

/// The organization's user matching `filter`, if any.
pub async fn find_user(
    app: &App,
    account_id: &str,
    filter: Document,
) -> Result<Option<Document>, ApiError> {
    users(app, account_id)
        .await?
        .find_one(filter)
        .await
        .map_err(unavailable)
}

/// Whether a user of the organization matches `filter` (reads no fields).
pub async fn user_exists(app: &App, account_id: &str, filter: Document) -> Result<bool, ApiError> {
    Ok(users(app, account_id)
        .await?
        .find_one(filter)
        .projection(doc! {"_id": 1})
        .await
        .map_err(unavailable)?
        .is_some())
}

/// Sets `fields` on the organization's user matching `filter`.
pub async fn update_user(
    app: &App,
    account_id: &str,
    filter: Document,
    fields: Document,
) -> Result<(), ApiError> {
    users(app, account_id)
        .await?
        .update_one(filter, doc! {"$set": fields})
        .await
        .map_err(unavailable)?;
    Ok(())
}

/// Removes organization `id` and drops its database.
pub async fn delete_org(app: &App, id: &str, account_id: &str) -> Result<(), ApiError> {
    app.org_db(account_id)
        .await?
        .drop()
        .await
        .map_err(unavailable)?;
    organizations(app)
        .await?
        .delete_one(doc! {"id": id})
        .await
        .map_err(unavailable)?;
    Ok(())
}

pub async fn find_org(app: &App, filter: Document) -> Result<Option<Document>, ApiError> {
    organizations(app)
        .await?
        .find_one(filter)
        .await
        .map_err(unavailable)
}

/// Unique indexes the organization collection relies on.
pub async fn ensure_org_indexes(app: &App) -> Result<(), ApiError> {
    use mongodb::{IndexModel, options::IndexOptions};
    let unique = |keys: Document| {
        IndexModel::builder()
            .keys(keys)
            .options(IndexOptions::builder().unique(true).build())
            .build()
    };
    organizations(app)
        .await?
        .create_indexes([
            unique(doc! {"accountId": 1}),
            unique(doc! {"id": 1}),
            unique(doc! {"email": 1}),
        ])
        .await
        .map_err(unavailable)?;
    Ok(())
}

/// The users of an organization (`org_<accountId>.users`).
pub async fn users(app: &App, account_id: &str) -> Result<Collection<Document>, ApiError> {
    Ok(app.org_db(account_id).await?.collection::<Document>(USERS))
}

/// The organization's activity events (`org_<accountId>.activity`:
/// `{userId, type, at: Date}`), written by the workspace and read by the
/// reports.
pub async fn activity(app: &App, account_id: &str) -> Result<Collection<Document>, ApiError> {
    Ok(app
        .org_db(account_id)
        .await?
        .collection::<Document>("activity"))
}

/// Creates an organization's database with the indexes its users need.
pub async fn provision_org_db(app: &App, account_id: &str) -> Result<(), ApiError> {
    use mongodb::{IndexModel, options::IndexOptions};
    let unique = |keys: Document| {
        IndexModel::builder()
            .keys(keys)
            .options(IndexOptions::builder().unique(true).build())
            .build()
    };
    users(app, account_id)
        .await?
        .create_indexes([
            unique(doc! {"email": 1}),
            unique(doc! {"id": 1}),
            IndexModel::builder()
                .keys(doc! {"isActive": 1, "department": 1})
                .build(),
        ])
        .await
        .map_err(unavailable)?;
    Ok(())
}
