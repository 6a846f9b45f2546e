//! Auth domain (DESIGN.md §3 `auth` rows, identity model §5). One module per
//! concern; the binaries in `src/bin/` wire one route each.
//!
//! | route | handler |
//! |---|---|
//! | POST /auth/admin/login | [`login::admin`] |
//! | POST /auth/organization/login | [`login::organization`] |
//! | POST /auth/workspace/login | [`login::workspace`] |
//! | POST /auth/debug/login (local) | [`debug_login::handle`] |
//! | POST /auth/verify-token | [`session::verify_token`] |
//! | POST /auth/refresh-token | [`session::refresh_token`] |
//! | POST /auth/logout | [`session::logout`] |
//! | GET /auth/.well-known/jwks.json | [`session::jwks`] |

pub mod accounts;
pub mod debug_login;
pub mod login;
pub mod login_user;
pub mod openapi;
pub mod session;

/// The envelope's `service` for every auth route.
pub const SERVICE: &str = "auth-service";
