//! Replays saved fuzz inputs through the fuzz targets' own property checks
//! (fuzz/src/checks.rs): the seeds (fuzz/seeds/<target>/) and every input
//! that once crashed a target (fuzz/regressions/<target>/), so a bug `make
//! fuzz` found stays fixed without a fuzzer in `make test`.
#[path = "../../fuzz/src/checks.rs"]
mod checks;

use std::{fs, path::Path};

fn replay(target: &str, check: fn(&[u8])) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
    let mut replayed = 0;
    for dir in ["seeds", "regressions"] {
        let Ok(entries) = fs::read_dir(root.join(dir).join(target)) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.file_name().is_some_and(|n| n == "README") {
                continue;
            }
            check(&fs::read(&path).unwrap());
            replayed += 1;
        }
    }
    assert!(replayed > 0, "no saved inputs for fuzz target {target}");
}

#[test]
fn json_body_inputs() {
    replay("json_body", checks::json_body);
}

#[test]
fn access_token_inputs() {
    replay("access_token", checks::access_token);
}

#[test]
fn multipart_inputs() {
    replay("multipart", checks::multipart);
}
