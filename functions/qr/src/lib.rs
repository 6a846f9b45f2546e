//! Transit's day of travel (TRANSIT.md §2, invariant 4): a ticket's signed
//! code and its QR image, the public keys that verify codes offline,
//! boarding scans (online, and an offline device's batch) and the trip's
//! manifest.
//!
//! | route | handler | auth |
//! |---|---|---|
//! | GET /transit/ticket-keys | [`keys::list`] | - |
//! | GET /transit/tickets/{id} | [`tickets::get`] | p / ou |
//! | GET /transit/tickets/{id}/qr | [`tickets::qr`] | p / ou |
//! | POST /transit/tickets/scan | [`scan::scan`] | d |
//! | POST /transit/tickets/scans | [`scan::sync`] | d |
//! | GET /transit/trips/{id}/manifest | [`manifest::get`] | d |

pub mod gate;
pub mod keys;
pub mod manifest;
pub mod openapi;
pub mod scan;
pub mod tickets;

/// The envelope's `service` for every route here.
pub const SERVICE: &str = "qr-service";
