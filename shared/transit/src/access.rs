//! Who may act on which company: the one gate every company-scoped route
//! passes (the fleet's, and ticketing's company views).
//!
//! A bus company is an organization licensed for `transit`. Its admin and
//! the super admin manage the fleet (`oa`); its users and employees read it
//! (`ou`). Drivers and passengers are neither: their tokens are 403 here.
//! The company is always the caller's own; only the super admin names one
//! (`?organizationId=`).

use mongodb::bson::Document;
use shared::{
    App,
    http::{ApiError, Request, Role, query_param},
};
use tenancy::{licence::ensure_licensed_for, scope, store::find_org};

use crate::PRODUCT;

/// What a route needs of its caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// `ou`: any member of the company (admin, user, employee).
    Staff,
    /// `oa`: the company's admin.
    Admin,
}

/// The company a request acts on.
pub struct Company {
    /// The organization's `accountId`: every fleet document's `companyId`.
    pub id: String,
    pub org: Document,
}

/// The caller's company, checked for `need` and for a transit licence
/// (403 `PRODUCT_NOT_LICENSED` otherwise).
pub async fn company(app: &App, req: &Request, need: Need) -> Result<Company, ApiError> {
    let caller = app.caller(req, Role::SUITE).await?;
    let id = scope::organization(&caller, query_param(req, "organizationId").as_deref())?;
    match need {
        Need::Staff => caller.require_member_of(&id)?,
        Need::Admin => caller.require_org_admin(&id)?,
    }
    let org = find_org(app, mongodb::bson::doc! {"accountId": &id})
        .await?
        .ok_or_else(|| ApiError::not_found(format!("No organization {id}.")))?;
    ensure_licensed_for(&org, PRODUCT)?;
    Ok(Company { id, org })
}

/// The company (organization) `id`, licensed for transit: for routes that
/// find the company through a resource (a trip, a booking) rather than
/// the caller's token.
pub async fn licensed_company(app: &App, id: &str) -> Result<Company, ApiError> {
    let org = find_org(app, mongodb::bson::doc! {"accountId": id})
        .await?
        .ok_or_else(|| ApiError::not_found(format!("No organization {id}.")))?;
    ensure_licensed_for(&org, PRODUCT)?;
    Ok(Company {
        id: id.to_owned(),
        org,
    })
}
