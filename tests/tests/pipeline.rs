//! The deploy cannot run without CI's success on that commit
//! (.github/workflows/pipeline.yml). GitHub skips a job whose `needs` did
//! not all succeed, unless its `if:` calls a status function (`always()`,
//! `failure()`, `cancelled()`) — so every deploying job must reach the `ci`
//! job through `needs`, with no status function anywhere on the way, and
//! no other workflow may deploy.

use std::collections::BTreeMap;

use serde_yaml::Value as Yaml;
use workspace_tests::repo_root;

fn workflows() -> BTreeMap<String, Yaml> {
    let dir = repo_root().join(".github/workflows");
    std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("yml" | "yaml")))
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, serde_yaml::from_str(&text).unwrap())
        })
        .collect()
}

/// A job deploys if one of its steps runs a deploy.
fn deploys(job: &Yaml) -> bool {
    job["steps"]
        .as_sequence()
        .into_iter()
        .flatten()
        .any(|step| {
            let run = step["run"].as_str().unwrap_or_default();
            let uses = step["uses"].as_str().unwrap_or_default();
            run.contains("sam deploy")
                || run.contains("scripts/deploy.sh")
                || run.contains("scripts/redeploy.sh")
                || run.contains("cloudformation deploy")
                || uses.contains("cloudformation")
        })
}

fn needs(job: &Yaml) -> Vec<String> {
    match &job["needs"] {
        Yaml::String(one) => vec![one.clone()],
        Yaml::Sequence(many) => many
            .iter()
            .map(|n| n.as_str().unwrap().to_owned())
            .collect(),
        _ => Vec::new(),
    }
}

/// Whether `job`'s condition could let it run after a failed or skipped need.
fn runs_despite_failures(job: &Yaml) -> bool {
    let condition = match &job["if"] {
        Yaml::String(c) => c.to_lowercase(),
        Yaml::Bool(b) => b.to_string(),
        _ => return false,
    };
    ["always()", "failure()", "cancelled()"]
        .iter()
        .any(|f| condition.contains(f))
}

/// The chain of `needs` from `name` back to `ci`, if every link is one a
/// failure stops.
fn gated_by_ci(jobs: &Yaml, name: &str, seen: &mut Vec<String>) -> bool {
    if seen.iter().any(|s| s == name) {
        return false;
    }
    seen.push(name.to_owned());
    let job = &jobs[name];
    if runs_despite_failures(job) {
        return false;
    }
    needs(job)
        .iter()
        .any(|need| need == "ci" || gated_by_ci(jobs, need, seen))
}

#[test]
fn no_job_deploys_unless_ci_passed_on_the_same_run() {
    let workflows = workflows();
    let mut deploying = 0;
    for (file, workflow) in &workflows {
        let jobs = &workflow["jobs"];
        for (name, job) in jobs.as_mapping().unwrap() {
            let name = name.as_str().unwrap();
            if !deploys(job) {
                continue;
            }
            deploying += 1;
            assert_eq!(
                file, "pipeline.yml",
                "{file}: job {name} deploys outside the pipeline (no CI gate)"
            );
            assert!(
                gated_by_ci(jobs, name, &mut Vec::new()),
                "{file}: job {name} can deploy without the ci job's success"
            );
        }
        // The gate is real: ci runs the repository's own CI entry point.
        if file == "pipeline.yml" {
            let ci_runs: Vec<&str> = jobs["ci"]["steps"]
                .as_sequence()
                .unwrap()
                .iter()
                .filter_map(|s| s["run"].as_str())
                .collect();
            assert!(ci_runs.contains(&".ci/run"), "ci runs .ci/run: {ci_runs:?}");
            assert!(jobs["ci"]["if"].is_null(), "ci always runs");
        }
    }
    assert!(deploying >= 2, "dev and prod are deployed by the pipeline");
}

#[test]
fn prod_gets_the_package_dev_got_after_dev_and_an_approval() {
    let workflows = workflows();
    let jobs = &workflows["pipeline.yml"]["jobs"];
    assert_eq!(needs(&jobs["deploy-prod"]), ["deploy-dev"]);
    assert_eq!(jobs["deploy-prod"]["environment"].as_str(), Some("prod"));
    assert_eq!(needs(&jobs["deploy-dev"]), ["package"]);
    // Packaged once: only `package` builds; the deploys download its file.
    for (name, job) in jobs.as_mapping().unwrap() {
        let builds = job["steps"]
            .as_sequence()
            .into_iter()
            .flatten()
            .any(|s| s["run"].as_str().unwrap_or_default().contains("sam build"));
        assert_eq!(
            builds,
            name.as_str() == Some("package"),
            "{name:?}: only package builds"
        );
    }
    for deploy in ["deploy-dev", "deploy-prod"] {
        let steps = jobs[deploy]["steps"].as_sequence().unwrap();
        assert!(steps.iter().any(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("actions/download-artifact"))
                && s["with"]["name"] == "packaged-template"
        }));
        assert!(
            steps.iter().any(|s| s["run"]
                .as_str()
                .is_some_and(|r| r.contains("scripts/smoke-deployed.py"))),
            "{deploy} is smoke-tested"
        );
    }
}

/// The rule itself, on workflows that break it: a test that cannot fail
/// would prove nothing.
#[test]
fn the_gate_check_catches_a_deploy_that_skips_ci() {
    let jobs: Yaml = serde_yaml::from_str(
        r#"
ci: {steps: [{run: .ci/run}]}
package: {needs: ci, steps: [{run: sam build}]}
deploy-direct: {steps: [{run: scripts/deploy.sh dev x}]}
deploy-always: {needs: package, if: "${{ always() }}", steps: [{run: sam deploy}]}
after-always: {needs: deploy-always, steps: [{run: sam deploy}]}
deploy-ok: {needs: package, steps: [{run: scripts/deploy.sh dev x}]}
"#,
    )
    .unwrap();
    assert!(!gated_by_ci(&jobs, "deploy-direct", &mut Vec::new()));
    assert!(!gated_by_ci(&jobs, "deploy-always", &mut Vec::new()));
    assert!(!gated_by_ci(&jobs, "after-always", &mut Vec::new()));
    assert!(gated_by_ci(&jobs, "deploy-ok", &mut Vec::new()));
}
