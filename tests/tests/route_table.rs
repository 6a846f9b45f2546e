//! Route-table consistency: the declarations (functions/*/functions.toml),
//! template.yaml's HttpApi events, the `cargo lambda watch` router table in
//! Cargo.toml, the binaries under functions/*/src/bin and the events/ files
//! must describe the same functions and routes. `make functions` writes the
//! pieces that follow from a declaration; this test catches a hand edit
//! that drifts, naming the route.

use std::{
    collections::{BTreeMap, BTreeSet},
    fs,
};

use serde_yaml::Value as Yaml;
use workspace_tests::repo_root;

/// `METHOD /path` → binary name.
type Routes = BTreeMap<String, String>;

fn route_key(method: &str, path: &str) -> String {
    format!("{} {}", method.to_ascii_uppercase(), path)
}

/// API Gateway's catch-all route, and its spelling in the watch router
/// (a matchit catch-all served to every method).
const DEFAULT_ROUTE: &str = "ANY $default";
const ROUTER_CATCH_ALL: &str = "/{*path}";

/// Template functions: binary → its HttpApi routes (empty for non-route
/// functions such as the authorizer).
fn template_functions() -> BTreeMap<String, Vec<String>> {
    let text = fs::read_to_string(repo_root().join("template.yaml")).unwrap();
    let doc: Yaml = serde_yaml::from_str(&text).expect("template.yaml parses");
    let mut functions = BTreeMap::new();
    for (logical_id, resource) in doc["Resources"].as_mapping().unwrap() {
        if resource["Type"].as_str() != Some("AWS::Serverless::Function") {
            continue;
        }
        let id = logical_id.as_str().unwrap();
        let binary = resource["Metadata"]["BuildProperties"]["Binary"]
            .as_str()
            .unwrap_or_else(|| panic!("{id}: Metadata.BuildProperties.Binary is missing"));
        assert_eq!(
            resource["Metadata"]["BuildMethod"].as_str(),
            Some("rust-cargolambda"),
            "{id}: BuildMethod must be rust-cargolambda"
        );
        let mut routes = Vec::new();
        if let Some(events) = resource["Properties"]["Events"].as_mapping() {
            for (_, event) in events {
                if event["Type"].as_str() == Some("HttpApi") {
                    let p = &event["Properties"];
                    routes.push(route_key(
                        p["Method"].as_str().unwrap(),
                        p["Path"].as_str().unwrap(),
                    ));
                }
            }
        }
        assert!(
            functions.insert(binary.to_owned(), routes).is_none(),
            "binary {binary} is used by two template functions"
        );
    }
    functions
}

fn template_routes() -> Routes {
    let mut routes = Routes::new();
    for (binary, keys) in template_functions() {
        for key in keys {
            if let Some(other) = routes.insert(key.clone(), binary.clone()) {
                panic!("{key}: routed to both {other} and {binary} in template.yaml");
            }
        }
    }
    routes
}

fn router_routes() -> Routes {
    let text = fs::read_to_string(repo_root().join("Cargo.toml")).unwrap();
    let doc: toml::Table = toml::from_str(&text).unwrap();
    let router = doc["workspace"]["metadata"]["lambda"]["watch"]["router"]
        .as_table()
        .expect("[workspace.metadata.lambda.watch.router] exists");
    let mut routes = Routes::new();
    for (path, entries) in router {
        if path == ROUTER_CATCH_ALL {
            let function = entries
                .as_str()
                .unwrap_or_else(|| panic!("router {path}: one function for every method"));
            routes.insert(DEFAULT_ROUTE.to_owned(), function.to_owned());
            continue;
        }
        let entries = entries
            .as_array()
            .unwrap_or_else(|| panic!("router {path}: use the [{{ method, function }}] form"));
        for entry in entries {
            let key = route_key(entry["method"].as_str().unwrap(), path);
            let function = entry["function"].as_str().unwrap().to_owned();
            if let Some(other) = routes.insert(key.clone(), function.clone()) {
                panic!("{key}: listed twice in the router table ({other}, {function})");
            }
        }
    }
    routes
}

/// binary name → domain crate directory.
fn binaries() -> BTreeMap<String, String> {
    let mut found = BTreeMap::new();
    for domain in fs::read_dir(repo_root().join("functions")).unwrap() {
        let domain = domain.unwrap();
        let bin_dir = domain.path().join("src/bin");
        let Ok(entries) = fs::read_dir(&bin_dir) else {
            continue;
        };
        let domain_name = domain.file_name().to_string_lossy().into_owned();
        for entry in entries {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "rs") {
                let name = path.file_stem().unwrap().to_string_lossy().into_owned();
                assert!(
                    name.chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                    "binary {name} must be kebab-case"
                );
                if let Some(other) = found.insert(name.clone(), domain_name.clone()) {
                    panic!(
                        "binary {name} exists in both functions/{other} and functions/{domain_name}"
                    );
                }
            }
        }
    }
    found
}

/// events/<domain>/<binary>.json → (domain, routeKey if an HTTP event).
fn event_files() -> BTreeMap<String, (String, Option<String>)> {
    let mut found = BTreeMap::new();
    for domain in fs::read_dir(repo_root().join("events")).unwrap() {
        let domain = domain.unwrap();
        let domain_name = domain.file_name().to_string_lossy().into_owned();
        for entry in fs::read_dir(domain.path()).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_stem().unwrap().to_string_lossy().into_owned();
            let json: serde_json::Value = serde_json::from_str(&fs::read_to_string(&path).unwrap())
                .unwrap_or_else(|e| panic!("{}: not JSON: {e}", path.display()));
            // Authorizer events (type REQUEST) carry the route they guard, not their own.
            let is_authorizer_event = json["type"] == "REQUEST";
            let key = json["routeKey"]
                .as_str()
                .filter(|_| !is_authorizer_event)
                .map(str::to_owned);
            // An event of the `$default` route carries that routeKey and any method.
            let key = key.map(|k| {
                if k == "$default" {
                    DEFAULT_ROUTE.to_owned()
                } else {
                    k
                }
            });
            if let Some(key) = key.as_deref().filter(|k| *k != DEFAULT_ROUTE) {
                let (method, p) = key.split_once(' ').unwrap();
                assert_eq!(
                    json["requestContext"]["http"]["method"],
                    method,
                    "{}: method",
                    path.display()
                );
                assert_eq!(
                    json["requestContext"]["routeKey"],
                    key,
                    "{}: requestContext.routeKey",
                    path.display()
                );
                assert!(!p.is_empty());
            }
            found.insert(name, (domain_name.clone(), key));
        }
    }
    found
}

/// A function as its crate declares it.
struct Declared {
    domain: String,
    handler: String,
    route: Option<String>,
}

/// binary → its declaration in functions/<domain>/functions.toml.
fn declarations() -> BTreeMap<String, Declared> {
    let mut found = BTreeMap::new();
    for domain in fs::read_dir(repo_root().join("functions")).unwrap() {
        let domain = domain.unwrap();
        let path = domain.path().join("functions.toml");
        let domain_name = domain.file_name().to_string_lossy().into_owned();
        let text = fs::read_to_string(&path)
            .unwrap_or_else(|_| panic!("functions/{domain_name}: no functions.toml"));
        let doc: toml::Table = toml::from_str(&text).unwrap();
        for (name, spec) in doc["functions"].as_table().unwrap() {
            let text_of = |key: &str| spec.get(key).and_then(|v| v.as_str()).map(str::to_owned);
            let declared = Declared {
                domain: domain_name.clone(),
                handler: text_of("handler")
                    .unwrap_or_else(|| panic!("{name}: declared without a handler")),
                route: text_of("route"),
            };
            if let Some(other) = found.insert(name.clone(), declared) {
                panic!(
                    "{name}: declared by functions/{} and functions/{domain_name}",
                    other.domain
                );
            }
        }
    }
    found
}

fn drift(a_name: &str, a: &Routes, b_name: &str, b: &Routes) -> Vec<String> {
    let mut problems = Vec::new();
    for (key, function) in a {
        match b.get(key) {
            None => problems.push(format!(
                "{key}: in {a_name} ({function}) but not in {b_name}"
            )),
            Some(other) if other != function => problems.push(format!(
                "{key}: {a_name} says {function}, {b_name} says {other}"
            )),
            _ => {}
        }
    }
    problems
}

#[test]
fn template_router_binaries_and_events_agree() {
    let template = template_routes();
    let router = router_routes();
    let functions = template_functions();
    let bins = binaries();
    let events = event_files();
    let declared = declarations();
    assert!(!template.is_empty(), "template.yaml declares no routes");

    let declared_routes: Routes = declared
        .iter()
        .filter_map(|(name, d)| Some((d.route.clone()?, name.clone())))
        .collect();
    let mut problems = drift(
        "functions.toml",
        &declared_routes,
        "template.yaml",
        &template,
    );
    problems.extend(drift(
        "template.yaml",
        &template,
        "functions.toml",
        &declared_routes,
    ));
    for (binary, d) in &declared {
        let main = repo_root().join(format!("functions/{}/src/bin/{binary}.rs", d.domain));
        let handler = format!("{}::{}", d.domain.replace('-', "_"), d.handler);
        match fs::read_to_string(&main) {
            Err(_) => problems.push(format!(
                "{binary}: declared in functions/{}/functions.toml, no {} (run `make functions`)",
                d.domain,
                main.display()
            )),
            Ok(text) if !text.contains(&handler) => problems.push(format!(
                "{binary}: declared with handler {handler}, its main does not run it"
            )),
            _ => {}
        }
    }
    for binary in functions.keys() {
        if !declared.contains_key(binary) {
            problems.push(format!(
                "template function {binary}: not in any functions.toml"
            ));
        }
    }

    problems.extend(drift(
        "template.yaml",
        &template,
        "the watch router table",
        &router,
    ));
    problems.extend(drift(
        "the watch router table",
        &router,
        "template.yaml",
        &template,
    ));

    for binary in functions.keys() {
        if !bins.contains_key(binary) {
            problems.push(format!(
                "template function {binary}: no functions/*/src/bin/{binary}.rs"
            ));
        }
    }
    for (binary, domain) in &bins {
        if !functions.contains_key(binary) {
            problems.push(format!(
                "binary functions/{domain}/src/bin/{binary}.rs: no template.yaml function"
            ));
        }
        match events.get(binary) {
            None => problems.push(format!("binary {binary}: no events/{domain}/{binary}.json")),
            Some((event_domain, _)) if event_domain != domain => problems.push(format!(
                "binary {binary}: event file is under events/{event_domain}, crate is functions/{domain}"
            )),
            _ => {}
        }
    }
    for (name, (domain, key)) in &events {
        if !bins.contains_key(name) {
            problems.push(format!(
                "events/{domain}/{name}.json: no binary named {name}"
            ));
        }
        let routes = functions.get(name).cloned().unwrap_or_default();
        match key {
            Some(key) if !routes.contains(key) => problems.push(format!(
                "{key}: events/{domain}/{name}.json targets it but template.yaml routes {name} to {routes:?}"
            )),
            None if !routes.is_empty() => problems.push(format!(
                "events/{domain}/{name}.json has no routeKey but {name} serves {routes:?}"
            )),
            _ => {}
        }
    }
    // Every route of a binary has an event file: one per binary covers its
    // first route; a binary serving several routes (e.g. GET and PUT) is fine.
    let routed: BTreeSet<&String> = template.values().collect();
    for binary in routed {
        if !events.contains_key(binary) {
            problems.push(format!("{binary}: serves routes but has no events file"));
        }
    }
    problems.sort();
    problems.dedup();
    assert!(
        problems.is_empty(),
        "route table drift:\n  {}",
        problems.join("\n  ")
    );
}

#[test]
fn drift_messages_name_the_route() {
    let mut a = Routes::new();
    a.insert("GET /api/v1/x".into(), "x".into());
    let b = Routes::new();
    let problems = drift("template.yaml", &a, "the watch router table", &b);
    assert_eq!(
        problems,
        ["GET /api/v1/x: in template.yaml (x) but not in the watch router table"]
    );
}
