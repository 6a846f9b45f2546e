//! What content may be stored: MongoDB keeps object keys as C strings and
//! reserves `$`-prefixed names for operators.

use serde_json::{Map, Value};
use shared::http::{Validate, Violations};

use super::SectionContent;

/// MongoDB stores object keys as C strings and reserves `$`-prefixed names
/// for operators, so neither may reach the driver from free-form content:
/// names the first such key (`body.a.b`) so the client can fix it.
fn unstorable_key(path: &str, map: &Map<String, Value>) -> Option<String> {
    map.iter().find_map(|(key, inner)| {
        let here = format!("{path}.{key}");
        if key.contains('\0') || key.starts_with('$') {
            Some(here)
        } else {
            nested_unstorable_key(&here, inner)
        }
    })
}

fn nested_unstorable_key(path: &str, value: &Value) -> Option<String> {
    match value {
        Value::Object(map) => unstorable_key(path, map),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, inner)| nested_unstorable_key(&format!("{path}.{i}"), inner)),
        _ => None,
    }
}

pub(super) fn check_content(v: &mut Violations, field: &str, content: &Map<String, Value>) {
    if let Some(key) = unstorable_key(field, content) {
        v.add(
            &key,
            "object keys may not contain a NUL character or start with '$'",
        );
    }
}

impl Validate for SectionContent {
    fn validate(&self, v: &mut Violations) {
        check_content(v, "body", &self.0);
    }
}
