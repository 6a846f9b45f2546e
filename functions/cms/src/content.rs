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
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use shared::{
    App,
    http::{
        ApiError, Reply, Request, Validate, Violations,
        openapi::{Failure, Success},
        parse_json_with_limit, query_param,
    },
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

/// The `section` query parameter.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // for the OpenAPI document only: read by `section_param`
pub struct SectionQuery {
    /// The section name: 2-48 lowercase letters, digits and '-', starting with a letter.
    #[param(
        min_length = 2,
        max_length = 48,
        pattern = "^[a-z][a-z0-9-]*$",
        example = "hero"
    )]
    section: String,
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

/// One section of the website.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Section {
    /// The section name (e.g. `hero`, `pricing`).
    pub section: String,
    /// The section's content: whatever JSON object the site stores for it.
    // Free-form on purpose: each section has its own shape, defined by the
    // website, not by the API (see the module comment).
    #[schema(value_type = Object)]
    pub content: Value,
    /// Increases by one with every write; send it back as `revision` to edit.
    pub revision: i64,
    /// When the section was last written (RFC 3339).
    pub updated_at: String,
    /// The user id of the last editor (admin reads and writes only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_by: Option<String>,
}

/// Several sections by name.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Sections {
    /// Section name → section.
    pub sections: BTreeMap<String, Section>,
}

// Read field by field (not `from_document`) so a stored document with a
// missing or oddly typed field still renders, as it always has.
fn view(doc: &Document, with_author: bool) -> Section {
    Section {
        section: doc.get_str("section").unwrap_or_default().to_owned(),
        content: doc
            .get_document("content")
            .map(|d| serde_json::to_value(d).unwrap_or_default())
            .unwrap_or(json!({})),
        revision: doc.get_i64("revision").unwrap_or_default(),
        updated_at: doc.get_str("updatedAt").unwrap_or_default().to_owned(),
        updated_by: with_author.then(|| doc.get_str("updatedBy").unwrap_or_default().to_owned()),
    }
}

async fn collection(app: &App) -> Result<mongodb::Collection<Document>, ApiError> {
    Ok(app.main_db().await?.collection::<Document>(COLLECTION))
}

/// Read one website section.
///
/// Public. Cached for 60 seconds (`Cache-Control: public, max-age=60`). The
/// editor (`updatedBy`) is not included.
#[utoipa::path(
    get,
    path = "/cms/content",
    operation_id = "get-content",
    tag = "cms",
    params(SectionQuery),
    responses(
        (status = 200, description = "The section.", body = Success<Section>,
            headers(("Cache-Control" = String, description = "`public, max-age=60`"))),
        (status = 404, description = "NOT_FOUND: no content stored for this section.", body = Failure),
    ),
)]
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

/// A new version of one section.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SectionWrite {
    /// The whole new content of the section: any JSON object (at most 256 KiB).
    // Free-form on purpose: the website defines each section's shape.
    #[schema(value_type = Object)]
    pub content: Map<String, Value>,
    /// The revision this edit is based on (0 when creating the section).
    #[schema(minimum = 0, maximum = 9223372036854775806_i64)]
    pub revision: i64,
}

/// A revision a client may send: one that `write_section` can increase.
fn valid_revision(revision: i64) -> bool {
    (0..i64::MAX).contains(&revision)
}

/// MongoDB stores object keys as C strings and reserves `$`-prefixed names
/// for operators, so neither may reach the driver from free-form content:
/// names the first such key (`content.a.b`) so the client can fix it.
fn unstorable_key(path: &str, map: &Map<String, Value>) -> Option<String> {
    map.iter().find_map(|(key, inner)| {
        let here = format!("{path}.{key}");
        if key.contains('\0') || key.starts_with('$') {
            Some(here)
        } else {
            nested_unstorable_key(&here, inner)
        }
    })
}

fn nested_unstorable_key(path: &str, value: &Value) -> Option<String> {
    match value {
        Value::Object(map) => unstorable_key(path, map),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, inner)| nested_unstorable_key(&format!("{path}.{i}"), inner)),
        _ => None,
    }
}

fn check_content(v: &mut Violations, field: &str, content: &Map<String, Value>) {
    if let Some(key) = unstorable_key(field, content) {
        v.add(
            &key,
            "object keys may not contain a NUL character or start with '$'",
        );
    }
}

impl Validate for SectionWrite {
    fn validate(&self, v: &mut Violations) {
        v.check(
            valid_revision(self.revision),
            "revision",
            "must be 0 or a revision previously read",
        );
        check_content(v, "content", &self.content);
    }
}

/// Writes one section if `expected` is still its revision. Returns the stored view.
async fn write_section(
    app: &App,
    section: &str,
    content: Map<String, Value>,
    expected: i64,
    author: &str,
) -> Result<Section, ApiError> {
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
    // There is no delete route, so the section is only missing here if it
    // was removed from the database between the write and this read.
    let current = current.ok_or_else(|| {
        ApiError::conflict(format!(
            "Section {section} was removed while it was being saved; reload it."
        ))
    })?;
    Ok(view(&current, true))
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

/// Write one website section.
///
/// Super admin only. Optimistic: `revision` must be the section's current
/// revision (0 to create it); the stored revision then increases by one.
/// Body at most 256 KiB.
#[utoipa::path(
    put,
    path = "/cms/content",
    operation_id = "put-content",
    tag = "cms",
    params(SectionQuery),
    request_body = SectionWrite,
    responses(
        (status = 200, description = "The section as stored, with its new revision and editor.", body = Success<Section>),
        (status = 409, description = "CONFLICT: the section is no longer at `revision`; `data` is `{section, currentRevision}`. Reload and apply the edit again.", body = Failure),
        (status = 413, description = "PAYLOAD_TOO_LARGE: the body exceeds 256 KiB.", body = Failure),
    ),
    security(("bearerAuth" = [])),
)]
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

async fn all_sections(app: &App, with_author: bool) -> Result<Sections, ApiError> {
    let docs: Vec<Document> = collection(app)
        .await?
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

/// Read every website section.
///
/// Public: the whole site's content in one read, keyed by section name.
/// Cached for 60 seconds. Editors (`updatedBy`) are not included.
#[utoipa::path(
    get,
    path = "/cms/website-content",
    operation_id = "website-content",
    tag = "cms",
    responses(
        (status = 200, description = "Every section, keyed by name (an empty object when none exist).", body = Success<Sections>,
            headers(("Cache-Control" = String, description = "`public, max-age=60`"))),
    ),
)]
pub async fn website(app: &App, _req: Request) -> Result<Reply, ApiError> {
    Ok(Reply::ok(all_sections(app, false).await?)?.header(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=60"),
    ))
}

/// Read every website section, with editors.
///
/// Super admin only. Like `website-content`, plus each section's `updatedBy`;
/// not cached.
#[utoipa::path(
    get,
    path = "/cms/admin/website-content",
    operation_id = "get-admin-website-content",
    tag = "cms",
    responses(
        (status = 200, description = "Every section, keyed by name, with its last editor.", body = Success<Sections>),
    ),
    security(("bearerAuth" = [])),
)]
pub async fn admin_get(app: &App, req: Request) -> Result<Reply, ApiError> {
    app.principal(&req).await?.require_super_admin()?;
    Reply::ok(all_sections(app, true).await?)
}

/// New versions of several sections at once.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebsiteWrite {
    /// Section name → its new content and the revision the edit is based on
    /// (1-50 sections; names as in the `section` parameter).
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
            if !valid_revision(write.revision) {
                v.add(
                    &format!("sections.{name}.revision"),
                    "must be 0 or a revision previously read",
                );
            }
            check_content(v, &format!("sections.{name}.content"), &write.content);
        }
    }
}

/// Write several website sections.
///
/// Super admin only. All revisions are checked first; if any is stale nothing
/// is written (409 listing every stale section). Sections are then written
/// one by one, each still guarded by its revision. Body at most 1 MiB.
#[utoipa::path(
    put,
    path = "/cms/admin/website-content",
    operation_id = "put-admin-website-content",
    tag = "cms",
    request_body = WebsiteWrite,
    responses(
        (status = 200, description = "The written sections as stored, keyed by name.", body = Success<Sections>),
        (status = 409, description = "CONFLICT: a section is not at the revision given. Normally nothing was saved and `data.stale` lists `{section, yourRevision, currentRevision}` for every stale section; if a section changed during the write itself, `data` is `{section, currentRevision}` and the sections before it (by name) are saved.", body = Failure),
        (status = 413, description = "PAYLOAD_TOO_LARGE: the body exceeds 1 MiB.", body = Failure),
    ),
    security(("bearerAuth" = [])),
)]
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
    let mut saved = BTreeMap::new();
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
    Reply::ok(Sections { sections: saved })
}
