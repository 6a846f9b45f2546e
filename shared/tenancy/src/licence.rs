//! The licence rule: an organization's accounts may hold sessions only
//! while its `licenseStatus` is `active` and its `licenseExpiry` is ahead.
//! Logins, refreshes and the routes that change a licence apply the same rule.

use mongodb::bson::Document;
use time::{
    Date, OffsetDateTime, format_description::well_known::Rfc3339, macros::format_description,
};

use shared::http::{ApiError, ErrorCode};

/// Refuses an organization whose license is not active or has expired.
/// Called only after the password was verified, so it reveals nothing to a
/// caller who does not already hold the credentials.
pub fn ensure_licensed(org: &Document) -> Result<(), ApiError> {
    let status = org.get_str("licenseStatus").unwrap_or("missing");
    if status != "active" {
        return Err(ApiError::forbidden(format!(
            "The organization's license is {status}; contact AvaOne support to reactivate it."
        )));
    }
    let raw = org.get_str("licenseExpiry").unwrap_or_default();
    match parse_expiry(raw) {
        Some(expiry) if expiry > OffsetDateTime::now_utc() => Ok(()),
        Some(_) => Err(ApiError::forbidden(format!(
            "The organization's license expired on {raw}; contact AvaOne support to renew it."
        ))),
        None => Err(ApiError::forbidden(
            "The organization's license has no valid expiry date; contact AvaOne support.",
        )),
    }
}

/// Whether the organization is licensed (as [`ensure_licensed`]) and has
/// `product` among its `selectedProducts`: what a product's routes ask
/// before serving an organization (e.g. transit for a bus company).
pub fn ensure_licensed_for(org: &Document, product: &str) -> Result<(), ApiError> {
    ensure_licensed(org)?;
    let has = org
        .get_array("selectedProducts")
        .is_ok_and(|products| products.iter().any(|p| p.as_str() == Some(product)));
    if has {
        Ok(())
    } else {
        Err(ApiError::refused(
            ErrorCode::ProductNotLicensed,
            format!(
                "The organization is not licensed for {product}; contact AvaOne support to add it."
            ),
        ))
    }
}

/// `licenseExpiry` is an RFC 3339 timestamp or a plain date (valid through
/// the end of that day, UTC).
fn parse_expiry(value: &str) -> Option<OffsetDateTime> {
    if let Ok(t) = OffsetDateTime::parse(value, &Rfc3339) {
        return Some(t);
    }
    let date = Date::parse(value, format_description!("[year]-[month]-[day]")).ok()?;
    date.next_day().map(|d| d.midnight().assume_utc())
}

#[cfg(test)]
mod tests {
    use super::*;
    use mongodb::bson::doc;

    fn org(status: &str, expiry: &str) -> Document {
        doc! { "licenseStatus": status, "licenseExpiry": expiry }
    }

    #[test]
    fn a_product_needs_the_licence_and_the_product() {
        let mut licensed = org("active", "2999-01-01");
        licensed.insert("selectedProducts", vec!["workspace", "transit"]);
        assert!(ensure_licensed_for(&licensed, "transit").is_ok());
        let err = ensure_licensed_for(&licensed, "voice").unwrap_err();
        assert_eq!(err.status(), 403);
        assert!(err.message().contains("voice"));
        let mut lapsed = org("suspended", "2999-01-01");
        lapsed.insert("selectedProducts", vec!["transit"]);
        assert!(ensure_licensed_for(&lapsed, "transit").is_err());
    }

    #[test]
    fn license_rules() {
        assert!(ensure_licensed(&org("active", "2999-01-01")).is_ok());
        assert!(ensure_licensed(&org("active", "2999-01-01T00:00:00Z")).is_ok());
        for (status, expiry, says) in [
            ("active", "2001-01-01", "expired on 2001-01-01"),
            ("suspended", "2999-01-01", "suspended"),
            ("paused", "2999-01-01", "paused"),
            ("expired", "2999-01-01", "expired"),
            ("active", "soon", "no valid expiry"),
        ] {
            let err = ensure_licensed(&org(status, expiry)).unwrap_err();
            assert_eq!(err.status().as_u16(), 403);
            assert!(err.message().contains(says), "{status}/{expiry}: {err}");
        }
        assert!(ensure_licensed(&doc! {}).is_err());
    }
}
