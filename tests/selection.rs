//! What a scan runs and what it says it returns: `--only`/`--skip`, live
//! targets without a path, and `--exit-zero` stated in every report.

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

fn write(dir: &Path, files: &[(&str, &str)]) {
    for (rel, text) in files {
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

const COMPOSE: &str = "services:\n  web:\n    image: nginx:1.27\n    privileged: true\n";
// Built from parts so this file holds no key-shaped literal.
fn env_file() -> String {
    format!("AWS_ACCESS_KEY_ID=AKIA{}\n", "QW3RTY7UIOP2ASDF")
}

fn rule_ids(report: &serde_json::Value) -> Vec<String> {
    let mut ids: Vec<String> =
        report["findings"].as_array().unwrap().iter().map(|f| f["rule_id"].as_str().unwrap().to_string()).collect();
    ids.sort();
    ids.dedup();
    ids
}

#[test]
fn only_and_skip_choose_the_sources() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), &[("proj/docker-compose.yml", COMPOSE), ("proj/.env", &env_file())]);

    let (_, all) = support::scan_json(dir.path(), &["proj"]);
    let ids = rule_ids(&all);
    assert!(ids.iter().any(|i| i.starts_with("secret-")), "{ids:?}");
    assert!(ids.iter().any(|i| i == "workload-privileged"), "{ids:?}");

    let (_, only) = support::scan_json(dir.path(), &["proj", "--only", "secrets"]);
    let ids = rule_ids(&only);
    assert!(!ids.is_empty() && ids.iter().all(|i| i.starts_with("secret-")), "{ids:?}");

    let (_, skipped) = support::scan_json(dir.path(), &["proj", "--skip", "secrets,dns"]);
    let ids = rule_ids(&skipped);
    assert!(ids.iter().any(|i| i == "workload-privileged"), "{ids:?}");
    assert!(!ids.iter().any(|i| i.starts_with("secret-")), "{ids:?}");

    // The same from the config file.
    write(dir.path(), &[("proj/stackaudit.toml", "[scan]\nskip = [\"compose\", \"k8s\"]\n")]);
    let (_, from_config) = support::scan_json(dir.path(), &["proj"]);
    let ids = rule_ids(&from_config);
    assert!(!ids.iter().any(|i| i.starts_with("workload-")), "{ids:?}");
    assert!(ids.iter().any(|i| i.starts_with("secret-")), "{ids:?}");
}

#[test]
fn an_unknown_source_is_a_usage_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = support::run_in(dir.path(), &["scan", ".", "--only", "vuln"]);
    assert_eq!(out.status.code(), Some(2));
    let err = support::stderr(&out);
    assert!(err.contains("\"vuln\"") && err.contains("secrets"), "{err}");

    write(dir.path(), &[("stackaudit.toml", "[scan]\nonly = [\"misconfig\"]\n")]);
    let out = support::run_in(dir.path(), &["scan", "."]);
    assert_eq!(out.status.code(), Some(2));
    assert!(support::stderr(&out).contains("\"misconfig\""), "{}", support::stderr(&out));
}

#[test]
fn a_live_target_without_a_path_scans_only_that_target() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), &[("docker-compose.yml", COMPOSE), (".env", &env_file())]);
    // Nothing listens on port 1: the target is an error, which is fine here;
    // what matters is that the folder the command runs in is not scanned.
    let (code, report) = support::scan_json(dir.path(), &["--url", "http://127.0.0.1:1/"]);
    assert_eq!(code, 2, "the unreachable URL makes the scan incomplete");
    assert_eq!(report["targets"]["paths"], serde_json::json!([]));
    assert_eq!(report["targets"]["files_scanned"], 0);
    assert_eq!(rule_ids(&report), Vec::<String>::new());
    assert!(report["errors"].as_array().unwrap().iter().all(|e| e["source"] == "http"), "{:#}", report["errors"]);

    // With a path, both.
    let (_, both) = support::scan_json(dir.path(), &[".", "--url", "http://127.0.0.1:1/"]);
    assert!(rule_ids(&both).iter().any(|i| i == "workload-privileged"));
}

#[test]
fn exit_zero_is_the_exit_code_every_report_states() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), &[("proj/docker-compose.yml", COMPOSE)]);
    let out = support::run_in(dir.path(), &["scan", "proj", "--exit-zero", "--output-dir", "out"]);
    assert_eq!(out.status.code(), Some(0), "{}", support::stderr(&out));
    let table = support::stdout(&out);
    assert!(table.contains("Gate: FAILED") && table.contains("exit 0 (--exit-zero"), "{table}");

    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("out/stackaudit.json")).unwrap()).unwrap();
    assert_eq!(report["gate"]["status"], "failed");
    assert_eq!(report["gate"]["exit_code"], 0);
    assert_eq!(report["gate"]["exit_zero"], true);
    let html = std::fs::read_to_string(dir.path().join("out/stackaudit.html")).unwrap();
    assert!(html.contains("exit 0 (--exit-zero; the gate alone would exit 1)"), "HTML banner states exit 0");
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("out/stackaudit.sarif")).unwrap()).unwrap();
    assert_eq!(sarif["runs"][0]["invocations"][0]["exitCode"], 0);

    // Without the flag the same scan exits 1 and says so.
    let out = support::run_in(dir.path(), &["scan", "proj"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(support::stdout(&out).contains("; exit 1)"), "{}", support::stdout(&out));
}
