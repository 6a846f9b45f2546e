//! The company-scoped reads and writes of the fleet: a document is always
//! addressed by its id **and** the caller's company, here and nowhere
//! else, so another company's id is simply not found (404, never 403: ids
//! are not confirmed across companies).

use mongodb::bson::{Document, doc};
use serde::Serialize;
use shared::{
    App,
    http::{ApiError, Paging},
    stores::mongo::{find_page, unavailable, write_error},
};
use transit::store::{self, collection};

/// The answer of a delete (or a deactivation).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FleetItemDeleted {
    pub id: String,
    /// Always `true`.
    pub deleted: bool,
}

/// One of the fleet's collections: what its documents are called in
/// messages, and the 409's sentence when its unique index refuses a write.
pub struct Owned {
    pub collection: &'static str,
    pub noun: &'static str,
    pub taken: &'static str,
}

const NO_UNIQUE: &str = "It already exists.";

pub const STOPS: Owned = Owned {
    collection: store::STOPS,
    noun: "stop",
    taken: NO_UNIQUE,
};
pub const BUSES: Owned = Owned {
    collection: store::BUSES,
    noun: "bus",
    taken: "This company already has a bus with this plate number.",
};
pub const ROUTES: Owned = Owned {
    collection: store::ROUTES,
    noun: "route",
    taken: "This company already has a route with this code.",
};
pub const DRIVERS: Owned = Owned {
    collection: store::DRIVERS,
    noun: "driver",
    taken: NO_UNIQUE,
};
pub const SCHEDULES: Owned = Owned {
    collection: store::SCHEDULES,
    noun: "schedule",
    taken: NO_UNIQUE,
};
pub const TRIPS: Owned = Owned {
    collection: store::TRIPS,
    noun: "trip",
    taken: NO_UNIQUE,
};

fn key(company_id: &str, id: &str) -> Document {
    doc! {"id": id, "companyId": company_id}
}

impl Owned {
    /// The 404 of an id the company does not have.
    pub fn not_found(&self, id: &str) -> ApiError {
        ApiError::not_found(format!("No {} {id} in this company.", self.noun))
    }

    /// The company's document `id`, or 404.
    pub async fn find(&self, app: &App, company_id: &str, id: &str) -> Result<Document, ApiError> {
        collection(app, self.collection)
            .await?
            .find_one(key(company_id, id))
            .await
            .map_err(unavailable)?
            .ok_or_else(|| self.not_found(id))
    }

    /// The document a request body names in `field`: the company's, or 400
    /// naming the field (a store that does not answer stays a 503).
    pub async fn referenced(
        &self,
        app: &App,
        company_id: &str,
        id: &str,
        field: &str,
    ) -> Result<Document, ApiError> {
        collection(app, self.collection)
            .await?
            .find_one(key(company_id, id))
            .await
            .map_err(unavailable)?
            .ok_or_else(|| {
                ApiError::validation(field, format!("is not a {} of this company", self.noun))
            })
    }

    /// One page of the company's documents, sorted by `sort`.
    pub async fn page(
        &self,
        app: &App,
        company_id: &str,
        sort: Document,
        paging: Paging,
    ) -> Result<(Vec<Document>, u64), ApiError> {
        let coll = collection(app, self.collection).await?;
        find_page(&coll, doc! {"companyId": company_id}, sort, doc! {}, paging).await
    }

    /// Stores a new document (it carries its `companyId`).
    pub async fn insert(&self, app: &App, document: &Document) -> Result<(), ApiError> {
        collection(app, self.collection)
            .await?
            .insert_one(document)
            .await
            .map_err(write_error(self.taken))?;
        Ok(())
    }

    /// Sets `fields` on the company's document `id` (404 if it has none).
    pub async fn set(
        &self,
        app: &App,
        company_id: &str,
        id: &str,
        fields: Document,
    ) -> Result<(), ApiError> {
        let result = collection(app, self.collection)
            .await?
            .update_one(key(company_id, id), doc! {"$set": fields})
            .await
            .map_err(write_error(self.taken))?;
        if result.matched_count == 0 {
            return Err(self.not_found(id));
        }
        Ok(())
    }

    /// Deletes the company's document `id` (404 if it has none).
    pub async fn delete(&self, app: &App, company_id: &str, id: &str) -> Result<(), ApiError> {
        let result = collection(app, self.collection)
            .await?
            .delete_one(key(company_id, id))
            .await
            .map_err(unavailable)?;
        if result.deleted_count == 0 {
            return Err(self.not_found(id));
        }
        Ok(())
    }
}
