//! The OpenAPI document: checked in and current, and describing exactly the
//! routes template.yaml deploys, each with its auth, responses and envelope.

use std::{collections::BTreeSet, fs};

use serde_json::Value;
use serde_yaml::Value as Yaml;
use workspace_tests::{openapi, repo_root};

fn checked_in() -> String {
    fs::read_to_string(repo_root().join(openapi::PATH)).unwrap_or_default()
}

#[test]
fn checked_in_document_is_current() {
    assert!(
        checked_in() == openapi::render(),
        "{} is out of date: run `make openapi` and commit it",
        openapi::PATH
    );
}

/// (METHOD, path under /api/v1, binary, public) for every HttpApi route.
fn template_routes() -> Vec<(String, String, String, bool)> {
    let text = fs::read_to_string(repo_root().join("template.yaml")).unwrap();
    let doc: Yaml = serde_yaml::from_str(&text).unwrap();
    let mut routes = Vec::new();
    for (_, resource) in doc["Resources"].as_mapping().unwrap() {
        let Some(events) = resource["Properties"]["Events"].as_mapping() else {
            continue;
        };
        let binary = resource["Metadata"]["BuildProperties"]["Binary"]
            .as_str()
            .unwrap();
        for (_, event) in events {
            if event["Type"].as_str() != Some("HttpApi") {
                continue;
            }
            let p = &event["Properties"];
            let path = p["Path"].as_str().unwrap();
            // API Gateway's catch-all answers routes that do not exist; it
            // is not an operation of the document.
            if path == "$default" {
                continue;
            }
            routes.push((
                p["Method"].as_str().unwrap().to_ascii_lowercase(),
                path.strip_prefix("/api/v1")
                    .expect("under /api/v1")
                    .to_owned(),
                binary.to_owned(),
                p["Auth"]["Authorizer"].as_str() == Some("NONE"),
            ));
        }
    }
    routes
}

#[test]
fn every_deployed_route_is_described_with_its_auth() {
    let doc: Value = serde_json::from_str(&openapi::render()).unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["servers"][0]["url"], "/api/v1");
    let routes = template_routes();
    assert!(routes.len() > 40, "template routes were found");
    for (method, path, binary, public) in &routes {
        let op = &doc["paths"][path][method];
        assert!(
            op.is_object(),
            "{method} {path} ({binary}) is not in the document"
        );
        assert_eq!(op["operationId"], *binary, "{method} {path}: operationId");
        let secured = op["security"]
            .as_array()
            .is_some_and(|s| s.iter().any(|r| r.get("bearerAuth").is_some()));
        assert_eq!(
            secured, !public,
            "{method} {path}: bearerAuth iff the route has the authorizer"
        );
        if secured {
            for status in ["401", "403"] {
                assert!(
                    op["responses"][status].is_object(),
                    "{method} {path}: no {status}"
                );
            }
        }
    }
    let deployed: BTreeSet<_> = routes
        .iter()
        .map(|(m, p, ..)| (m.clone(), p.clone()))
        .collect();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            assert!(
                deployed.contains(&(method.clone(), path.clone())),
                "{method} {path} is documented but not deployed"
            );
        }
    }
}

#[test]
fn every_schema_reference_resolves() {
    let text = openapi::render();
    let doc: Value = serde_json::from_str(&text).unwrap();
    let prefix = "\"#/components/schemas/";
    for piece in text.split(prefix).skip(1) {
        let name = &piece[..piece.find('"').unwrap()];
        assert!(
            doc["components"]["schemas"][name].is_object(),
            "#/components/schemas/{name} is referenced but not defined"
        );
    }
}

#[test]
fn every_operation_answers_json_and_documents_its_errors() {
    let doc: Value = serde_json::from_str(&openapi::render()).unwrap();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let responses = op["responses"].as_object().unwrap();
            // A redirect (the profile-image route) succeeds with a 3xx.
            let success: Vec<_> = responses
                .keys()
                .filter(|s| s.starts_with('2') || s.starts_with('3'))
                .collect();
            assert!(!success.is_empty(), "{method} {path}: no 2xx/3xx response");
            for (status, response) in responses {
                // An image route (a ticket's QR) answers the image itself.
                let image = response["content"]
                    .as_object()
                    .is_some_and(|c| !c.is_empty() && c.keys().all(|k| k.starts_with("image/")));
                if status.starts_with('2') && image {
                    continue;
                }
                let schema = &response["content"]["application/json"]["schema"];
                assert!(
                    schema.is_object(),
                    "{method} {path} {status}: no application/json schema"
                );
                if status == "default" || status.starts_with('4') || status.starts_with('5') {
                    // Failure, or an envelope that adds typed `data` to it
                    // (health's 503 carries the report).
                    let name = schema["$ref"]
                        .as_str()
                        .and_then(|r| r.strip_prefix("#/components/schemas/"))
                        .unwrap_or_else(|| panic!("{method} {path} {status}: not a named schema"));
                    let required = &doc["components"]["schemas"][name]["required"];
                    for field in ["success", "error", "code", "requestId"] {
                        assert!(
                            required
                                .as_array()
                                .is_some_and(|r| r.contains(&Value::from(field))),
                            "{method} {path} {status}: {name} is not the error envelope (no {field})"
                        );
                    }
                }
            }
            assert!(
                responses.contains_key("default"),
                "{method} {path}: no default"
            );
            assert!(op["summary"].is_string(), "{method} {path}: no summary");
        }
    }
}

/// Merging the domains' parts keeps one schema per name: two domains that
/// name different schemas alike would silently describe one route with
/// the other's type. Each name means one schema.
#[test]
fn no_two_domains_name_different_schemas_alike() {
    let mut seen: std::collections::BTreeMap<String, String> = Default::default();
    let mut clashes = Vec::new();
    for part in openapi::parts() {
        for (name, schema) in part.components.map(|c| c.schemas).unwrap_or_default() {
            let text = serde_json::to_string(&schema).unwrap();
            match seen.get(&name) {
                Some(other) if *other != text => clashes.push(name),
                Some(_) => {}
                None => {
                    seen.insert(name, text);
                }
            }
        }
    }
    assert!(
        clashes.is_empty(),
        "schemas named alike by different domains: {clashes:?}"
    );
}
