//! A streamed scan (the default: facts evaluated and spooled per part)
//! writes the report the whole-scan path (`[scan] spool_facts = false`)
//! writes, on the example stack and on a tree where one source's facts
//! decide another's verdicts: a service built from a Dockerfile whose base
//! is nginx is the proxy its neighbours sit behind, and an inline marker
//! suppresses a secret.

// A test crate: a panic here fails a test, it cannot crash a scan.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::string_slice,
    clippy::indexing_slicing,
    clippy::unreachable
)]

mod support;

use std::path::Path;

use serde_json::Value;

/// The report without what differs between any two runs (times) or names
/// the config file given.
fn comparable(mut report: Value) -> Value {
    let object = report.as_object_mut().unwrap();
    object.remove("started_at");
    object.remove("finished_at");
    object["targets"].as_object_mut().unwrap().remove("config");
    report
}

/// The JSON report of `dir`, streamed or not.
fn report(dir: &Path, streamed: bool, scratch: &Path) -> Value {
    let config = scratch.join(if streamed { "streamed.toml" } else { "held.toml" });
    std::fs::write(&config, format!("[scan]\nspool_facts = {streamed}\n")).unwrap();
    let (code, json) = support::scan_json(dir, &["--exit-zero", "--config", config.to_str().unwrap(), "."]);
    assert_eq!(code, 0);
    json
}

fn write(dir: &Path, rel: &str, text: &str) {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn workload<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["facts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kind"] == "workload" && f["subject"]["name"] == name)
        .unwrap_or_else(|| panic!("no workload {name}"))
}

#[test]
fn streamed_and_whole_scans_write_the_same_report() {
    let scratch = tempfile::tempdir().unwrap();
    let tree = scratch.path().join("tree");
    write(
        &tree,
        "shop/compose.yaml",
        "services:\n  gateway:\n    build: ./gateway\n    ports: [\"443:443\"]\n  app:\n    image: node:20-alpine\n    \
         ports: [\"3000:3000\"]\n    environment:\n      DB_PASSWORD: \"Xk9mQ2vLp7wZ-4rT\"\n  cache:\n    image: redis:7.4\n    \
         ports: [\"6379:6379\"]\n",
    );
    write(&tree, "shop/gateway/Dockerfile", "FROM nginx:1.27-alpine\nUSER nginx\nCOPY site.conf /etc/nginx/conf.d/\n");
    write(&tree, "shop/.env.production", "API_TOKEN=ghp_R7t2Yk9LmQ4xW8zP3nV6bC1dF5gH0jK2sA4e # stackaudit:ignore\n");
    for i in 0..40 {
        write(
            &tree,
            &format!("teams/t{i:02}/docker-compose.yml"),
            &format!(
                "services:\n  svc{i}:\n    image: registry.example.test/app{i}:latest\n    privileged: {}\n",
                i % 2 == 0
            ),
        );
    }
    let examples = support::root().join("examples/stack");
    for dir in [tree.as_path(), examples.as_path()] {
        let streamed = report(dir, true, scratch.path());
        let held = report(dir, false, scratch.path());
        assert!(streamed["facts"].as_array().unwrap().len() > 10, "{}", dir.display());
        assert_eq!(comparable(streamed.clone()), comparable(held), "{}", dir.display());
        if dir == tree {
            // The Dockerfile's facts reached the compose services' verdicts.
            assert_eq!(workload(&streamed, "gateway")["data"]["role"], "proxy");
            assert_eq!(workload(&streamed, "app")["data"]["behind_proxy"], true);
            let suppressed = streamed["findings"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|f| f["suppressed"] == true)
                .map(|f| f["rule_id"].as_str().unwrap())
                .collect::<Vec<_>>();
            assert!(suppressed.iter().any(|r| r.starts_with("secret-")), "{suppressed:?}");
            // The HTML report's source filter reads the platforms from the
            // spool when the facts are not held.
            let html = support::run_in(dir, &["scan", "--format", "html", "--exit-zero", "."]);
            let page = support::stdout(&html);
            assert!(page.contains("data-source=\"workload:compose\""), "no compose workload source in the page");
        }
    }
}

/// No temporary file can be made for the spool (TMPDIR names no folder):
/// the scan holds its facts instead, and the report is the same, with no
/// error.
#[test]
fn a_scan_without_a_temporary_folder_holds_its_facts_instead() {
    let scratch = tempfile::tempdir().unwrap();
    let examples = support::root().join("examples/stack");
    let out = support::bin()
        .current_dir(&examples)
        .env("TMPDIR", scratch.path().join("missing"))
        .args(["scan", "--format", "json", "--exit-zero", "."])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", support::stderr(&out));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["errors"], serde_json::json!([]));
    let held = report(&examples, false, scratch.path());
    assert_eq!(comparable(json), comparable(held));
}
