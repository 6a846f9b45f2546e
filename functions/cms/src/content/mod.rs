//! Website content, one document per section in `avaone_main.website_content`:
//! `{section, content, revision, updatedAt, updatedBy}`.
//!
//! Sections are named by a rule rather than a fixed list, so the site can
//! grow without a deploy: 2-48 characters, lowercase letters, digits and
//! '-', starting with a letter (e.g. `hero`, `pricing`, `faq`, `footer`).
//! Content is any JSON object up to 256 KiB.
//!
//! Writes are optimistic through HTTP's validators: every read answers an
//! `ETag` (a section's is its revision; a set of sections has one tag for
//! the whole set) and a write that sends it back in `If-Match` succeeds
//! only while it is still current, else 412 `PRECONDITION_FAILED` with the
//! current revision, so two editors never silently overwrite each other.
//! `If-None-Match: *` creates only. A write without either is
//! unconditional: that is what the AvaOne frontend sends (its body is the
//! content itself), and it keeps working as written.

use std::collections::BTreeMap;

use lambda_http::http::{HeaderValue, header};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use shared::{
    App,
    http::{
        ApiError, Reply, Request, Validate, Violations,
        conditional::{Precondition, digest_tag, etag},
        openapi::{Failure, Success},
        parse_json_with_limit, query_param,
    },
};

mod storable;
use storable::check_content;
mod store;

pub use store::COLLECTION;
use store::{all_sections, collection, ensure_index, find_section, write_section};

const MAX_CONTENT_BYTES: usize = 256 * 1024;

pub fn valid_section(name: &str) -> bool {
    let bytes = name.as_bytes();
    (2..=48).contains(&bytes.len())
        && bytes[0].is_ascii_lowercase()
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
}

/// The `section` query parameter of a write.
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

/// The `section` query parameter of a read: without it, every section.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // for the OpenAPI document only: read by `section_param`
pub struct SectionFilter {
    /// The section name (2-48 lowercase letters, digits and '-', starting
    /// with a letter); leave it out to read every section.
    #[param(
        min_length = 2,
        max_length = 48,
        pattern = "^[a-z][a-z0-9-]*$",
        example = "hero"
    )]
    section: Option<String>,
}

fn section_param(req: &Request) -> Result<Option<String>, ApiError> {
    let Some(section) = query_param(req, "section") else {
        return Ok(None);
    };
    if !valid_section(&section) {
        return Err(ApiError::validation(
            "query.section",
            "must be 2-48 characters of lowercase letters, digits and '-', starting with a letter",
        ));
    }
    Ok(Some(section))
}

fn required_section(req: &Request) -> Result<String, ApiError> {
    section_param(req)?.ok_or_else(|| ApiError::validation("query.section", "is required"))
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
    /// Increases by one with every write; the section's `ETag` is this
    /// number in quotes.
    pub revision: i64,
    /// When the section was last written (RFC 3339).
    pub updated_at: String,
    /// The user id of the last editor (admin reads and writes only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_by: Option<String>,
}

impl Section {
    fn etag(&self) -> HeaderValue {
        etag(&self.revision.to_string())
    }
}

/// Several sections by name.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Sections {
    /// Section name → section.
    pub sections: BTreeMap<String, Section>,
}

impl Sections {
    /// One tag for the whole set: it changes when any section is created or
    /// written, so a bulk write based on it knows nothing moved since.
    fn etag(&self) -> HeaderValue {
        etag(&digest_tag(
            self.sections
                .iter()
                .map(|(name, s)| (name.as_str(), s.revision)),
        ))
    }
}

/// What `GET /cms/content` answers: one section when `section` is given,
/// every section otherwise.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum ContentRead {
    One(Section),
    All(Sections),
}

fn public_cache(reply: Reply) -> Reply {
    reply.header(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=60"),
    )
}

/// Read one website section, or all of them.
///
/// Public. With `section`, that section and its `ETag` (send it back in
/// `If-Match` to edit it); without, every section keyed by name, as
/// `website-content` answers. Cached for 60 seconds
/// (`Cache-Control: public, max-age=60`). Editors (`updatedBy`) are not
/// included.
#[utoipa::path(
    get,
    path = "/cms/content",
    operation_id = "get-content",
    tag = "cms",
    params(SectionFilter),
    responses(
        (status = 200, description = "The section (with `section`) or every section keyed by name (without; an empty object when none exist).", body = Success<ContentRead>,
            headers(
                ("Cache-Control" = String, description = "`public, max-age=60`"),
                ("ETag" = String, description = "The section's revision in quotes, or one tag for the whole set of sections."),
            )),
        (status = 404, description = "NOT_FOUND: no content stored for this section.", body = Failure),
    ),
)]
pub async fn get(app: &App, req: Request) -> Result<Reply, ApiError> {
    let Some(section) = section_param(&req)? else {
        return website(app, req).await;
    };
    let section = find_section(&collection(app).await?, &section)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("No content for section {section}.")))?;
    let tag = section.etag();
    Ok(public_cache(
        Reply::ok(ContentRead::One(section))?.header(header::ETAG, tag),
    ))
}

/// The whole new content of a section: any JSON object, at most 256 KiB.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(value_type = Object)]
// Free-form on purpose: the website defines each section's shape.
pub struct SectionContent(pub Map<String, Value>);

/// Write one website section.
///
/// Super admin only. The body is the section's whole new content (a JSON
/// object, at most 256 KiB). Optimistic when asked: with
/// `If-Match: "<revision>"` (the `ETag` of a read) the write succeeds only
/// if the section is still at that revision; `If-None-Match: *` only
/// creates. Without either it overwrites. The stored revision increases
/// by one.
#[utoipa::path(
    put,
    path = "/cms/content",
    operation_id = "put-content",
    tag = "cms",
    params(
        SectionQuery,
        ("If-Match" = Option<String>, Header, description = "The section's `ETag` as read; the write succeeds only if it is still current. `*`: only if the section exists."),
        ("If-None-Match" = Option<String>, Header, description = "`*`: create the section, never overwrite it."),
    ),
    request_body = SectionContent,
    responses(
        (status = 200, description = "The section as stored, with its new revision and editor.", body = Success<Section>,
            headers(("ETag" = String, description = "The new revision in quotes."))),
        (status = 412, description = "PRECONDITION_FAILED: the section is not at the revision `If-Match` names (or exists, with `If-None-Match: *`); `data` is `{section, currentRevision}`. Reload and apply the edit again.", body = Failure),
        (status = 413, description = "PAYLOAD_TOO_LARGE: the body exceeds 256 KiB.", body = Failure),
    ),
    security(("bearerAuth" = [])),
)]
pub async fn put(app: &App, req: Request) -> Result<Reply, ApiError> {
    let principal = app.principal(&req).await?;
    principal.require_super_admin()?;
    let section = required_section(&req)?;
    let precondition = Precondition::of(&req)?;
    let SectionContent(content) = parse_json_with_limit(&req, MAX_CONTENT_BYTES)?;
    let coll = collection(app).await?;
    ensure_index(&coll).await?;
    let stored = write_section(&coll, &section, content, &precondition, &principal.user_id).await?;
    let tag = stored.etag();
    Ok(Reply::ok(stored)?.header(header::ETAG, tag))
}

/// Read every website section.
///
/// Public: the whole site's content in one read, keyed by section name,
/// with one `ETag` for the set. Cached for 60 seconds. Editors
/// (`updatedBy`) are not included.
#[utoipa::path(
    get,
    path = "/cms/website-content",
    operation_id = "website-content",
    tag = "cms",
    responses(
        (status = 200, description = "Every section, keyed by name (an empty object when none exist).", body = Success<Sections>,
            headers(
                ("Cache-Control" = String, description = "`public, max-age=60`"),
                ("ETag" = String, description = "One tag for the whole set of sections."),
            )),
    ),
)]
pub async fn website(app: &App, _req: Request) -> Result<Reply, ApiError> {
    let all = all_sections(&collection(app).await?, false).await?;
    let tag = all.etag();
    Ok(public_cache(Reply::ok(all)?.header(header::ETAG, tag)))
}

/// Read every website section, with editors.
///
/// Super admin only. Like `website-content`, plus each section's
/// `updatedBy`; not cached. Its `ETag` is what a bulk write sends back in
/// `If-Match`.
#[utoipa::path(
    get,
    path = "/cms/admin/website-content",
    operation_id = "get-admin-website-content",
    tag = "cms",
    responses(
        (status = 200, description = "Every section, keyed by name, with its last editor.", body = Success<Sections>,
            headers(("ETag" = String, description = "One tag for the whole set of sections."))),
    ),
    security(("bearerAuth" = [])),
)]
pub async fn admin_get(app: &App, req: Request) -> Result<Reply, ApiError> {
    app.principal(&req).await?.require_super_admin()?;
    let all = all_sections(&collection(app).await?, true).await?;
    let tag = all.etag();
    Ok(Reply::ok(all)?.header(header::ETAG, tag))
}

/// New content for several sections at once.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebsiteWrite {
    /// Section name → its whole new content, a JSON object (1-50 sections;
    /// names as in the `section` parameter).
    #[schema(value_type = BTreeMap<String, Object>)]
    pub sections: BTreeMap<String, SectionContent>,
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
        for (name, content) in &self.sections {
            if !valid_section(name) {
                v.add(
                    &format!("sections.{name}"),
                    "is not a valid section name (lowercase letters, digits, '-')",
                );
            }
            check_content(v, &format!("sections.{name}"), &content.0);
        }
    }
}

/// Write several website sections.
///
/// Super admin only. With `If-Match` (the `ETag` of
/// `GET /cms/admin/website-content`) nothing is written unless no section
/// was created or written since that read (412 otherwise); the sections are
/// then written one by one, each still guarded by the revision that read
/// saw. Without `If-Match` each section is overwritten. Body at most 1 MiB.
#[utoipa::path(
    put,
    path = "/cms/admin/website-content",
    operation_id = "put-admin-website-content",
    tag = "cms",
    params(
        ("If-Match" = Option<String>, Header, description = "The `ETag` of the set of sections as read; nothing is written unless it is still current."),
    ),
    request_body = WebsiteWrite,
    responses(
        (status = 200, description = "The written sections as stored, keyed by name.", body = Success<Sections>,
            headers(("ETag" = String, description = "The set's tag after this write."))),
        (status = 412, description = "PRECONDITION_FAILED: the sections changed since the read `If-Match` names. Normally nothing was saved; if a section changed during the write itself, `data` is `{section, currentRevision}` and the sections before it (by name) are saved.", body = Failure),
        (status = 413, description = "PAYLOAD_TOO_LARGE: the body exceeds 1 MiB.", body = Failure),
    ),
    security(("bearerAuth" = [])),
)]
pub async fn admin_put(app: &App, req: Request) -> Result<Reply, ApiError> {
    let principal = app.principal(&req).await?;
    principal.require_super_admin()?;
    let precondition = Precondition::of(&req)?;
    if precondition == Precondition::Absent {
        return Err(ApiError::validation(
            "header.If-None-Match",
            "is not meaningful for a set of sections; send If-Match with the set's ETag",
        ));
    }
    let body: WebsiteWrite = parse_json_with_limit(&req, MAX_CONTENT_BYTES * 4)?;
    let coll = collection(app).await?;
    ensure_index(&coll).await?;
    let before = all_sections(&coll, false).await?;
    if let Precondition::Matches(tags) = &precondition {
        let current = digest_tag(
            before
                .sections
                .iter()
                .map(|(name, s)| (name.as_str(), s.revision)),
        );
        if !tags.contains(&current) {
            return Err(ApiError::precondition_failed(
                "The website's sections changed since you read them; nothing was saved. Reload them and apply your edits again.",
            ));
        }
    }
    let mut saved = BTreeMap::new();
    for (name, SectionContent(content)) in body.sections {
        // Guard each section by what the checked read saw, so a writer
        // slipping in between is caught rather than overwritten.
        let guard = match (&precondition, before.sections.get(&name)) {
            (Precondition::None, _) => Precondition::None,
            (_, Some(seen)) => Precondition::Matches(vec![seen.revision.to_string()]),
            (_, None) => Precondition::Absent,
        };
        let stored = write_section(&coll, &name, content, &guard, &principal.user_id).await?;
        saved.insert(name, stored);
    }
    let tag = all_sections(&coll, false).await?.etag();
    Ok(Reply::ok(Sections { sections: saved })?.header(header::ETAG, tag))
}
