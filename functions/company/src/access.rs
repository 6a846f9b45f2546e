//! Who may act on which company: the gate lives with what the transit
//! domains share ([`transit::access`]); fleet documents get their ids here.

pub use transit::access::{Company, Need, company};

/// A new document id.
pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}
