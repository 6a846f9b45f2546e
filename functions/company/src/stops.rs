//! Stops: where buses call. Each belongs to a company; the public search
//! (`GET /transit/stops?q=`) covers every company's, for autocomplete.

use futures_util::TryStreamExt;
use mongodb::bson::{Bson, Document, doc};
use serde::{Deserialize, Serialize};
use shared::{
    App,
    http::{
        ApiError, Paging, Reply, Request, Validate, Violations,
        openapi::{Failure, Listed, Success},
        parse_json, path_param, query_param,
    },
    stores::mongo::{find_page, unavailable},
};
use transit::store::{ROUTES, STOPS, collection, ensure_fleet_indexes};
use utoipa::ToSchema;

use crate::{
    access::{Need, company, new_id},
    owned::{self, FleetItemDeleted},
};

/// A stop.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Stop {
    pub id: String,
    /// The company (organization accountId) that keeps it.
    pub company_id: String,
    pub name: String,
    pub city: String,
    #[schema(required = true)]
    pub lat: Option<f64>,
    #[schema(required = true)]
    pub lon: Option<f64>,
}

pub fn view(d: &Document) -> Stop {
    let text = |k: &str| d.get_str(k).unwrap_or_default().to_owned();
    Stop {
        id: text("id"),
        company_id: text("companyId"),
        name: text("name"),
        city: text("city"),
        lat: d.get_f64("lat").ok(),
        lon: d.get_f64("lon").ok(),
    }
}

/// The lowercased words a prefix search matches: the name and the city.
fn search_keys(name: &str, city: &str) -> Vec<String> {
    vec![name.trim().to_lowercase(), city.trim().to_lowercase()]
}

/// Escapes text for a regular expression.
fn escape_regex(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\^$.|?*+()[]{}/".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Search stops by name or city prefix.
///
/// Public. `?q=` (1-60 characters) matches the start of a stop's name or
/// city, case-insensitively, across every company; without `q`, all stops.
/// Paged (default 20).
#[utoipa::path(
    get,
    path = "/transit/stops",
    operation_id = "search-stops",
    tag = "transit",
    params(Paging, ("q" = Option<String>, Query, description = "A prefix of the stop's name or city.")),
    responses(
        (status = 200, description = "One page of stops, by city then name.", body = Listed<Stop>),
        (status = 400, description = "VALIDATION_FAILED: `q` is too long.", body = Failure),
    ),
)]
pub async fn search(app: &App, req: Request) -> Result<Reply, ApiError> {
    let paging = Paging::from_query(&req, 20)?;
    let mut filter = doc! {};
    if let Some(q) = query_param(&req, "q").filter(|q| !q.trim().is_empty()) {
        if q.chars().count() > 60 {
            return Err(ApiError::validation(
                "query.q",
                "must be at most 60 characters",
            ));
        }
        let prefix = format!("^{}", escape_regex(&q.trim().to_lowercase()));
        filter.insert("search", doc! {"$regex": prefix});
    }
    let stops = collection(app, STOPS).await?;
    let (items, total) =
        find_page(&stops, filter, doc! {"city": 1, "name": 1}, doc! {}, paging).await?;
    Reply::page(paging.page_of(items.iter().map(view).collect(), total))
}

/// A new stop.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewStop {
    #[schema(min_length = 1, max_length = 80)]
    pub name: String,
    #[schema(min_length = 1, max_length = 80)]
    pub city: String,
    #[serde(default)]
    #[schema(minimum = -90, maximum = 90)]
    pub lat: Option<f64>,
    #[serde(default)]
    #[schema(minimum = -180, maximum = 180)]
    pub lon: Option<f64>,
}

impl Validate for NewStop {
    fn validate(&self, v: &mut Violations) {
        v.required("name", &self.name);
        v.required("city", &self.city);
    }
}

fn coordinate(value: Option<f64>) -> Bson {
    value.map_or(Bson::Null, Bson::Double)
}

/// Create a stop.
///
/// The company's admin (`oa`).
#[utoipa::path(
    post,
    path = "/transit/stops",
    operation_id = "create-stop",
    tag = "transit",
    params(("organizationId" = Option<String>, Query, description = "The super admin names the company.")),
    request_body = NewStop,
    responses(
        (status = 201, description = "The stop.", body = Success<Stop>),
        (status = 400, description = "VALIDATION_FAILED naming the field.", body = Failure),
        (status = 403, description = "FORBIDDEN or PRODUCT_NOT_LICENSED.", body = Failure),
        (status = 404, description = "NOT_FOUND: the named organization does not exist.", body = Failure),
    ),
    security(("bearerAuth" = [])),
)]
pub async fn create(app: &App, req: Request) -> Result<Reply, ApiError> {
    let company = company(app, &req, Need::Admin).await?;
    let body: NewStop = parse_json(&req)?;
    ensure_fleet_indexes(app).await?;
    let stop = doc! {
        "id": new_id(),
        "companyId": &company.id,
        "name": body.name.trim(),
        "city": body.city.trim(),
        "lat": coordinate(body.lat),
        "lon": coordinate(body.lon),
        "search": search_keys(&body.name, &body.city),
        "createdAt": shared::clock::now(),
    };
    owned::STOPS.insert(app, &stop).await?;
    Reply::created(view(&stop))
}

/// Changes to a stop: the fields given.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateStop {
    #[serde(default)]
    #[schema(min_length = 1, max_length = 80)]
    pub name: Option<String>,
    #[serde(default)]
    #[schema(min_length = 1, max_length = 80)]
    pub city: Option<String>,
    #[serde(default)]
    #[schema(minimum = -90, maximum = 90)]
    pub lat: Option<f64>,
    #[serde(default)]
    #[schema(minimum = -180, maximum = 180)]
    pub lon: Option<f64>,
}

impl Validate for UpdateStop {
    fn validate(&self, v: &mut Violations) {
        if let Some(name) = &self.name {
            v.required("name", name);
        }
        if let Some(city) = &self.city {
            v.required("city", city);
        }
    }
}

/// Change a stop.
///
/// The company's admin (`oa`). Routes show the new name from their next
/// change on; trips already generated keep the name they were sold with.
#[utoipa::path(
    put,
    path = "/transit/stops/{id}",
    operation_id = "update-stop",
    tag = "transit",
    params(("id" = String, Path), ("organizationId" = Option<String>, Query, description = "The super admin names the company.")),
    request_body = UpdateStop,
    responses(
        (status = 200, description = "The stop after the change.", body = Success<Stop>),
        (status = 400, description = "VALIDATION_FAILED naming the field.", body = Failure),
        (status = 404, description = "No such stop in this company.", body = Failure),
        (status = 403, description = "FORBIDDEN (not allowed; a driver or passenger token) or PRODUCT_NOT_LICENSED.", body = Failure),
    ),
    security(("bearerAuth" = [])),
)]
pub async fn update(app: &App, req: Request) -> Result<Reply, ApiError> {
    let company = company(app, &req, Need::Admin).await?;
    let id = path_param(&req, "id")?;
    let body: UpdateStop = parse_json(&req)?;
    let stop = owned::STOPS.find(app, &company.id, &id).await?;
    let name = body
        .name
        .as_deref()
        .map(str::trim)
        .unwrap_or_else(|| stop.get_str("name").unwrap_or_default())
        .to_owned();
    let city = body
        .city
        .as_deref()
        .map(str::trim)
        .unwrap_or_else(|| stop.get_str("city").unwrap_or_default())
        .to_owned();
    let mut set = doc! {
        "name": &name,
        "city": &city,
        "search": search_keys(&name, &city),
        "updatedAt": shared::clock::now(),
    };
    if body.lat.is_some() {
        set.insert("lat", coordinate(body.lat));
    }
    if body.lon.is_some() {
        set.insert("lon", coordinate(body.lon));
    }
    let stops = collection(app, STOPS).await?;
    stops
        .update_one(
            doc! {"id": &id, "companyId": &company.id},
            doc! {"$set": set},
        )
        .await
        .map_err(unavailable)?;
    Reply::ok(view(&owned::STOPS.find(app, &company.id, &id).await?))
}

/// Delete a stop.
///
/// The company's admin (`oa`). A stop that a route calls at is 409 naming
/// the routes: change or delete them first.
#[utoipa::path(
    delete,
    path = "/transit/stops/{id}",
    operation_id = "delete-stop",
    tag = "transit",
    params(("id" = String, Path), ("organizationId" = Option<String>, Query, description = "The super admin names the company.")),
    responses(
        (status = 200, description = "Deleted.", body = Success<FleetItemDeleted>),
        (status = 404, description = "No such stop in this company.", body = Failure),
        (status = 409, description = "CONFLICT: routes call at the stop (`data.routes`).", body = Failure),
        (status = 400, description = "VALIDATION_FAILED: the super admin must name the company (`organizationId`), or a field or query parameter is malformed.", body = Failure),
        (status = 403, description = "FORBIDDEN (not allowed; a driver or passenger token) or PRODUCT_NOT_LICENSED.", body = Failure),
    ),
    security(("bearerAuth" = [])),
)]
pub async fn delete(app: &App, req: Request) -> Result<Reply, ApiError> {
    let company = company(app, &req, Need::Admin).await?;
    let id = path_param(&req, "id")?;
    owned::STOPS.find(app, &company.id, &id).await?;
    let using: Vec<Document> = collection(app, ROUTES)
        .await?
        .find(doc! {"companyId": &company.id, "stops.stopId": &id})
        .projection(doc! {"id": 1, "code": 1})
        .await
        .map_err(unavailable)?
        .try_collect()
        .await
        .map_err(unavailable)?;
    if !using.is_empty() {
        let codes: Vec<&str> = using
            .iter()
            .filter_map(|r| r.get_str("code").ok())
            .collect();
        return Err(ApiError::conflict(format!(
            "Routes {} call at this stop; change or delete them first.",
            codes.join(", ")
        ))
        .with_data(serde_json::json!({
            "routes": using.iter().map(|r| serde_json::json!({
                "id": r.get_str("id").unwrap_or_default(),
                "code": r.get_str("code").unwrap_or_default(),
            })).collect::<Vec<_>>()
        })));
    }
    owned::STOPS.delete(app, &company.id, &id).await?;
    Reply::ok(FleetItemDeleted { id, deleted: true })
}
