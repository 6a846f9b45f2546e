//! Field limits, declared once: in the request type's OpenAPI schema
//! (`#[schema(max_length = 80)]`, `min_length`, `minimum`, `maximum`,
//! `max_items`, `min_items`). [`check`] enforces what the schema declares,
//! so the document a client reads and the 400 it gets cannot disagree, and
//! a handler's `Validate` keeps only the rules a schema cannot say (an
//! email's shape, a choice among values, a rule across fields).

use serde_json::Value;
use utoipa::{
    Number,
    openapi::{
        RefOr,
        schema::{ArrayItems, Schema},
    },
};

use super::Violations;

/// Every limit of `T`'s schema that `body` (the request's JSON object)
/// breaks, one violation per field, named by its JSON path.
pub fn check<T: utoipa::ToSchema>(body: &Value, v: &mut Violations) {
    check_value(&T::schema(), body, "", v);
}

fn check_value(schema: &RefOr<Schema>, value: &Value, field: &str, v: &mut Violations) {
    let RefOr::T(schema) = schema else {
        return; // another component: its own type checks its own fields
    };
    match (schema, value) {
        (Schema::Object(object), Value::Object(fields)) => {
            for (name, property) in &object.properties {
                if let Some(value) = fields.get(name) {
                    check_value(property, value, &join(field, name), v);
                }
            }
        }
        (Schema::Object(object), Value::String(text)) => {
            let n = text.chars().count();
            let (min, max) = (object.min_length, object.max_length);
            if min.is_some_and(|m| n < m) || max.is_some_and(|m| n > m) {
                v.add(field, length_rule(min, max, "characters"));
            }
        }
        (Schema::Object(object), Value::Number(number)) => {
            let Some(n) = number.as_f64() else { return };
            let (min, max) = (object.minimum.as_ref(), object.maximum.as_ref());
            if min.is_some_and(|m| n < as_f64(m)) || max.is_some_and(|m| n > as_f64(m)) {
                v.add(field, range_rule(min, max));
            }
        }
        (Schema::Array(array), Value::Array(items)) => {
            let n = items.len();
            let (min, max) = (array.min_items, array.max_items);
            if min.is_some_and(|m| n < m) || max.is_some_and(|m| n > m) {
                v.add(field, length_rule(min, max, "items"));
            }
            if let ArrayItems::RefOrSchema(item) = &array.items {
                for (i, value) in items.iter().enumerate() {
                    check_value(item, value, &format!("{field}[{i}]"), v);
                }
            }
        }
        // `Option<T>` of a component or a union: each branch's own type checks it.
        _ => {}
    }
}

fn join(parent: &str, name: &str) -> String {
    if parent.is_empty() {
        name.to_owned()
    } else {
        format!("{parent}.{name}")
    }
}

fn as_f64(n: &Number) -> f64 {
    match n {
        Number::Int(i) => *i as f64,
        Number::UInt(u) => *u as f64,
        Number::Float(f) => *f,
    }
}

fn shown(n: &Number) -> String {
    match n {
        Number::Int(i) => i.to_string(),
        Number::UInt(u) => u.to_string(),
        Number::Float(f) => f.to_string(),
    }
}

fn length_rule(min: Option<usize>, max: Option<usize>, unit: &str) -> String {
    match (min, max) {
        (Some(1), Some(max)) => format!("must be 1 to {max} {unit}"),
        (Some(min), Some(max)) => format!("must be {min} to {max} {unit}"),
        (Some(1), None) if unit == "characters" => "must not be empty".to_owned(),
        (Some(min), None) => format!("must be at least {min} {unit}"),
        (None, Some(max)) => format!("must be at most {max} {unit}"),
        (None, None) => String::new(),
    }
}

fn range_rule(min: Option<&Number>, max: Option<&Number>) -> String {
    match (min, max) {
        (Some(min), Some(max)) => format!("must be between {} and {}", shown(min), shown(max)),
        (Some(min), None) => format!("must be at least {}", shown(min)),
        (None, Some(max)) => format!("must be at most {}", shown(max)),
        (None, None) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[derive(utoipa::ToSchema)]
    #[allow(dead_code)]
    struct Form {
        #[schema(max_length = 5)]
        name: String,
        #[schema(min_length = 2, max_length = 4)]
        code: Option<String>,
        #[schema(minimum = 1, maximum = 10)]
        count: Option<u32>,
        #[schema(max_items = 2)]
        tags: Vec<String>,
    }

    fn broken(body: Value) -> Vec<(String, String)> {
        let mut v = Violations::default();
        check::<Form>(&body, &mut v);
        let mut errors: Vec<_> = v.0.into_iter().map(|e| (e.field, e.message)).collect();
        errors.sort();
        errors
    }

    #[test]
    fn what_the_schema_declares_is_what_is_enforced() {
        assert!(broken(json!({"name": "Ana", "code": "ab", "count": 3, "tags": []})).is_empty());
        let errors =
            broken(json!({"name": "Anastasia", "code": "a", "count": 11, "tags": ["a", "b", "c"]}));
        assert_eq!(
            errors,
            [
                ("code".to_owned(), "must be 2 to 4 characters".to_owned()),
                ("count".to_owned(), "must be between 1 and 10".to_owned()),
                ("name".to_owned(), "must be at most 5 characters".to_owned()),
                ("tags".to_owned(), "must be at most 2 items".to_owned()),
            ]
        );
        // Characters, not bytes: five accented letters fit in five.
        assert!(broken(json!({"name": "ÁÉÍÓÚ"})).is_empty());
        // Absent and null fields are the type's business, not a limit's.
        assert!(broken(json!({"code": null})).is_empty());
    }
}
