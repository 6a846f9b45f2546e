//! Passenger accounts: global (in no organization), self-registered by
//! e-mail. `transit.passengers`: `{id, email (lowercase, unique),
//! passwordHash, name, phone, emailVerified, createdAt, updatedAt}`.

use mongodb::{
    Collection, IndexModel,
    bson::{Document, doc},
    options::IndexOptions,
};
use shared::{
    App,
    http::ApiError,
    stores::mongo::{unavailable, write_error},
};

pub const PASSENGERS: &str = "passengers";

async fn collection(app: &App) -> Result<Collection<Document>, ApiError> {
    Ok(crate::db(app).await?.collection(PASSENGERS))
}

/// The unique e-mail index (idempotent; cheap once it exists).
pub async fn ensure_indexes(app: &App) -> Result<(), ApiError> {
    collection(app)
        .await?
        .create_index(
            IndexModel::builder()
                .keys(doc! {"email": 1})
                .options(IndexOptions::builder().unique(true).build())
                .build(),
        )
        .await
        .map_err(unavailable)?;
    Ok(())
}

pub async fn find_by_id(app: &App, id: &str) -> Result<Option<Document>, ApiError> {
    collection(app)
        .await?
        .find_one(doc! {"id": id})
        .await
        .map_err(unavailable)
}

/// `email` must already be lowercased.
pub async fn find_by_email(app: &App, email: &str) -> Result<Option<Document>, ApiError> {
    collection(app)
        .await?
        .find_one(doc! {"email": email})
        .await
        .map_err(unavailable)
}

/// Inserts a new passenger; `Ok(false)` when the e-mail is taken (a
/// concurrent registration won).
pub async fn insert(app: &App, passenger: &Document) -> Result<bool, ApiError> {
    match collection(app).await?.insert_one(passenger).await {
        Ok(_) => Ok(true),
        Err(e) if shared::stores::mongo::is_duplicate_key(&e) => Ok(false),
        Err(e) => Err(unavailable(e)),
    }
}

/// Sets `fields` (and `updatedAt`) on passenger `id`, optionally only while
/// `condition` also holds; whether one matched.
pub async fn update(
    app: &App,
    id: &str,
    condition: Document,
    mut fields: Document,
) -> Result<bool, ApiError> {
    let mut filter = doc! {"id": id};
    filter.extend(condition);
    fields.insert("updatedAt", shared::clock::now());
    let result = collection(app)
        .await?
        .update_one(filter, doc! {"$set": fields})
        .await
        .map_err(write_error("This e-mail address is taken."))?;
    Ok(result.matched_count == 1)
}

/// Whether the passenger has proven their e-mail address.
pub fn is_verified(passenger: &Document) -> bool {
    passenger.get_bool("emailVerified").unwrap_or(false)
}
