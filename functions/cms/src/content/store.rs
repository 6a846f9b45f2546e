//! The website content's storage: `avaone_main.website_content`, one
//! document per section `{section, content, revision, updatedAt,
//! updatedBy}`, written only under a revision condition.

use futures_util::TryStreamExt;
use mongodb::{
    Collection,
    bson::{Document, doc},
    options::ReturnDocument,
};
use serde_json::{Map, Value, json};
use shared::{
    App,
    http::{ApiError, conditional::Precondition},
    stores::mongo::{is_duplicate_key, unavailable},
};

use super::{Section, Sections};

pub const COLLECTION: &str = "website_content";

// Read field by field (not `from_document`) so a stored document with a
// missing or oddly typed field still renders, as it always has. Revisions
// written by other tools may be 32-bit: read either width.
fn view(doc: &Document, with_author: bool) -> Section {
    Section {
        section: doc.get_str("section").unwrap_or_default().to_owned(),
        content: doc
            .get_document("content")
            .map(|d| serde_json::to_value(d).unwrap_or_default())
            .unwrap_or(json!({})),
        revision: revision_of(doc),
        updated_at: shared::clock::instant_text(doc.get("updatedAt")).unwrap_or_default(),
        updated_by: with_author.then(|| doc.get_str("updatedBy").unwrap_or_default().to_owned()),
    }
}

/// One section as the public reads it (no editor), if stored.
pub(super) async fn find_section(
    coll: &Collection<Document>,
    section: &str,
) -> Result<Option<Section>, ApiError> {
    let doc = coll
        .find_one(doc! {"section": section})
        .await
        .map_err(unavailable)?;
    Ok(doc.map(|d| view(&d, false)))
}

pub(super) fn revision_of(doc: &Document) -> i64 {
    doc.get_i64("revision")
        .or_else(|_| doc.get_i32("revision").map(i64::from))
        .unwrap_or_default()
}

pub(super) async fn collection(app: &App) -> Result<Collection<Document>, ApiError> {
    Ok(app.main_db().await?.collection::<Document>(COLLECTION))
}

/// Writes one section if `precondition` holds. Returns the stored view.
pub(super) async fn write_section(
    coll: &Collection<Document>,
    section: &str,
    content: Map<String, Value>,
    precondition: &Precondition,
    author: &str,
) -> Result<Section, ApiError> {
    let content = mongodb::bson::to_document(&content)
        .map_err(|_| ApiError::validation("body", "must be a JSON object"))?;
    let now = shared::clock::now();
    let fields = doc! {"content": content, "updatedAt": now, "updatedBy": author};
    let update = doc! {"$set": fields.clone(), "$inc": {"revision": 1_i64}};
    let written = match precondition {
        Precondition::Absent => {
            let mut new = fields;
            new.insert("section", section);
            new.insert("revision", 1_i64);
            match coll.insert_one(&new).await {
                Ok(_) => Some(new),
                Err(e) if is_duplicate_key(&e) => None,
                Err(e) => return Err(unavailable(e)),
            }
        }
        Precondition::None => {
            // Two unconditional writers creating one section race on the
            // unique index; the loser's upsert fails and, retried, updates.
            let mut retried = false;
            loop {
                match coll
                    .find_one_and_update(doc! {"section": section}, update.clone())
                    .upsert(true)
                    .return_document(ReturnDocument::After)
                    .await
                {
                    Ok(doc) => break doc,
                    Err(e) if is_duplicate_key(&e) && !retried => retried = true,
                    Err(e) => return Err(unavailable(e)),
                }
            }
        }
        Precondition::Exists => coll
            .find_one_and_update(doc! {"section": section}, update)
            .return_document(ReturnDocument::After)
            .await
            .map_err(unavailable)?,
        Precondition::Matches(tags) => {
            // A tag that is not a revision number was never ours: it cannot match.
            let revisions: Vec<i64> = tags.iter().filter_map(|t| t.parse().ok()).collect();
            if revisions.is_empty() {
                None
            } else {
                coll.find_one_and_update(
                    doc! {"section": section, "revision": {"$in": revisions}},
                    update,
                )
                .return_document(ReturnDocument::After)
                .await
                .map_err(unavailable)?
            }
        }
    };
    match written {
        Some(doc) => Ok(view(&doc, true)),
        None => Err(stale(coll, section).await?),
    }
}

/// The 412 for a write whose precondition failed, naming the current revision.
pub(super) async fn stale(
    coll: &Collection<Document>,
    section: &str,
) -> Result<ApiError, ApiError> {
    let current = coll
        .find_one(doc! {"section": section})
        .await
        .map_err(unavailable)?;
    Ok(match current {
        None => ApiError::precondition_failed(format!(
            "Section {section} does not exist yet; create it without If-Match (or with If-None-Match: *)."
        ))
        .with_data(json!({"section": section, "currentRevision": null})),
        Some(doc) => {
            let revision = revision_of(&doc);
            ApiError::precondition_failed(format!(
                "Section {section} is now at revision {revision}, not the one your If-Match names (someone else changed it, or it already exists); reload it and apply your edit again."
            ))
            .with_data(json!({"section": section, "currentRevision": revision}))
        }
    })
}

/// Ensures the unique index that makes concurrent creation of one section safe.
pub(super) async fn ensure_index(coll: &Collection<Document>) -> Result<(), ApiError> {
    use mongodb::{IndexModel, options::IndexOptions};
    coll.create_index(
        IndexModel::builder()
            .keys(doc! {"section": 1})
            .options(IndexOptions::builder().unique(true).build())
            .build(),
    )
    .await
    .map_err(unavailable)?;
    Ok(())
}

pub(super) async fn all_sections(
    coll: &Collection<Document>,
    with_author: bool,
) -> Result<Sections, ApiError> {
    let docs: Vec<Document> = coll
        .find(doc! {})
        .sort(doc! {"section": 1})
        .await
        .map_err(unavailable)?
        .try_collect()
        .await
        .map_err(unavailable)?;
    let sections = docs
        .iter()
        .map(|d| {
            (
                d.get_str("section").unwrap_or_default().to_owned(),
                view(d, with_author),
            )
        })
        .collect();
    Ok(Sections { sections })
}
