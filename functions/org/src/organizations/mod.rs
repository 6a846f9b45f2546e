//! /organizations and /organizations/{id}.
//!
//! Delete is a hard delete: the organization document and its `org_<accountId>`
//! database are removed. An organization's data belongs to the customer, and
//! removing it on request is the contract we want to be able to keep; undo is
//! MongoDB's backups, not a flag every query must remember to honour. To stop
//! an organization without losing data, set `licenseStatus` to `suspended`.

use mongodb::bson::{Bson, Document, doc};
use serde::Serialize;
use shared::{
    App,
    http::{
        ApiError, Echoed, JsonObject, Paging, Principal, Reply, Request,
        openapi::{Failure, Listed, Success},
        parse_json, path_param, query_choice,
    },
    identity::{passwords, random_id},
};

use utoipa::ToSchema;

use tenancy::{
    licence,
    model::{self, Organization, org_view},
    store::{self, find_org},
};

mod input;

pub use input::{CreateOrganization, UpdateOrganization};

/// A readable, unique account id: the name's slug plus a random suffix.
fn new_account_id(name: &str) -> String {
    let mut slug: String = name
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    while slug.contains("--") {
        slug = slug.replace("--", "-");
    }
    let slug: String = slug.trim_matches('-').chars().take(24).collect();
    let suffix: String = random_id(4)
        .to_lowercase()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(4)
        .collect();
    if slug.is_empty() {
        format!("org-{suffix}")
    } else {
        format!("{}-{suffix}", slug.trim_end_matches('-'))
    }
}

/// Create an organization.
///
/// Super admin only. Creates the organization (account id derived from its
/// name), its admin login (argon2id hash) and its `org_<accountId>` database.
#[utoipa::path(
    post,
    path = "/organizations",
    operation_id = "create-organization",
    tag = "org",
    request_body = CreateOrganization,
    responses(
        (status = 201, description = "The organization as created.", body = Success<Organization>),
        (status = 409, description = "An organization with this email or account id exists.", body = Failure),
    ),
    security(("bearerAuth" = [])),
)]
pub async fn create(app: &App, req: Request) -> Result<Reply, ApiError> {
    app.principal(&req).await?.require_super_admin()?;
    let body: CreateOrganization = parse_json(&req)?;
    store::ensure_org_indexes(app).await?;
    let account_id = new_account_id(&body.name);
    let now = shared::clock::now();
    let org = doc! {
        "id": uuid::Uuid::new_v4().to_string(),
        "accountId": &account_id,
        "name": body.name.trim(),
        "email": body.email.trim().to_lowercase(),
        "phone": body.phone.unwrap_or_default(),
        "address": body.address.unwrap_or_default(),
        "industry": body.industry.unwrap_or_default(),
        "employeeCount": body.employee_count.unwrap_or_default(),
        "foundedYear": body.founded_year.unwrap_or_default(),
        "website": body.website.unwrap_or_default(),
        "description": body.description.unwrap_or_default(),
        "adminEmail": body.admin_email.trim().to_lowercase(),
        "adminPassword": passwords::hash_blocking(body.admin_password).await?,
        "licenseStatus": body.license_status.unwrap_or_else(|| "active".into()),
        "licenseExpiry": body.license_expiry,
        "selectedProducts": body.selected_products.unwrap_or_default(),
        "plan": body.plan.map(|p| p.trim().to_owned()).unwrap_or_else(|| model::STANDARD_PLAN.into()),
        "userLimit": body.user_limit.value().unwrap_or(1).to_string(),
        "createdAt": now,
        "updatedAt": now,
    };
    store::insert_org(
        app,
        &org,
        "An organization with this email (or account id) already exists.",
    )
    .await?;
    store::provision_org_db(app, &account_id).await?;
    tracing::info!(account_id = %account_id, "organization created");
    Reply::created(org_view(org)?)
}

/// List organizations.
///
/// Super admin only. Paged (default 20 per page); filtered by license status;
/// sorted by creation date (newest first), name or license expiry.
#[utoipa::path(
    get,
    path = "/organizations",
    operation_id = "list-organizations",
    tag = "org",
    params(
        Paging,
        ("licenseStatus" = Option<String>, Query, description = "active, suspended, paused or expired."),
        ("sort" = Option<String>, Query, description = "createdAt (default), name or licenseExpiry."),
        ("order" = Option<String>, Query, description = "desc (default) or asc."),
    ),
    responses((status = 200, description = "One page of organizations.", body = Listed<Organization>)),
    security(("bearerAuth" = [])),
)]
pub async fn list(app: &App, req: Request) -> Result<Reply, ApiError> {
    app.principal(&req).await?.require_super_admin()?;
    let paging = Paging::from_query(&req, 20)?;
    let status = query_choice(&req, "licenseStatus", &model::LICENSE_STATUSES)?;
    let sort = query_choice(&req, "sort", &["createdAt", "name", "licenseExpiry"])?
        .unwrap_or_else(|| "createdAt".into());
    let order = query_choice(&req, "order", &["asc", "desc"])?.unwrap_or_else(|| "desc".into());
    let filter = match status {
        Some(s) => doc! {"licenseStatus": s},
        None => doc! {},
    };
    let direction = if order == "asc" { 1 } else { -1 };
    let sort = doc! { sort: direction, "accountId": 1 };
    let (items, total) = store::list_orgs(app, filter, sort, paging).await?;
    let items = items
        .into_iter()
        .map(org_view)
        .collect::<Result<Vec<_>, _>>()?;
    Reply::page(paging.page_of(items, total))
}

/// Loads the organization `{id}` for `principal`. Non-members get the same
/// 404 as a missing organization, so ids of other tenants cannot be probed.
async fn load_for(app: &App, principal: &Principal, req: &Request) -> Result<Document, ApiError> {
    let id = path_param(req, "id")?;
    let org = find_org(app, doc! {"id": &id}).await?;
    let not_found = || ApiError::not_found(format!("No organization with id {id}."));
    let org = org.ok_or_else(not_found)?;
    let account_id = org.get_str("accountId").unwrap_or_default();
    principal
        .require_org_admin(account_id)
        .map_err(|_| not_found())?;
    Ok(org)
}

/// Get one organization.
///
/// The super admin, or that organization's admin; anyone else gets the same
/// 404 as for a missing organization.
#[utoipa::path(
    get,
    path = "/organizations/{id}",
    operation_id = "get-organization",
    tag = "org",
    params(("id" = String, Path, description = "The organization's id.")),
    responses(
        (status = 200, description = "The organization.", body = Success<Organization>),
        (status = 404, description = "No such organization (or not the caller's).", body = Failure),
    ),
    security(("bearerAuth" = [])),
)]
pub async fn get(app: &App, req: Request) -> Result<Reply, ApiError> {
    let principal = app.principal(&req).await?;
    Reply::ok(org_view(load_for(app, &principal, &req).await?)?)
}

/// What only the server writes: a client that sends an organization back
/// as it read it may include these unchanged.
const READ_ONLY: [&str; 5] = ["_id", "id", "accountId", "createdAt", "updatedAt"];

/// Fields only the super admin may change, named as in the body.
const RESTRICTED: [&str; 8] = [
    "email",
    "adminEmail",
    "adminPassword",
    "licenseStatus",
    "licenseExpiry",
    "selectedProducts",
    "plan",
    "userLimit",
];

/// Update an organization.
///
/// The super admin may change every field; the organization's own admin
/// only its profile. Any restricted field in an admin's body refuses the
/// whole update (403, `data.refusedFields` names them). The organization
/// may be sent back whole as read: `id`, `accountId`, `createdAt`,
/// `updatedAt`, `_id` (and, for its admin, the restricted fields) equal to
/// the stored values are ignored and listed in `meta.ignoredFields`; a
/// read-only field with another value is 400 and nothing changes.
#[utoipa::path(
    put,
    path = "/organizations/{id}",
    operation_id = "update-organization",
    tag = "org",
    params(("id" = String, Path, description = "The organization's id.")),
    request_body = UpdateOrganization,
    responses(
        (status = 200, description = "The organization after the update.", body = Success<Organization>),
        (status = 404, description = "No such organization (or not the caller's).", body = Failure),
        (status = 409, description = "Another organization already uses this email.", body = Failure),
    ),
    security(("bearerAuth" = [])),
)]
pub async fn update(app: &App, req: Request) -> Result<Reply, ApiError> {
    let principal = app.principal(&req).await?;
    let mut sent = JsonObject::from_request(&req)?;
    let org = load_for(app, &principal, &req).await?;
    // The frontend sends back the organization it read, edited: what it
    // could not have changed is dropped when unchanged (and listed).
    let protected: &[&str] = if principal.is_super_admin() {
        &[]
    } else {
        &RESTRICTED
    };
    let ignored = sent.drop_echoed(Echoed {
        stored: &model::as_read(&org_view(org.clone())?, &org)?,
        read_only: &READ_ONLY,
        protected,
    })?;
    let restricted: Vec<&str> = RESTRICTED.into_iter().filter(|f| sent.has(f)).collect();
    let body: UpdateOrganization = sent.parse()?;
    if !principal.is_super_admin() && !restricted.is_empty() {
        let mut err = ApiError::forbidden(format!(
            "Only the super admin may change {}; nothing was updated.",
            restricted.join(", ")
        ));
        err = err.with_data(serde_json::json!({ "refusedFields": restricted }));
        return Err(err);
    }
    let mut set = Document::new();
    let mut put = |key: &str, value: Option<Bson>| {
        if let Some(v) = value {
            set.insert(key, v);
        }
    };
    let s = |v: Option<String>| v.map(|t| Bson::String(t.trim().to_owned()));
    put("name", s(body.name));
    put(
        "email",
        body.email.map(|e| Bson::String(e.trim().to_lowercase())),
    );
    put("phone", s(body.phone));
    put("address", s(body.address));
    put("industry", s(body.industry));
    put("employeeCount", s(body.employee_count));
    put("foundedYear", s(body.founded_year));
    put("website", s(body.website));
    put("description", s(body.description));
    put(
        "adminEmail",
        body.admin_email
            .map(|e| Bson::String(e.trim().to_lowercase())),
    );
    put("licenseStatus", s(body.license_status));
    put("licenseExpiry", s(body.license_expiry));
    put("selectedProducts", body.selected_products.map(Bson::from));
    put("plan", s(body.plan));
    put(
        "userLimit",
        body.user_limit
            .and_then(|l| l.value())
            .map(|n| Bson::String(n.to_string())),
    );
    // Sessions follow the account (DESIGN.md §5): what ends the admin's or
    // the whole organization's sessions once this update is stored.
    let admin_changed = body.admin_password.is_some() || set.contains_key("adminEmail");
    let licence_changed = set.contains_key("licenseStatus") || set.contains_key("licenseExpiry");
    if let Some(pw) = body.admin_password {
        set.insert("adminPassword", passwords::hash_blocking(pw).await?);
    }
    if set.is_empty() {
        return Err(ApiError::validation("body", "names no field to change"));
    }
    set.insert("updatedAt", shared::clock::now());
    let id = org.get_str("id").unwrap_or_default().to_owned();
    store::update_org(
        app,
        &id,
        set,
        "Another organization already uses this email.",
    )
    .await?;
    let updated = find_org(app, doc! {"id": &id})
        .await?
        .ok_or_else(|| ApiError::not_found("The organization was deleted meanwhile."))?;
    let account_id = updated.get_str("accountId").unwrap_or_default();
    if licence_changed && licence::ensure_licensed(&updated).is_err() {
        app.revoke_account_sessions(Some(account_id), None).await?;
    } else if admin_changed {
        app.revoke_account_sessions(Some(account_id), Some(&id))
            .await?;
    }
    Reply::ok(org_view(updated)?)?.ignoring(ignored)
}

/// What a delete removed.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Deleted {
    /// Always `true`.
    pub deleted: bool,
    /// The organization whose document and database were removed.
    pub account_id: String,
}

/// Delete an organization.
///
/// Super admin only: removes the organization and drops its database.
#[utoipa::path(
    delete,
    path = "/organizations/{id}",
    operation_id = "delete-organization",
    tag = "org",
    params(("id" = String, Path, description = "The organization's id.")),
    responses(
        (status = 200, description = "The organization and its database are gone.", body = Success<Deleted>),
        (status = 404, description = "No such organization.", body = Failure),
    ),
    security(("bearerAuth" = [])),
)]
pub async fn delete(app: &App, req: Request) -> Result<Reply, ApiError> {
    let principal = app.principal(&req).await?;
    principal.require_super_admin()?;
    let org = load_for(app, &principal, &req).await?;
    let account_id = org.get_str("accountId").unwrap_or_default().to_owned();
    store::delete_org(app, org.get_str("id").unwrap_or_default(), &account_id).await?;
    app.revoke_account_sessions(Some(&account_id), None).await?;
    tracing::warn!(account_id = %account_id, "organization and its database deleted");
    Reply::ok(Deleted {
        deleted: true,
        account_id,
    })
}
