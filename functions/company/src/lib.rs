//! Transit bus companies (TRANSIT.md §2): what a company sets up before it
//! sells a seat. A company is an organization licensed for `transit`; every
//! route passes [`access::company`], which checks the caller's role and
//! licence and scopes every query to the caller's company.
//!
//! | route | handler | auth |
//! |---|---|---|
//! | GET, PUT /transit/company | [`settings::get`], [`settings::update`] | ou / oa |
//! | GET /transit/company/dashboard | [`dashboard::get`] | ou |
//! | GET /transit/stops | [`stops::search`] | public |
//! | POST, PUT, DELETE /transit/stops | [`stops::create`], [`stops::update`], [`stops::delete`] | oa |
//! | GET, POST /transit/buses; PUT, DELETE /{id} | [`buses`] | ou / oa |
//! | GET, POST /transit/routes; PUT, DELETE /{id} | [`routes`] | ou / oa |
//! | GET, POST /transit/drivers; PUT, DELETE /{id} | [`drivers`] | ou / oa |
//! | GET, POST /transit/schedules; DELETE /{id} | [`schedules`] | ou / oa |
//! | GET, POST /transit/trips; GET, PUT /{id}; POST /{id}/cancel | [`trips`] | ou / oa |
//! | (daily) generate-trips | [`generate::generate_trips`] | schedule |

pub mod access;
pub mod buses;
pub mod dashboard;
pub mod drivers;
pub mod generate;
pub mod openapi;
pub mod owned;
pub mod routes;
pub mod schedules;
pub mod settings;
pub mod stops;
pub mod trips;

/// The envelope's `service` for every company route.
pub const SERVICE: &str = "company-service";
