//! Helpers for the compose, Dockerfile and example-stack tests: findings as
//! comparable tuples, facts by subject, throwaway project folders.

// Test support: a panic here fails a test, it cannot crash a scan. Allowed here
// as well as in each test crate, so any crate can include this module.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::string_slice,
    clippy::indexing_slicing,
    clippy::unreachable
)]
#![allow(dead_code)]

use std::path::Path;
use std::process::Command;

use serde_json::Value;

/// A Docker host where nothing listens: scans whose results must not depend
/// on the images the test machine happens to have pulled.
pub const NO_ENGINE: &str = "unix:///nonexistent/stackaudit-test-no-engine.sock";

/// `stackaudit scan --format json ARGS` in `dir` with no Docker engine.
pub fn scan(dir: &Path, args: &[&str]) -> (i32, Value) {
    scan_with(dir, args, |cmd| {
        cmd.env("DOCKER_HOST", NO_ENGINE);
    })
}

/// The same, with the command adjusted first (environment, stdin).
pub fn scan_with(dir: &Path, args: &[&str], adjust: impl FnOnce(&mut Command)) -> (i32, Value) {
    let mut cmd = crate::support::bin();
    cmd.current_dir(dir).args(["scan", "--format", "json"]).args(args);
    adjust(&mut cmd);
    let out = cmd.output().expect("stackaudit runs");
    let code = out.status.code().unwrap_or(-1);
    let json = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}); stderr: {}", String::from_utf8_lossy(&out.stderr)));
    (code, json)
}

/// `(path, reason)` of each skipped file.
pub fn skipped(report: &Value) -> Vec<(String, String)> {
    report["skipped"]
        .as_array()
        .expect("skipped")
        .iter()
        .map(|s| {
            (s["path"].as_str().unwrap_or_default().to_string(), s["reason"].as_str().unwrap_or_default().to_string())
        })
        .collect()
}

/// The workload facts of a report, by subject name (and scope).
pub fn workloads(report: &Value) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = report["facts"]
        .as_array()
        .expect("facts")
        .iter()
        .filter(|f| f["subject"]["kind"] == "workload")
        .map(|f| {
            (
                f["subject"]["name"].as_str().unwrap_or_default().to_string(),
                f["subject"]["scope"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    v.sort();
    v
}

/// The data of the fact of `kind` about `subject` in `scope`.
pub fn fact_in<'a>(report: &'a Value, kind: &str, subject: &str, scope: &str) -> &'a Value {
    report["facts"]
        .as_array()
        .expect("facts")
        .iter()
        .find(|f| f["subject"]["kind"] == kind && f["subject"]["name"] == subject && f["subject"]["scope"] == scope)
        .unwrap_or_else(|| panic!("no {kind} fact for {subject} in {scope}"))
}

/// `docker-compose ARGS config` in `dir` as the oracle for how Docker
/// Compose merges a project, parsed; `None` (with a message) when Debian's
/// docker-compose is not installed.
pub fn compose_config(dir: &Path, args: &[&str]) -> Option<Value> {
    if !crate::support::have("docker-compose") {
        eprintln!("docker-compose is not installed: the Docker Compose oracle assertions are skipped");
        return None;
    }
    let out = Command::new("docker-compose")
        .current_dir(dir)
        .args(args)
        .args(["config"])
        .env_remove("COMPOSE_FILE")
        .output()
        .expect("docker-compose runs");
    assert!(out.status.success(), "docker-compose {args:?} config: {}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).expect("UTF-8");
    Some(stackaudit::collect::yaml::parse_single(&text).expect("docker-compose prints YAML").to_json())
}

/// One finding as `(rule_id, subject name, "path:line")`.
pub type Hit = (String, String, String);

/// Findings of the rules this area feeds (workload, image, dockerfile),
/// sorted; other collectors' findings are left out so their changes do not
/// break these tests.
pub fn hits(report: &Value) -> Vec<Hit> {
    let mut v: Vec<Hit> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| {
            let id = f["rule_id"].as_str().unwrap_or_default();
            id.starts_with("workload-") || id.starts_with("image-") || id.starts_with("dockerfile-")
        })
        .map(|f| {
            let loc = &f["location"];
            let at = match loc["line"].as_u64() {
                Some(line) => format!("{}:{line}", loc["path"].as_str().unwrap_or_default()),
                None => loc["path"].as_str().unwrap_or("-").to_string(),
            };
            (f["rule_id"].as_str().unwrap().to_string(), f["subject"]["name"].as_str().unwrap().to_string(), at)
        })
        .collect();
    v.sort();
    v
}

/// The findings of one subject.
pub fn hits_of(report: &Value, subject: &str) -> Vec<Hit> {
    hits(report).into_iter().filter(|h| h.1 == subject).collect()
}

pub fn hit(rule: &str, subject: &str, at: &str) -> Hit {
    (rule.to_string(), subject.to_string(), at.to_string())
}

/// The data of the fact of `kind` about `subject`.
pub fn fact<'a>(report: &'a Value, kind: &str, subject: &str) -> &'a Value {
    report["facts"]
        .as_array()
        .expect("facts")
        .iter()
        .find(|f| f["subject"]["kind"] == kind && f["subject"]["name"] == subject)
        .unwrap_or_else(|| panic!("no {kind} fact for {subject}"))
}

/// `(target, message, "path:line")` of each error.
pub fn errors(report: &Value) -> Vec<(String, String, String)> {
    report["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| {
            let loc = &e["location"];
            let at = match loc["line"].as_u64() {
                Some(line) => format!("{}:{line}", loc["path"].as_str().unwrap_or_default()),
                None => "-".into(),
            };
            (
                e["target"].as_str().unwrap_or_default().to_string(),
                e["message"].as_str().unwrap_or_default().to_string(),
                at,
            )
        })
        .collect()
}

/// A temporary folder holding `files` (relative path, bytes).
pub fn folder(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for (rel, content) in files {
        let path = dir.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, content).unwrap();
    }
    dir
}

pub fn exists(path: &Path) -> bool {
    path.exists()
}
