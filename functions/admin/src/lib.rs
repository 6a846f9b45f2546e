//! Admin domain (DESIGN.md §3 `admin` rows). The binaries in `src/bin/`
//! only wire a route's handler to the runtime.
//!
//! | route | handler | auth |
//! |---|---|---|
//! | GET /health | [`health::handle`] | public |
//! | GET /admin/leads | [`leads::handle`] | sa |
//! | GET /admin/debug | [`debug::debug`] | sa |
//! | GET /admin/debug/credentials | [`debug::credentials`] | sa |
//! | GET /admin/debug/db-health | [`debug::db_health`] | sa |
//! | POST /admin/setup-test-data | [`dev::setup_test_data`] | sa, local stacks only |
//! | POST /admin/test/{check} | [`dev::run_check`] | sa, local stacks only |
//! | $default (any unmatched route) | [`not_found::handle`] | public |

pub mod debug;
pub mod dev;
pub mod document;
pub mod health;
pub mod leads;
pub mod not_found;
pub mod openapi;

/// The envelope's `service` for every admin route.
pub const SERVICE: &str = "admin-service";
