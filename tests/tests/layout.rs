//! The workspace's layout rules (DESIGN.md §1): domain crates never import
//! each other; what two domains share lives in the kit (`shared`) or in a
//! crate made for it (`shared/tenancy`), and those never import a domain.

use std::{collections::BTreeMap, fs, path::Path};

use workspace_tests::repo_root;

/// Package name → its manifest, for every crate under `dir`.
fn manifests(dir: &Path) -> BTreeMap<String, toml::Table> {
    let mut found = BTreeMap::new();
    for entry in fs::read_dir(dir).unwrap() {
        let manifest = entry.unwrap().path().join("Cargo.toml");
        if let Ok(text) = fs::read_to_string(&manifest) {
            let table: toml::Table = toml::from_str(&text).unwrap();
            let name = table["package"]["name"].as_str().unwrap().to_owned();
            found.insert(name, table);
        }
    }
    found
}

/// Every dependency name of a manifest, normal, dev and build.
fn dependencies(manifest: &toml::Table) -> Vec<String> {
    ["dependencies", "dev-dependencies", "build-dependencies"]
        .iter()
        .filter_map(|section| manifest.get(*section).and_then(toml::Value::as_table))
        .flat_map(|deps| deps.keys().cloned())
        .collect()
}

#[test]
fn no_domain_crate_imports_another_and_shared_crates_import_none() {
    let root = repo_root();
    let domains = manifests(&root.join("functions"));
    assert!(domains.len() >= 9, "the domain crates were found");
    let mut shared = manifests(&root.join("shared"));
    let kit: toml::Table =
        toml::from_str(&fs::read_to_string(root.join("shared/Cargo.toml")).unwrap()).unwrap();
    shared.insert("shared".into(), kit);
    assert!(
        shared.contains_key("tenancy"),
        "the tenancy crate was found"
    );

    let mut problems = Vec::new();
    for (name, manifest) in domains.iter().chain(&shared) {
        for dep in dependencies(manifest) {
            if domains.contains_key(&dep) && dep != *name {
                problems.push(format!(
                    "{name} depends on the domain crate {dep}: move what they share into shared/ or shared/tenancy"
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
