//! The passenger's own profile (`p`: a passenger token, their own data).

use mongodb::bson::{Document, doc};
use serde::Deserialize;
use shared::{
    App,
    http::{
        ApiError, Reply, Request, Role, Validate, Violations,
        openapi::{Failure, Success},
        parse_json,
    },
};
use transit::passengers;
use utoipa::ToSchema;

use crate::account::{self, Profile};

async fn me(app: &App, req: &Request) -> Result<Document, ApiError> {
    let caller = app.caller(req, &[Role::PASSENGER]).await?;
    passengers::find_by_id(app, &caller.user_id)
        .await?
        .ok_or_else(|| ApiError::not_found("This passenger account no longer exists."))
}

/// The passenger's profile.
///
/// A passenger token (any other role is 403).
#[utoipa::path(
    get,
    path = "/transit/me",
    operation_id = "passenger-profile",
    tag = "transit",
    responses(
        (status = 200, description = "The profile.", body = Success<Profile>),
        (status = 403, description = "FORBIDDEN: not a passenger token.", body = Failure),
    ),
    security(("bearerAuth" = [])),
)]
pub async fn get(app: &App, req: Request) -> Result<Reply, ApiError> {
    Reply::ok(account::profile(&me(app, &req).await?))
}

/// What a passenger may change about themselves.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateProfile {
    #[serde(default)]
    #[schema(min_length = 1, max_length = 120)]
    pub name: Option<String>,
    /// Free text; empty removes it.
    #[serde(default)]
    #[schema(max_length = 32)]
    pub phone: Option<String>,
}

impl Validate for UpdateProfile {
    fn validate(&self, v: &mut Violations) {
        if let Some(name) = &self.name {
            v.required("name", name);
        }
    }
}

/// Change the passenger's name or phone.
///
/// A passenger token. Changes the fields it is given and answers the
/// profile.
#[utoipa::path(
    put,
    path = "/transit/me",
    operation_id = "passenger-update-profile",
    tag = "transit",
    request_body = UpdateProfile,
    responses(
        (status = 200, description = "The changed profile.", body = Success<Profile>),
        (status = 400, description = "VALIDATION_FAILED naming the field.", body = Failure),
        (status = 403, description = "FORBIDDEN: not a passenger token.", body = Failure),
    ),
    security(("bearerAuth" = [])),
)]
pub async fn update(app: &App, req: Request) -> Result<Reply, ApiError> {
    let passenger = me(app, &req).await?;
    let body: UpdateProfile = parse_json(&req)?;
    let mut set = doc! {};
    if let Some(name) = body.name {
        set.insert("name", name.trim());
    }
    if let Some(phone) = body.phone {
        set.insert("phone", phone.trim());
    }
    let id = passenger.get_str("id").unwrap_or_default().to_owned();
    if !set.is_empty() {
        passengers::update(app, &id, doc! {}, set).await?;
    }
    Reply::ok(account::profile(&me(app, &req).await?))
}
