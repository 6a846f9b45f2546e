//! Organization domain (DESIGN.md §3 `org` rows).
//!
//! | route | handler | auth |
//! |---|---|---|
//! | GET /organizations | [`organizations::list`] | sa |
//! | POST /organizations | [`organizations::create`] | sa |
//! | GET /organizations/{id} | [`organizations::get`] | sa, oa (own) |
//! | PUT /organizations/{id} | [`organizations::update`] | sa (all fields), oa (profile fields) |
//! | DELETE /organizations/{id} | [`organizations::delete`] | sa |
//! | GET /org/{orgName}/users | [`members::list`] | oa |
//! | POST /org/{orgName}/users | [`members::create`] | oa |
//! | GET /org/admin/multi-database-status | [`databases::status`] | sa |
//!
//! `{orgName}` is the organization's `accountId` (the key of its database);
//! `{id}` is the organization's `id`.

pub mod databases;
pub mod members;
pub mod openapi;
pub mod organizations;

pub const SERVICE: &str = "org-service";
