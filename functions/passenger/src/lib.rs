//! Transit passengers (TRANSIT.md §2 `/auth/*` and `/me`): global accounts,
//! self-registered by e-mail. One module per concern; the binaries in
//! `src/bin/` wire one route each.
//!
//! | route | handler | auth |
//! |---|---|---|
//! | POST /transit/auth/register | [`register::register`] | public |
//! | POST /transit/auth/verify-email | [`register::verify_email`] | public |
//! | POST /transit/auth/login | [`login::login`] | public |
//! | POST /transit/auth/forgot-password | [`password::forgot`] | public |
//! | POST /transit/auth/reset-password | [`password::reset`] | public |
//! | GET /transit/me | [`profile::get`] | p |
//! | PUT /transit/me | [`profile::update`] | p |
//! | GET /transit/me/dashboard | [`dashboard::get`] | p |
//!
//! No answer reveals whether an address is registered: register and
//! forgot-password answer 202 alike, and a wrong code reads the same as a
//! code for an unknown address. Passenger tokens are ordinary session
//! tokens (`AccountKind::Passenger`): the suite's refresh, logout and
//! verify-token routes take them unchanged.

pub mod abuse;
pub mod account;
pub mod codes;
pub mod dashboard;
pub mod login;
pub mod mails;
pub mod openapi;
pub mod password;
pub mod profile;
pub mod register;

/// The envelope's `service` for every passenger route.
pub const SERVICE: &str = "passenger-service";
