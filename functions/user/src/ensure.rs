//! POST /users/workspace/ensure-user (organization admin): makes sure a
//! user with this email exists with the given profile. Creates it (201,
//! within the user limit) or updates the profile fields sent (200). With an
//! `Idempotency-Key`, a retried request returns the first response and does
//! nothing twice; the same key with another body is 409.

use mongodb::bson::{Document, doc};
use serde::{Deserialize, Serialize};
use shared::{
    App,
    http::{
        ApiError, Echoed, JsonObject, Reply, Request, Validate, Violations,
        openapi::{Failure, Success},
    },
    idempotency,
    identity::passwords,
    stores::mongo::org_db_name,
};
use tenancy::model::OrgUser;
use utoipa::ToSchema;

use tenancy::scope;

/// The user to ensure, by email. Profile fields left out are not changed
/// on an existing user (and default to empty, role `user`, active, for a
/// new one).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct EnsureUser {
    /// Only the super admin names the organization; others act on their own.
    #[serde(default)]
    #[schema(max_length = 48, pattern = "^[A-Za-z0-9_-]+$")]
    pub organization_id: Option<String>,
    /// The user's email (stored trimmed and lowercased); identifies the user.
    #[schema(format = "email", max_length = 254, example = "jane.doe@example.com")]
    pub email: String,
    /// admin, user or employee.
    #[serde(default)]
    #[schema(example = "employee")]
    pub role: Option<String>,
    #[serde(default)]
    #[schema(max_length = 80)]
    pub first_name: Option<String>,
    #[serde(default)]
    #[schema(max_length = 80)]
    pub last_name: Option<String>,
    #[serde(default)]
    #[schema(max_length = 80)]
    pub department: Option<String>,
    #[serde(default)]
    #[schema(max_length = 80)]
    pub position: Option<String>,
    #[serde(default)]
    pub is_active: Option<bool>,
    /// Initial password, used only when the user is created.
    #[serde(default)]
    #[schema(min_length = 12, max_length = 256)]
    pub password: Option<String>,
}

/// What ensure-user did, and the user as it is now.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EnsuredUser {
    /// `true` when the user was created (201), `false` when an existing
    /// user was updated (200).
    pub created: bool,
    pub user: OrgUser,
}

impl Validate for EnsureUser {
    fn validate(&self, v: &mut Violations) {
        if let Some(org) = &self.organization_id
            && org_db_name(org).is_err()
        {
            v.add("organizationId", "is not a valid organization account id");
        }
        v.email("email", &self.email);
        if let Some(role) = &self.role {
            v.check(
                tenancy::model::ORG_ROLES.contains(&role.as_str()),
                "role",
                "must be one of admin, user, employee",
            );
        }
    }
}

/// Create or update a user of the organization by email.
///
/// Organization admin (`oa`) of that organization, or the super admin, who
/// names it with `organizationId` in the body. A new user is created (201)
/// within the organization's user limit; an existing one gets the profile
/// fields sent (200). With an `Idempotency-Key`, a retry returns the first
/// response (header `Idempotent-Replayed`) and does nothing twice. A user
/// sent back whole as read is accepted: `id`, `accountId`,
/// `organizationName`, `plan`, `createdAt`, `updatedAt`, `_id` equal to the
/// stored values are ignored and listed in `meta.ignoredFields`; with other
/// values they are 400 and nothing changes.
#[utoipa::path(
    post,
    path = "/users/workspace/ensure-user",
    operation_id = "ensure-user",
    tag = "user",
    request_body = EnsureUser,
    params(
        ("Idempotency-Key" = Option<String>, Header, description = "1-255 visible ASCII characters; retries with the same key and body replay the first response for 24 h."),
    ),
    responses(
        (status = 200, description = "The user existed and was updated.", body = Success<EnsuredUser>),
        (status = 201, description = "The user was created.", body = Success<EnsuredUser>),
        (status = 404, description = "No such organization.", body = Failure),
        (status = 409, description = "The organization's user limit is reached, or the Idempotency-Key was used with another body or its first request is still running.", body = Failure),
    ),
    security(("bearerAuth" = [])),
)]
pub async fn handle(app: &App, req: Request) -> Result<Reply, ApiError> {
    let principal = app.principal(&req).await?;
    let sent = JsonObject::from_request(&req)?;
    // An empty `organizationId` (a user read back whose record has none)
    // names no organization.
    let requested = sent
        .text("organizationId")
        .filter(|o| !o.is_empty())
        .map(str::to_owned);
    if let Some(org) = &requested {
        org_db_name(org).map_err(|_| {
            ApiError::validation("organizationId", "is not a valid organization account id")
        })?;
    }
    let account_id = scope::organization(&principal, requested.as_deref())?;
    principal.require_org_admin(&account_id)?;
    let org = tenancy::store::find_org(app, doc! {"accountId": &account_id})
        .await?
        .ok_or_else(|| ApiError::not_found(format!("No organization {account_id}.")))?;
    let scope_key = format!("ensure-user#{account_id}");
    // Inside the idempotent section: a retry must replay the first answer,
    // even though that first request changed `updatedAt` since.
    idempotency::once(app, &scope_key, &req, || async move {
        let (body, ignored, existing) = sent_back(app, &account_id, &org, sent).await?;
        upsert(app, account_id, org, body, existing)
            .await?
            .ignoring(ignored)
    })
    .await
}

/// The body, after dropping what the frontend sends back unchanged from a
/// user it read (listed for `meta.ignoredFields`), and the stored user of
/// that email, if any.
async fn sent_back(
    app: &App,
    account_id: &str,
    org: &Document,
    mut sent: JsonObject,
) -> Result<(EnsureUser, Vec<String>, Option<Document>), ApiError> {
    let existing = match sent.text("email") {
        Some(email) => {
            tenancy::store::find_user(app, account_id, doc! {"email": email.trim().to_lowercase()})
                .await?
        }
        None => None,
    };
    let stored = match &existing {
        Some(user) => {
            tenancy::model::as_read(&tenancy::model::user_view(user.clone(), org)?, user)?
        }
        None => Default::default(),
    };
    let ignored = sent.drop_echoed(Echoed {
        stored: &stored,
        read_only: &READ_ONLY,
        // Already used to choose the organization.
        protected: &["organizationId"],
    })?;
    Ok((sent.parse()?, ignored, existing))
}

/// What only the server writes on a user: a client sending back a user it
/// read may include these unchanged.
const READ_ONLY: [&str; 9] = [
    "_id",
    "id",
    "accountId",
    "organizationName",
    "plan",
    "profileImageKey",
    "profileImageUrl",
    "createdAt",
    "updatedAt",
];

async fn upsert(
    app: &App,
    account_id: String,
    org: Document,
    body: EnsureUser,
    existing: Option<Document>,
) -> Result<Reply, ApiError> {
    let email = body.email.trim().to_lowercase();
    let now = shared::clock::now();

    let mut profile = Document::new();
    let mut put = |k: &str, v: Option<String>| {
        if let Some(v) = v {
            profile.insert(k, v.trim());
        }
    };
    put("role", body.role.clone());
    put("firstName", body.first_name);
    put("lastName", body.last_name);
    put("department", body.department);
    put("position", body.position);
    if let Some(active) = body.is_active {
        profile.insert("isActive", active);
    }

    if let Some(before) = existing {
        profile.insert("updatedAt", now);
        tenancy::store::update_user(app, &account_id, doc! {"email": &email}, profile).await?;
        let user = tenancy::store::find_user(app, &account_id, doc! {"email": &email})
            .await?
            .unwrap_or_default();
        // Sessions follow the account (DESIGN.md §5): a demoted, promoted
        // or deactivated user is signed out everywhere at once.
        let changed = |k: &str| before.get(k) != user.get(k);
        if changed("role") || (changed("isActive") && user.get_bool("isActive") == Ok(false)) {
            let user_id = user
                .get_str("id")
                .map(str::to_owned)
                .or_else(|_| user.get_object_id("_id").map(|o| o.to_hex()))
                .unwrap_or_default();
            app.revoke_account_sessions(Some(&account_id), Some(&user_id))
                .await?;
        }
        return Reply::ok(EnsuredUser {
            created: false,
            user: tenancy::model::user_view(user, &org)?,
        });
    }

    tenancy::members::ensure_capacity(app, &account_id, &org).await?;
    let mut user = doc! {
        "id": uuid::Uuid::new_v4().to_string(),
        "accountId": &account_id,
        "organizationId": &account_id,
        "organizationName": org.get_str("name").unwrap_or_default(),
        "email": &email,
        "role": "user",
        "isActive": true,
        "firstName": "", "lastName": "", "department": "", "position": "",
        "createdAt": now,
        "updatedAt": now,
    };
    user.extend(profile);
    if let Some(pw) = body.password {
        user.insert("password", passwords::hash_blocking(pw).await?);
    }
    tenancy::members::insert_user(app, &account_id, &user).await?;
    Reply::created(EnsuredUser {
        created: true,
        user: tenancy::model::user_view(user, &org)?,
    })
}
