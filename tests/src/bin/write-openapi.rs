//! `make openapi`: regenerates the checked-in OpenAPI document
//! (`functions/admin/openapi.json`) from the route descriptions.
fn main() -> std::io::Result<()> {
    let path = workspace_tests::repo_root().join(workspace_tests::openapi::PATH);
    std::fs::write(&path, workspace_tests::openapi::render())?;
    println!("wrote {}", path.display());
    Ok(())
}
