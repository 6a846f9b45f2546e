//! `cargo test` and `cargo build` must resolve the same features.
//!
//! Dev-dependencies join feature resolution in every test build. When one of
//! them turns on a feature the functions do not use (criterion's regex, a
//! `testing` feature of `shared`), the test build compiles the dependency
//! tree and all 48 function binaries a second time beside the one
//! `cargo build` / `cargo lambda watch` make: minutes of CI, and the ~5 GB
//! of disk that once ended a CI run with "No space left on device".

use std::process::Command;

use workspace_tests::repo_root;

/// Every package of the build with its enabled features, one per line.
fn resolved(edges: &str) -> Vec<String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .current_dir(repo_root())
        .args([
            "tree",
            "--workspace",
            "--locked",
            "--offline",
            "--prefix",
            "none",
        ])
        .args(["-e", edges, "-f", "{p}|{f}"])
        .output()
        .expect("cargo tree runs");
    assert!(
        out.status.success(),
        "cargo tree -e {edges} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut lines: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| l.trim_end_matches(" (*)").to_owned())
        .collect();
    lines.sort();
    lines.dedup();
    lines
}

#[test]
fn dev_dependencies_change_no_feature_of_the_function_build() {
    let build = resolved("normal,build");
    let test = resolved("normal,build,dev");
    let changed: Vec<&String> = build.iter().filter(|p| !test.contains(p)).collect();
    assert!(
        changed.is_empty(),
        "dev-dependencies change the features of these packages, so `cargo test` \
         would build them (and every function) twice: {changed:#?}"
    );
    assert!(
        build.iter().any(|p| p.starts_with("tokio v1")),
        "{build:#?}"
    );
}
