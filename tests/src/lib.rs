//! Helpers for the workspace-level tests in `tests/tests/`.

use std::path::PathBuf;

pub mod openapi;

/// The repository root (this crate lives in `<root>/tests`).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}
