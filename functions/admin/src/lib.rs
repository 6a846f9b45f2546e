//! Admin domain (DESIGN.md §3 `admin` rows). One module per route; the
//! binaries in `src/bin/` only wire a route's handler to the runtime.

pub mod health;

/// The envelope's `service` for every admin route.
pub const SERVICE: &str = "admin-service";
