//! Who may board a trip's passengers and read its manifest (`d`): the
//! driver assigned to the trip, or staff of its company (`ou`, and the
//! super admin). Anyone else — another company, a driver of another trip —
//! gets the same 404 as for no trip, so trip ids reveal nothing.

use mongodb::bson::{Document, doc};
use shared::{
    App,
    http::{ApiError, Principal, Request, Role},
    stores::mongo::unavailable,
};
use transit::{
    access::licensed_company,
    store::{TRIPS, collection},
};

/// The roles `d` routes admit; the trip decides the rest.
pub const CREW: [Role; 5] = [
    Role::DRIVER,
    Role::SUPER_ADMIN,
    Role::ADMIN,
    Role::USER,
    Role::EMPLOYEE,
];

/// The trip `trip_id` if the caller may board it: their own trip as its
/// driver, or their company's as staff.
pub async fn boarding_trip(
    app: &App,
    req: &Request,
    trip_id: &str,
) -> Result<(Principal, Document), ApiError> {
    let caller = app.caller(req, &CREW).await?;
    let missing = || ApiError::not_found(format!("No trip {trip_id}."));
    let trip = collection(app, TRIPS)
        .await?
        .find_one(doc! {"id": trip_id})
        .await
        .map_err(unavailable)?
        .ok_or_else(missing)?;
    let company = trip.get_str("companyId").unwrap_or_default();
    let allowed = if caller.role == Role::DRIVER {
        caller.organization_id.as_deref() == Some(company)
            && trip.get_str("driverId") == Ok(caller.user_id.as_str())
    } else {
        caller.require_member_of(company).is_ok()
    };
    if !allowed {
        return Err(missing());
    }
    licensed_company(app, company).await?;
    Ok((caller, trip))
}
