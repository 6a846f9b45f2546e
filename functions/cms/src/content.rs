//! Website content, one document per section in `avaone_main.website_content`:
//! `{section, content, revision, updatedAt, updatedBy}`.
//!
//! Sections are named by a rule rather than a fixed list, so the site can
//! grow without a deploy: 2-48 characters, lowercase letters, digits and
//! '-', starting with a letter (e.g. `hero`, `pricing`, `faq`, `footer`).
//! Content is any JSON object up to 256 KiB.
//!
//! Writes are optimistic: a PUT carries the `revision` it was based on
//! (0 for a new section) and succeeds only if that is still current; the
//! stored revision then increases by one. A stale revision is 409 with the
//! current revision, so two editors never silently overwrite each other.

use std::collections::BTreeMap;

use futures_util::TryStreamExt;
use lambda_http::http::{HeaderValue, header};
use mongodb::bson::{Document, doc};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use shared::{
    App,
    http::{ApiError, Reply, Request, Validate, Violations, parse_json_with_limit, query_param},
    stores::mongo::{is_duplicate_key, unavailable},
};
use time::{OffsetDateTime, format_description::well_known::Rfc3339};

pub const COLLECTION: &str = "website_content";
const MAX_CONTENT_BYTES: usize = 256 * 1024;

pub fn valid_section(name: &str) -> bool {
    let bytes = name.as_bytes();
    (2..=48).contains(&bytes.len())
        && bytes[0].is_ascii_lowercase()
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
}

fn section_param(req: &Request) -> Result<String, ApiError> {
    let section = query_param(req, "section")
        .ok_or_else(|| ApiError::validation("query.section", "is required"))?;
    if !valid_section(&section) {
        return Err(ApiError::validation(
            "query.section",
            "must be 2-48 characters of lowercase letters, digits and '-', starting with a letter",
        ));
    }
    Ok(section)
}

fn view(doc: &Document, with_author: bool) -> Value {
    let mut v = json!({
        "section": doc.get_str("section").unwrap_or_default(),
        "content": doc.get_document("content").map(|d| serde_json::to_value(d).unwrap_or_default()).unwrap_or(json!({})),
        "revision": doc.get_i64("revision").unwrap_or_default(),
        "updatedAt": doc.get_str("updatedAt").unwrap_or_default(),
    });
    if with_author {
        v["updatedBy"] = json!(doc.get_str("updatedBy").unwrap_or_default());
    }
    v
}

async fn collection(app: &App) -> Result<mongodb::Collection<Document>, ApiError> {
    Ok(app.main_db().await?.collection::<Document>(COLLECTION))
}

/// GET /cms/content?section= (public).
pub async fn get(app: &App, req: Request) -> Result<Reply, ApiError> {
    let section = section_param(&req)?;
    let doc = collection(app)
        .await?
        .find_one(doc! {"section": &section})
        .await
        .map_err(unavailable)?
        .ok_or_else(|| ApiError::not_found(format!("No content for section {section}.")))?;
    Ok(Reply::ok(view(&doc, false))?.header(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=60"),
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SectionWrite {
    pub content: Map<String, Value>,
    /// The revision this edit is based on (0 when creating the section).
    pub revision: i64,
}

impl Validate for SectionWrite {
    fn validate(&self, v: &mut Violations) {
        v.check(
            self.revision >= 0,
            "revision",
            "must be 0 or a revision previously read",
        );
    }
}

/// Writes one section if `expected` is still its revision. Returns the stored view.
async fn write_section(
    app: &App,
    section: &str,
    content: Map<String, Value>,
    expected: i64,
    author: &str,
) -> Result<Value, ApiError> {
    let coll = collection(app).await?;
    let content = mongodb::bson::to_document(&content)
        .map_err(|_| ApiError::validation("content", "must be a JSON object"))?;
    let now = OffsetDateTime::now_utc()
        .format(&Rfc3339)
        .unwrap_or_default();
    let fields =
        doc! {"content": content, "revision": expected + 1, "updatedAt": &now, "updatedBy": author};
    let written = if expected == 0 {
        let mut new = fields.clone();
        new.insert("section", section);
        match coll.insert_one(new).await {
            Ok(_) => true,
            Err(e) if is_duplicate_key(&e) => false,
            Err(e) => return Err(unavailable(e)),
        }
    } else {
        coll.update_one(
            doc! {"section": section, "revision": expected},
            doc! {"$set": fields},
        )
        .await
        .map_err(unavailable)?
        .matched_count
            == 1
    };
    let current = coll
        .find_one(doc! {"section": section})
        .await
        .map_err(unavailable)?;
    if !written {
        let current_revision = current
            .as_ref()
            .and_then(|d| d.get_i64("revision").ok())
            .unwrap_or(0);
        return Err(ApiError::conflict(format!(
            "Section {section} was changed by someone else (now at revision {current_revision}, you edited revision {expected}); reload it and apply your edit again."
        ))
        .with_data(json!({"section": section, "currentRevision": current_revision})));
    }
    Ok(current.map(|d| view(&d, true)).unwrap_or_default())
}

/// Ensures the unique index that makes concurrent creation of one section safe.
async fn ensure_index(app: &App) -> Result<(), ApiError> {
    use mongodb::{IndexModel, options::IndexOptions};
    collection(app)
        .await?
        .create_index(
            IndexModel::builder()
                .keys(doc! {"section": 1})
                .options(IndexOptions::builder().unique(true).build())
                .build(),
        )
        .await
        .map_err(unavailable)?;
    Ok(())
}

/// PUT /cms/content?section= (super admin) `{content, revision}`.
pub async fn put(app: &App, req: Request) -> Result<Reply, ApiError> {
    let principal = app.principal(&req).await?;
    principal.require_super_admin()?;
    let section = section_param(&req)?;
    let body: SectionWrite = parse_json_with_limit(&req, MAX_CONTENT_BYTES)?;
    ensure_index(app).await?;
    Reply::ok(
        write_section(
            app,
            &section,
            body.content,
            body.revision,
            &principal.user_id,
        )
        .await?,
    )
}

async fn all_sections(app: &App, with_author: bool) -> Result<Value, ApiError> {
    let docs: Vec<Document> = collection(app)
        .await?
        .find(doc! {})
        .sort(doc! {"section": 1})
        .await
        .map_err(unavailable)?
        .try_collect()
        .await
        .map_err(unavailable)?;
    let sections: Map<String, Value> = docs
        .iter()
        .map(|d| {
            (
                d.get_str("section").unwrap_or_default().to_owned(),
                view(d, with_author),
            )
        })
        .collect();
    Ok(json!({ "sections": sections }))
}

/// GET /cms/website-content (public): every section in one read.
pub async fn website(app: &App, _req: Request) -> Result<Reply, ApiError> {
    Ok(Reply::ok(all_sections(app, false).await?)?.header(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=60"),
    ))
}

/// GET /cms/admin/website-content (super admin): every section with its editor.
pub async fn admin_get(app: &App, req: Request) -> Result<Reply, ApiError> {
    app.principal(&req).await?.require_super_admin()?;
    Reply::ok(all_sections(app, true).await?)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebsiteWrite {
    pub sections: BTreeMap<String, SectionWrite>,
}

impl Validate for WebsiteWrite {
    fn validate(&self, v: &mut Violations) {
        v.check(
            !self.sections.is_empty(),
            "sections",
            "must name at least one section",
        );
        v.check(
            self.sections.len() <= 50,
            "sections",
            "may hold at most 50 sections per write",
        );
        for (name, write) in &self.sections {
            if !valid_section(name) {
                v.add(
                    &format!("sections.{name}"),
                    "is not a valid section name (lowercase letters, digits, '-')",
                );
            }
            if write.revision < 0 {
                v.add(
                    &format!("sections.{name}.revision"),
                    "must be 0 or a revision previously read",
                );
            }
        }
    }
}

/// PUT /cms/admin/website-content (super admin) `{sections: {name: {content, revision}}}`.
/// All revisions are checked first; if any is stale nothing is written (409
/// listing every stale section). Sections are then written one by one, each
/// still guarded by its revision.
pub async fn admin_put(app: &App, req: Request) -> Result<Reply, ApiError> {
    let principal = app.principal(&req).await?;
    principal.require_super_admin()?;
    let body: WebsiteWrite = parse_json_with_limit(&req, MAX_CONTENT_BYTES * 4)?;
    ensure_index(app).await?;
    let coll = collection(app).await?;
    let names: Vec<&String> = body.sections.keys().collect();
    let current: Vec<Document> = coll
        .find(doc! {"section": {"$in": names}})
        .await
        .map_err(unavailable)?
        .try_collect()
        .await
        .map_err(unavailable)?;
    let revision_of = |name: &str| {
        current
            .iter()
            .find(|d| d.get_str("section") == Ok(name))
            .and_then(|d| d.get_i64("revision").ok())
            .unwrap_or(0)
    };
    let stale: Vec<Value> = body
        .sections
        .iter()
        .filter(|(name, w)| revision_of(name) != w.revision)
        .map(|(name, w)| json!({"section": name, "yourRevision": w.revision, "currentRevision": revision_of(name)}))
        .collect();
    if !stale.is_empty() {
        return Err(ApiError::conflict("Some sections were changed by someone else; nothing was saved. Reload them and apply your edits again.")
            .with_data(json!({"stale": stale})));
    }
    let mut saved = Map::new();
    for (name, write) in body.sections {
        let stored = write_section(
            app,
            &name,
            write.content,
            write.revision,
            &principal.user_id,
        )
        .await?;
        saved.insert(name, stored);
    }
    Reply::ok(json!({"sections": saved}))
}
