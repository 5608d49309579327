//! Contained failures: a fault while handling one file, one network target
//! or one rule costs that item only. The debug binary panics on purpose
//! where `STACKAUDIT_TEST_PANIC` names an item (a file, a target, a rule ID,
//! or `<run>` for the whole run); each test proves that the fault becomes a
//! scan error naming the item, every other result is kept, every report is
//! still written, the exit code is 2 and no raw panic message reaches
//! stderr.

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

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;

/// A tree with something for each file collector to find.
fn tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let write = |rel: &str, text: &str| {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write("web/Dockerfile", "FROM node:latest\nRUN apt-get update\n");
    write("api/Dockerfile", "FROM python:3\nENV X=1\n");
    write("docker-compose.yml", "services:\n  app:\n    image: nginx:latest\n    privileged: true\n");
    for (from, to) in [
        ("kubernetes/weak/workloads.yaml", "k8s/workloads.yaml"),
        ("secrets/legacy/k8s/secret.yaml", "k8s/secret.yaml"),
        ("nginx/weak/nginx.conf", "nginx/nginx.conf"),
        ("nginx/weak/snippets/proxy.conf", "nginx/snippets/proxy.conf"),
    ] {
        std::fs::create_dir_all(root.join(to).parent().unwrap()).unwrap();
        std::fs::copy(support::fixture(from), root.join(to)).unwrap();
    }
    dir
}

struct Run {
    code: i32,
    report: Value,
    stderr: String,
}

fn scan(dir: &Path, panic_at: Option<&str>, extra: &[&str]) -> Run {
    let mut cmd = support::bin();
    cmd.current_dir(dir).args(["scan", "--format", "json"]).args(extra).arg(".");
    match panic_at {
        Some(item) => cmd.env("STACKAUDIT_TEST_PANIC", item),
        None => cmd.env_remove("STACKAUDIT_TEST_PANIC"),
    };
    let out = cmd.output().unwrap();
    let stderr = support::stderr(&out);
    let report = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}); stderr: {stderr}\nstdout: {}", support::stdout(&out)));
    Run { code: out.status.code().unwrap_or(-1), report, stderr }
}

fn finding_ids(report: &Value, keep: impl Fn(&Value) -> bool) -> BTreeSet<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| keep(f))
        .map(|f| f["id"].as_str().unwrap().into())
        .collect()
}

fn path_of(finding: &Value) -> &str {
    finding["location"]["path"].as_str().unwrap_or("")
}

fn internal_errors(report: &Value) -> Vec<(String, String)> {
    report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "internal")
        .map(|e| (e["source"].as_str().unwrap().into(), e["target"].as_str().unwrap().into()))
        .collect()
}

/// The raw panic text the default hook would print; only the scan error's
/// own line may mention the fault.
fn assert_no_raw_panic(stderr: &str) {
    assert!(!stderr.contains("panicked at"), "{stderr}");
    assert!(!stderr.contains("RUST_BACKTRACE"), "{stderr}");
    assert!(!stderr.contains("stack backtrace"), "{stderr}");
}

#[test]
fn a_fault_in_one_file_costs_that_file_only() {
    let dir = tree();
    let clean = scan(dir.path(), None, &[]);
    assert!(clean.report["errors"].as_array().unwrap().is_empty(), "{}", clean.report["errors"]);
    let all = finding_ids(&clean.report, |_| true);

    for (file, source) in [
        ("web/Dockerfile", "dockerfile"),
        ("docker-compose.yml", "compose"),
        ("k8s/workloads.yaml", "kubernetes"),
        ("nginx/nginx.conf", "nginx"),
        ("k8s/secret.yaml", "secrets"),
    ] {
        assert!(clean.report["findings"].as_array().unwrap().iter().any(|f| path_of(f) == file), "{file}");
        let run = scan(dir.path(), Some(file), &[]);
        assert_eq!(run.code, 2, "{file}: {}", run.stderr);
        let errors = internal_errors(&run.report);
        assert!(errors.contains(&(source.into(), file.into())), "{file}: {errors:?}");
        assert!(errors.iter().all(|(_, target)| target == file), "{file}: {errors:?}");
        // Every finding outside the faulty file is still there.
        let others = finding_ids(&clean.report, |f| path_of(f) != file);
        let kept = finding_ids(&run.report, |_| true);
        assert!(others.is_subset(&kept), "{file}: lost {:?}", others.difference(&kept).collect::<Vec<_>>());
        assert!(kept.is_subset(&all), "{file}");
        assert!(run.stderr.contains(&format!("{source}: {file}: internal error")), "{file}: {}", run.stderr);
        assert_no_raw_panic(&run.stderr);
    }
}

#[test]
fn every_report_is_still_written() {
    let dir = tree();
    let out = dir.path().join("out");
    let run = support::bin()
        .current_dir(dir.path())
        .env("STACKAUDIT_TEST_PANIC", "web/Dockerfile")
        .args(["scan", "--format", "json,html,sarif,junit", "--output-dir"])
        .arg(&out)
        .arg(".")
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(2), "{}", support::stderr(&run));
    for name in ["stackaudit.json", "stackaudit.html", "stackaudit.sarif", "stackaudit.junit.xml"] {
        // HTML escapes the slash.
        let text =
            std::fs::read_to_string(out.join(name)).unwrap_or_else(|e| panic!("{name}: {e}")).replace("&#x2f;", "/");
        assert!(text.contains("web/Dockerfile"), "{name} names the faulty file");
        assert!(text.contains("api/Dockerfile"), "{name} keeps the other files' findings");
    }
    assert_no_raw_panic(&support::stderr(&run));
}

#[test]
fn a_fault_in_one_network_target_costs_that_target_only() {
    let dir = tree();
    // Nothing listens on these loopback ports: the healthy targets end in
    // an ordinary `unreachable` error, the faulty one in an internal one.
    let targets = ["--tls", "127.0.0.1:1", "--tls", "127.0.0.1:2", "--url", "http://127.0.0.1:1/"];
    for (item, source) in [("127.0.0.1:1", "tls"), ("http://127.0.0.1:1/", "http")] {
        let run = scan(dir.path(), Some(item), &targets);
        assert_eq!(run.code, 2, "{}", run.stderr);
        assert_eq!(internal_errors(&run.report), vec![(source.to_string(), item.to_string())]);
        let errors = run.report["errors"].as_array().unwrap();
        for other in ["127.0.0.1:2", "http://127.0.0.1:1/", "127.0.0.1:1"].into_iter().filter(|t| *t != item) {
            assert!(
                errors.iter().any(|e| e["target"] == other && e["kind"] == "unreachable"),
                "{other} still probed: {errors:?}"
            );
        }
        let files = finding_ids(&scan(dir.path(), None, &[]).report, |_| true);
        assert_eq!(finding_ids(&run.report, |_| true), files, "file findings kept");
        assert_no_raw_panic(&run.stderr);
    }
}

#[test]
fn a_fault_in_one_rule_costs_that_rule_only() {
    let dir = tree();
    let clean = scan(dir.path(), None, &[]);
    let rule = "workload-privileged";
    assert!(clean.report["findings"].as_array().unwrap().iter().any(|f| f["rule_id"] == rule));
    let run = scan(dir.path(), Some(rule), &[]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    // One error for the rule, however many facts it ran on.
    assert_eq!(internal_errors(&run.report), vec![("rules".to_string(), rule.to_string())]);
    let others = finding_ids(&clean.report, |f| f["rule_id"] != rule);
    assert_eq!(finding_ids(&run.report, |_| true), others);
    assert_no_raw_panic(&run.stderr);
}

#[test]
fn a_fault_outside_every_contained_unit_is_one_line_and_exit_2() {
    let dir = tree();
    let out = support::bin()
        .current_dir(dir.path())
        .env("STACKAUDIT_TEST_PANIC", "<run>")
        .args(["scan", "--format", "json", "."])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = support::stderr(&out);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("error: internal error"), "{stderr}");
    // The location stays, for debugging.
    assert!(stderr.contains("src/contain.rs:"), "{stderr}");
    assert_no_raw_panic(&stderr);
}

/// A fault while the rules load, while a streamed scan's collectors wait
/// for them: they are released (no hang), and the run ends as any fault
/// outside a contained unit does.
#[test]
fn a_fault_while_the_rules_load_releases_the_waiting_collectors() {
    let dir = tree();
    let mut child = support::bin()
        .current_dir(dir.path())
        .env("STACKAUDIT_TEST_PANIC", "<rules>")
        .args(["scan", "--format", "json", "."])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("the scan waited for rules that never loaded");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert!(stderr.starts_with("error: internal error"), "{stderr}");
    assert_no_raw_panic(&stderr);
}
