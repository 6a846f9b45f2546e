//! Transit ticketing (TRANSIT.md §2): what a passenger searches, holds and
//! buys, and what staff sell at the counter. Seats are taken only through
//! the inventory's conditional transactions ([`transit::inventory`]), so no
//! seat's leg is ever sold twice (invariant 1).
//!
//! | route | handler | auth |
//! |---|---|---|
//! | GET /transit/trips/search | [`search::search`] | public |
//! | GET /transit/trips/{id}/seats | [`seats::get`] | public |
//! | POST /transit/bookings | [`bookings::create`] | p |
//! | GET /transit/bookings/{id} | [`bookings::get`] | p / ou |
//! | GET /transit/bookings | [`bookings::list_company`] | ou |
//! | GET /transit/me/bookings | [`bookings::list_mine`] | p |
//! | POST /transit/bookings/{id}/cancel | [`cancel::cancel`] | p / oa |
//! | POST /transit/counter-sales | [`counter::sell`] | ou |
//! | (every 5 min) expire-holds | [`expire::expire_holds`] | schedule |

pub mod book;
pub mod bookings;
pub mod cancel;
pub mod counter;
pub mod expire;
pub mod openapi;
pub mod ride;
pub mod search;
pub mod seats;

/// The envelope's `service` for every ticketing route.
pub const SERVICE: &str = "ticketing-service";
