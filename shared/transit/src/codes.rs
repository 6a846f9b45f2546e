//! Ticket codes (invariant 4, TRANSIT.md §7): a compact EdDSA JWS per
//! ticket, signed with transit's own key set (never the access tokens'),
//! for its own audience, carrying only the ticket, trip, seat, segment and
//! validity window — no personal data. A conductor's device verifies it
//! with `/ticket-keys` alone.
//!
//! Ed25519 signatures are deterministic, so a ticket's code is signed
//! whenever it is shown (ticket, QR, e-ticket mail) and is the same each
//! time while the active key is. Rotation: a new active key signs from
//! then on; the old one stays in the public key set until every trip it
//! signed for is over, so a ticket bought before keeps boarding.

use jiff::{SignedDuration, Timestamp};
use mongodb::bson::Document;
use serde::{Deserialize, Serialize};
use shared::{
    App,
    config::SecretKind,
    http::ApiError,
    identity::jwt::{Audience, TokenRejected},
};

use crate::zone;

/// `TICKET_SIGNING_KEYS_SECRET_ID`: `jwtSigningKeys: [{kid, privateKeyPem}]`
/// and `jwtActiveKid`. Only the functions that show codes.
pub const SIGNING_KEYS: SecretKind = SecretKind::new("TICKET_SIGNING_KEYS_SECRET_ID");
/// `TICKET_KEYS_SECRET_ID`: `jwtPublicKeys: [{kid, publicKeyPem}]`, every
/// key that signed a ticket whose trip is not over: `/ticket-keys` and
/// the scanning functions.
pub const PUBLIC_KEYS: SecretKind = SecretKind::new("TICKET_KEYS_SECRET_ID");
/// The `aud` of every ticket code (an access token's is different).
pub const AUDIENCE: &str = "avaone-transit-ticket";
/// How long after the scheduled arrival at its `to` stop a ticket still
/// boards (a late bus).
pub const GRACE_AFTER_ARRIVAL: SignedDuration = SignedDuration::from_hours(6);

/// A ticket code's claims.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketClaims {
    pub iss: String,
    pub aud: String,
    /// The ticket.
    pub tid: String,
    /// The trip it boards.
    pub trp: String,
    pub seat: String,
    /// The stop ids of its segment.
    pub from: String,
    pub to: String,
    /// Valid from its issue…
    pub nbf: i64,
    /// …until the scheduled arrival at `to` plus [`GRACE_AFTER_ARRIVAL`].
    pub exp: i64,
}

/// Why a code does not board (the scan's 422 `data.reason`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Invalid {
    /// Not signed by a ticket key, altered, malformed, or not a ticket (an
    /// access token).
    Signature,
    /// The ticket was voided (its booking cancelled or refunded).
    Void,
    /// It is a ticket for another trip.
    OtherTrip,
    /// Scanned before its issue or after its window closed.
    OutsideValidity,
    /// An offline scan of a trip the device's user may not board (another
    /// company's, or reassigned since): not judged, nothing recorded.
    NotYourTrip,
}

impl Invalid {
    pub fn as_str(self) -> &'static str {
        match self {
            Invalid::Signature => "signature",
            Invalid::Void => "void",
            Invalid::OtherTrip => "other_trip",
            Invalid::OutsideValidity => "outside_validity",
            Invalid::NotYourTrip => "not_your_trip",
        }
    }
}

fn audience(app: &App) -> Audience {
    Audience {
        issuer: app.config.identity.issuer.clone(),
        audience: AUDIENCE.to_owned(),
        leeway: app.config.identity.leeway,
    }
}

/// The end of a ticket's window: the scheduled arrival at its `to` stop
/// (the booking's `arrivalAt`; bookings made before it was kept have the
/// trip's `tripArrivalAt`, later or equal) plus the grace.
pub fn valid_until(booking: &Document) -> Result<Timestamp, ApiError> {
    let arrival = booking
        .get_datetime("arrivalAt")
        .or_else(|_| booking.get_datetime("tripArrivalAt"))
        .map(|t| zone::from_bson(*t))
        .map_err(|_| {
            ApiError::internal(format!(
                "booking {} has no arrival",
                booking.get_str("id").unwrap_or_default()
            ))
        })?;
    Ok(arrival + GRACE_AFTER_ARRIVAL)
}

/// The claims of a stored ticket (`transit.tickets`).
pub fn claims_of(app: &App, ticket: &Document) -> Result<TicketClaims, ApiError> {
    let text = |k: &str| ticket.get_str(k).unwrap_or_default().to_owned();
    let instant = |k: &str| {
        ticket
            .get_datetime(k)
            .map(|t| zone::from_bson(*t).as_second())
            .map_err(|_| ApiError::internal(format!("ticket {} has no {k}", text("id"))))
    };
    let audience = audience(app);
    Ok(TicketClaims {
        iss: audience.issuer,
        aud: audience.audience,
        tid: text("id"),
        trp: text("tripId"),
        seat: text("seat"),
        from: text("fromStopId"),
        to: text("toStopId"),
        nbf: instant("createdAt")?,
        exp: instant("validUntil")?,
    })
}

/// A stored ticket's code, signed with the active ticket key. A ticket
/// issued before tickets kept their window gets it from its booking.
pub async fn sign(app: &App, ticket: &Document) -> Result<String, ApiError> {
    let mut ticket = ticket.clone();
    if ticket.get_datetime("validUntil").is_err() {
        let booking_id = ticket.get_str("bookingId").unwrap_or_default();
        let booking = crate::bookings::find(app, booking_id)
            .await?
            .ok_or_else(|| {
                ApiError::internal(format!("ticket of a missing booking {booking_id}"))
            })?;
        ticket.insert("validUntil", zone::bson(valid_until(&booking)?));
    }
    let claims = claims_of(app, &ticket)?;
    app.keyring_of(SIGNING_KEYS).await?.sign(&claims)
}

/// The claims of `code` if a ticket key signed it for tickets and it is
/// inside its window at `at`. Void and trip are the scan's to check.
pub async fn verify(app: &App, code: &str, at: Timestamp) -> Result<TicketClaims, Verdict> {
    let ring = app.keyring_of(PUBLIC_KEYS).await.map_err(Verdict::Error)?;
    ring.verify_at::<TicketClaims>(code.trim(), audience(app), at.as_second())
        .map_err(|rejected| {
            tracing::info!(reason = rejected.as_str(), "ticket code refused");
            Verdict::Invalid(match rejected {
                TokenRejected::Expired | TokenRejected::NotYetValid => Invalid::OutsideValidity,
                _ => Invalid::Signature,
            })
        })
}

/// A code that does not verify: refused, or the keys could not be read.
#[derive(Debug)]
pub enum Verdict {
    Invalid(Invalid),
    Error(ApiError),
}
