//! Adding users to an organization: the user limit and
//! the insert every create path shares (the org routes, ensure-user, the
//! local sample users).

use mongodb::bson::{Document, doc};
use shared::{
    App,
    http::ApiError,
    stores::mongo::{unavailable, write_error},
};

use crate::{model, store};

/// Refuses a new user once the organization holds `userLimit` users.
/// (Count-then-insert: two concurrent creates at the limit can both pass;
/// the limit is a commercial cap, not a security boundary.)
pub async fn ensure_capacity(app: &App, account_id: &str, org: &Document) -> Result<(), ApiError> {
    let limit = model::user_limit(org).unwrap_or(0);
    let count = store::users(app, account_id)
        .await?
        .count_documents(doc! {})
        .await
        .map_err(unavailable)?;
    if count >= u64::from(limit) {
        return Err(ApiError::conflict(format!(
            "The organization has reached its user limit of {limit}; raise userLimit or remove a user first."
        )));
    }
    Ok(())
}

/// Inserts a user document; a taken email is 409.
pub async fn insert_user(app: &App, account_id: &str, user: &Document) -> Result<(), ApiError> {
    store::users(app, account_id)
        .await?
        .insert_one(user)
        .await
        .map_err(write_error(
            "A user with this email already exists in the organization.",
        ))?;
    Ok(())
}
