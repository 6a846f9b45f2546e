//! Drivers: organization users with the role `driver` (they log in with
//! the workspace login and count toward the user limit) plus their licence
//! data in `transit.drivers` under the same id. A driver scans tickets and
//! reads the manifests of their trips; no other route serves them.

use jiff::civil::Date;
use mongodb::bson::{Document, doc};
use serde::{Deserialize, Serialize};
use shared::{
    App,
    http::{
        ApiError, Paging, Reply, Request, Validate, Violations,
        openapi::{Failure, Listed, Success},
        parse_json, path_param,
    },
    identity::passwords,
};
use tenancy::{
    members::{ensure_capacity, insert_user},
    store::update_user,
};
use transit::{store::ensure_fleet_indexes, zone};
use utoipa::ToSchema;

use crate::{
    access::{Need, company, new_id},
    owned::{self, FleetItemDeleted},
};

/// A driver.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Driver {
    /// Also the driver's user id in the organization.
    pub id: String,
    pub company_id: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub phone: String,
    pub license_number: String,
    /// `YYYY-MM-DD`: the last day the licence is valid.
    pub license_expires_on: String,
    /// `false` once deleted: history keeps the name, the login stops.
    pub active: bool,
}

pub fn view(d: &Document) -> Driver {
    let text = |k: &str| d.get_str(k).unwrap_or_default().to_owned();
    Driver {
        id: text("id"),
        company_id: text("companyId"),
        email: text("email"),
        first_name: text("firstName"),
        last_name: text("lastName"),
        phone: text("phone"),
        license_number: text("licenseNumber"),
        license_expires_on: text("licenseExpiresOn"),
        active: d.get_bool("active").unwrap_or(false),
    }
}

/// The driver for a trip on local date `on`: the company's, active, and
/// licensed that day (400 on `field` otherwise).
pub async fn assignable(
    app: &App,
    company_id: &str,
    id: &str,
    on: Date,
    field: &str,
) -> Result<Document, ApiError> {
    let driver = owned::DRIVERS
        .referenced(app, company_id, id, field)
        .await?;
    if !driver.get_bool("active").unwrap_or(false) {
        return Err(ApiError::validation(field, "is a deactivated driver"));
    }
    let expires = driver.get_str("licenseExpiresOn").unwrap_or_default();
    if zone::parse_date(expires).is_none_or(|last| last < on) {
        return Err(ApiError::validation(
            field,
            format!("has a licence that expires on {expires}, before {on}"),
        ));
    }
    Ok(driver)
}

/// The company's drivers.
///
/// Any member of the company (`ou`). Paged (default 50), by last name;
/// deactivated drivers included (`active: false`).
#[utoipa::path(
    get,
    path = "/transit/drivers",
    operation_id = "list-drivers",
    tag = "transit",
    params(Paging, ("organizationId" = Option<String>, Query, description = "The super admin names the company.")),
    responses(
        (status = 200, description = "One page of drivers.", body = Listed<Driver>),
        (status = 403, description = "FORBIDDEN or PRODUCT_NOT_LICENSED.", body = Failure),
        (status = 400, description = "VALIDATION_FAILED: the super admin must name the company (`organizationId`), or a field or query parameter is malformed.", body = Failure),
        (status = 404, description = "NOT_FOUND: the named organization does not exist.", body = Failure),
    ),
    security(("bearerAuth" = [])),
)]
pub async fn list(app: &App, req: Request) -> Result<Reply, ApiError> {
    let company = company(app, &req, Need::Staff).await?;
    let paging = Paging::from_query(&req, 50)?;
    let (items, total) = owned::DRIVERS
        .page(
            app,
            &company.id,
            doc! {"lastName": 1, "firstName": 1},
            paging,
        )
        .await?;
    Reply::page(paging.page_of(items.iter().map(view).collect(), total))
}

/// A new driver and their login.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NewDriver {
    #[schema(format = "email", max_length = 254)]
    pub email: String,
    #[schema(min_length = 12, max_length = 256, format = Password)]
    pub password: String,
    #[schema(min_length = 1, max_length = 80)]
    pub first_name: String,
    #[schema(min_length = 1, max_length = 80)]
    pub last_name: String,
    #[schema(max_length = 32)]
    pub phone: String,
    #[schema(min_length = 1, max_length = 40)]
    pub license_number: String,
    /// `YYYY-MM-DD`.
    #[schema(example = "2029-06-30")]
    pub license_expires_on: String,
}

fn check_expiry(v: &mut Violations, value: &str) {
    v.check(
        zone::parse_date(value).is_some(),
        "licenseExpiresOn",
        "must be a date, YYYY-MM-DD",
    );
}

impl Validate for NewDriver {
    fn validate(&self, v: &mut Violations) {
        v.email("email", &self.email);
        v.required("firstName", &self.first_name);
        v.required("lastName", &self.last_name);
        v.required("licenseNumber", &self.license_number);
        check_expiry(v, &self.license_expires_on);
    }
}

/// Add a driver.
///
/// The company's admin (`oa`). Creates an organization user with the role
/// `driver` (counted toward `userLimit`; 409 at the limit or for a taken
/// e-mail) who logs in with the workspace login.
#[utoipa::path(
    post,
    path = "/transit/drivers",
    operation_id = "create-driver",
    tag = "transit",
    params(("organizationId" = Option<String>, Query, description = "The super admin names the company.")),
    request_body = NewDriver,
    responses(
        (status = 201, description = "The driver.", body = Success<Driver>),
        (status = 400, description = "VALIDATION_FAILED naming the field.", body = Failure),
        (status = 409, description = "CONFLICT: the e-mail is taken or the user limit is reached.", body = Failure),
        (status = 403, description = "FORBIDDEN (not allowed; a driver or passenger token) or PRODUCT_NOT_LICENSED.", body = Failure),
        (status = 404, description = "NOT_FOUND: the named organization does not exist.", body = Failure),
    ),
    security(("bearerAuth" = [])),
)]
pub async fn create(app: &App, req: Request) -> Result<Reply, ApiError> {
    let company = company(app, &req, Need::Admin).await?;
    let body: NewDriver = parse_json(&req)?;
    ensure_fleet_indexes(app).await?;
    ensure_capacity(app, &company.id, &company.org).await?;
    let id = new_id();
    let now = shared::clock::now();
    let email = body.email.trim().to_lowercase();
    let user = doc! {
        "id": &id,
        "email": &email,
        "password": passwords::hash_blocking(body.password).await?,
        "role": "driver",
        "firstName": body.first_name.trim(),
        "lastName": body.last_name.trim(),
        "department": "Drivers",
        "position": "Driver",
        "isActive": true,
        "organizationId": &company.id,
        "createdAt": now,
        "updatedAt": now,
    };
    insert_user(app, &company.id, &user).await?;
    let driver = doc! {
        "id": &id,
        "companyId": &company.id,
        "email": &email,
        "firstName": body.first_name.trim(),
        "lastName": body.last_name.trim(),
        "phone": body.phone.trim(),
        "licenseNumber": body.license_number.trim(),
        "licenseExpiresOn": &body.license_expires_on,
        "active": true,
        "createdAt": now,
    };
    owned::DRIVERS.insert(app, &driver).await?;
    Reply::created(view(&driver))
}

/// Changes to a driver: the fields given.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct UpdateDriver {
    #[serde(default)]
    #[schema(min_length = 1, max_length = 80)]
    pub first_name: Option<String>,
    #[serde(default)]
    #[schema(min_length = 1, max_length = 80)]
    pub last_name: Option<String>,
    #[serde(default)]
    #[schema(max_length = 32)]
    pub phone: Option<String>,
    #[serde(default)]
    #[schema(min_length = 1, max_length = 40)]
    pub license_number: Option<String>,
    #[serde(default)]
    pub license_expires_on: Option<String>,
    /// A new password ends the driver's sessions.
    #[serde(default)]
    #[schema(min_length = 12, max_length = 256, format = Password)]
    pub password: Option<String>,
}

impl Validate for UpdateDriver {
    fn validate(&self, v: &mut Violations) {
        for (field, value) in [
            ("firstName", &self.first_name),
            ("lastName", &self.last_name),
            ("licenseNumber", &self.license_number),
        ] {
            if let Some(value) = value {
                v.required(field, value);
            }
        }
        if let Some(expiry) = &self.license_expires_on {
            check_expiry(v, expiry);
        }
    }
}

/// Change a driver.
///
/// The company's admin (`oa`). A new password ends every session of the
/// driver.
#[utoipa::path(
    put,
    path = "/transit/drivers/{id}",
    operation_id = "update-driver",
    tag = "transit",
    params(("id" = String, Path), ("organizationId" = Option<String>, Query, description = "The super admin names the company.")),
    request_body = UpdateDriver,
    responses(
        (status = 200, description = "The driver after the change.", body = Success<Driver>),
        (status = 400, description = "VALIDATION_FAILED naming the field.", body = Failure),
        (status = 404, description = "No such driver in this company.", body = Failure),
        (status = 403, description = "FORBIDDEN (not allowed; a driver or passenger token) or PRODUCT_NOT_LICENSED.", body = Failure),
    ),
    security(("bearerAuth" = [])),
)]
pub async fn update(app: &App, req: Request) -> Result<Reply, ApiError> {
    let company = company(app, &req, Need::Admin).await?;
    let id = path_param(&req, "id")?;
    let body: UpdateDriver = parse_json(&req)?;
    owned::DRIVERS.find(app, &company.id, &id).await?;
    let now = shared::clock::now();
    let mut driver_set = doc! {"updatedAt": now};
    let mut user_set = doc! {"updatedAt": now};
    if let Some(first) = &body.first_name {
        driver_set.insert("firstName", first.trim());
        user_set.insert("firstName", first.trim());
    }
    if let Some(last) = &body.last_name {
        driver_set.insert("lastName", last.trim());
        user_set.insert("lastName", last.trim());
    }
    if let Some(phone) = &body.phone {
        driver_set.insert("phone", phone.trim());
    }
    if let Some(number) = &body.license_number {
        driver_set.insert("licenseNumber", number.trim());
    }
    if let Some(expiry) = &body.license_expires_on {
        driver_set.insert("licenseExpiresOn", expiry);
    }
    let new_password = body.password.is_some();
    if let Some(password) = body.password {
        user_set.insert("password", passwords::hash_blocking(password).await?);
    }
    update_user(
        app,
        &company.id,
        doc! {"id": &id, "role": "driver"},
        user_set,
    )
    .await?;
    owned::DRIVERS
        .set(app, &company.id, &id, driver_set)
        .await?;
    if new_password {
        app.revoke_account_sessions(Some(&company.id), Some(&id))
            .await?;
    }
    Reply::ok(view(&owned::DRIVERS.find(app, &company.id, &id).await?))
}

/// Deactivate a driver.
///
/// The company's admin (`oa`). The driver's login is deactivated and every
/// session ended; the record stays (`active: false`) so trips and scans
/// keep the name. Schedules stop assigning them to new trips.
#[utoipa::path(
    delete,
    path = "/transit/drivers/{id}",
    operation_id = "delete-driver",
    tag = "transit",
    params(("id" = String, Path), ("organizationId" = Option<String>, Query, description = "The super admin names the company.")),
    responses(
        (status = 200, description = "Deactivated.", body = Success<FleetItemDeleted>),
        (status = 404, description = "No such driver in this company.", body = Failure),
        (status = 400, description = "VALIDATION_FAILED: the super admin must name the company (`organizationId`), or a field or query parameter is malformed.", body = Failure),
        (status = 403, description = "FORBIDDEN (not allowed; a driver or passenger token) or PRODUCT_NOT_LICENSED.", body = Failure),
    ),
    security(("bearerAuth" = [])),
)]
pub async fn delete(app: &App, req: Request) -> Result<Reply, ApiError> {
    let company = company(app, &req, Need::Admin).await?;
    let id = path_param(&req, "id")?;
    owned::DRIVERS.find(app, &company.id, &id).await?;
    let now = shared::clock::now();
    update_user(
        app,
        &company.id,
        doc! {"id": &id, "role": "driver"},
        doc! {"isActive": false, "updatedAt": now},
    )
    .await?;
    owned::DRIVERS
        .set(
            app,
            &company.id,
            &id,
            doc! {"active": false, "updatedAt": now},
        )
        .await?;
    app.revoke_account_sessions(Some(&company.id), Some(&id))
        .await?;
    Reply::ok(FleetItemDeleted { id, deleted: true })
}
