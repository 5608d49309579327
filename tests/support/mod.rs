//! Helpers shared by the integration tests.

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

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixture(rel: &str) -> PathBuf {
    root().join("tests/fixtures").join(rel)
}

/// The built `stackaudit` binary.
pub fn bin() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_stackaudit"));
    cmd.env("NO_COLOR", "1").env("STACKAUDIT_FINGERPRINT_KEY", "test-key").env_remove("STACKAUDIT_LOG");
    cmd
}

/// Runs `stackaudit` with `args` in `dir`.
pub fn run_in(dir: &Path, args: &[&str]) -> Output {
    bin().current_dir(dir).args(args).output().expect("stackaudit runs")
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Runs a scan with `--format json` and parses the report.
pub fn scan_json(dir: &Path, args: &[&str]) -> (i32, serde_json::Value) {
    let mut full = vec!["scan", "--format", "json"];
    full.extend_from_slice(args);
    let out = run_in(dir, &full);
    let code = out.status.code().unwrap_or(-1);
    let json = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}); stderr: {}\nstdout: {}", stderr(&out), stdout(&out)));
    (code, json)
}

/// `(rule_id, subject name)` pairs of a JSON report's findings, sorted.
pub fn rule_subjects(report: &serde_json::Value) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["rule_id"].as_str().unwrap().to_string(), f["subject"]["name"].as_str().unwrap().to_string()))
        .collect();
    v.sort();
    v
}

/// `(rule_id, subject name, key)` of the findings whose rule starts with
/// `prefix`, sorted.
pub fn rule_subject_keys(report: &serde_json::Value, prefix: &str) -> Vec<(String, String, String)> {
    let mut v: Vec<(String, String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"].as_str().unwrap().starts_with(prefix))
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap().to_string(),
                f["subject"]["name"].as_str().unwrap().to_string(),
                f["key"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    v.sort();
    v
}

/// Whether a command exists on PATH (for tests of optional peer tools).
pub fn have(cmd: &str) -> bool {
    Command::new("sh").arg("-c").arg(format!("command -v {cmd}")).output().is_ok_and(|o| o.status.success())
}

/// `git` in `dir` with a throwaway identity, no hooks and `main` as the
/// first branch, whatever the machine's git config says; panics on failure.
pub fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .current_dir(dir)
        .args(["-c", "user.name=t", "-c", "user.email=t@t", "-c", "core.hooksPath=/dev/null"])
        .args(["-c", "init.defaultBranch=main"])
        .args(args)
        .output()
        .expect("git runs");
    assert!(out.status.success(), "git {args:?}: {}", stderr(&out));
}
