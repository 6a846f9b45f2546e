//! Tenancy: the organizations AvaOne serves and the people in them, shared by
//! every domain that needs to know who belongs where (the suite's org, user,
//! auth, analytics and admin domains; transit's companies are organizations
//! too). Domains never import each other; what they share about tenants
//! lives here, between the kit (`shared`) and the domains.
//!
//! - [`model`]: the stored organization and user documents, their public
//!   views and the rules for their fields.
//! - [`members`]: adding users within an organization's user limit.
//! - [`licence`]: whether an organization may hold sessions, and whether it
//!   is licensed for a product.
//! - [`scope`]: which organization a request may act on.
//! - [`store`]: where organizations and their users are kept; domains read
//!   and write them only through it.

pub mod licence;
pub mod members;
pub mod model;
pub mod scope;
pub mod store;
