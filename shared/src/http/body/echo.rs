//! Resources sent back as read: the AvaOne frontend edits what it read and
//! sends the whole object back, fields only the server writes included.

use lambda_http::Request;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::{DEFAULT_BODY_LIMIT, Validate, Violations, checked, decode, json_object_bytes};
use crate::http::error::ApiError;

/// A JSON object body a client may have built from a resource it read: the
/// AvaOne frontend edits an object and sends it back whole, with fields only
/// the server writes (`id`, `createdAt`, ...). [`JsonObject::drop_echoed`]
/// takes out those that still equal the stored values (so they can be
/// listed in `meta.ignoredFields`) and refuses any that differ; the rest is
/// then parsed like any body, unknown fields still refused.
#[derive(Debug)]
pub struct JsonObject(pub(super) Map<String, Value>);

/// Where a field sent back differs from the stored resource.
pub struct Echoed<'a> {
    /// The resource as the client read it (its view, plus `_id` as text when stored).
    pub stored: &'a Map<String, Value>,
    /// Fields only the server writes: ignored when unchanged, refused (400) otherwise.
    pub read_only: &'a [&'a str],
    /// Fields this caller may not change: ignored when unchanged, otherwise
    /// kept so the handler refuses them as it would anyway.
    pub protected: &'a [&'a str],
}

impl JsonObject {
    /// The body of at most [`DEFAULT_BODY_LIMIT`] bytes, checked as [`parse_json`] checks it.
    pub fn from_request(req: &Request) -> Result<Self, ApiError> {
        decode(json_object_bytes(req, DEFAULT_BODY_LIMIT)?).map(JsonObject)
    }

    /// A text field of the body, before parsing (e.g. the key to load the stored resource by).
    pub fn text(&self, field: &str) -> Option<&str> {
        self.0.get(field).and_then(Value::as_str)
    }

    /// Whether the body names `field` (at all, even as `null`).
    pub fn has(&self, field: &str) -> bool {
        self.0.contains_key(field)
    }

    /// Removes the fields sent back unchanged; returns their names, sorted.
    /// A read-only field with another value is a 400 naming it, and nothing
    /// is removed.
    pub fn drop_echoed(&mut self, echoed: Echoed<'_>) -> Result<Vec<String>, ApiError> {
        let mut changed = Violations::default();
        let mut unchanged = Vec::new();
        for field in echoed.read_only.iter().chain(echoed.protected) {
            let Some(sent) = self.0.get(*field) else {
                continue;
            };
            if echoed.stored.get(*field) == Some(sent) {
                unchanged.push((*field).to_owned());
            } else if echoed.read_only.contains(field) {
                changed.add(
                    field,
                    "is read-only: send it back exactly as read (reload it if it changed since), or leave it out",
                );
            }
        }
        changed.into_result()?;
        for field in &unchanged {
            self.0.remove(field);
        }
        unchanged.sort();
        Ok(unchanged)
    }

    /// Parses what is left into `T` and validates it, as [`parse_json`] does.
    pub fn parse<T: DeserializeOwned + Validate + ToSchema>(self) -> Result<T, ApiError> {
        let bytes = serde_json::to_vec(&self.0).map_err(ApiError::internal)?;
        let value: T = decode(&bytes)?;
        checked(value, &Value::Object(self.0))
    }
}
