//! Helpers for the compose, Dockerfile and example-stack tests: findings as
//! comparable tuples, facts by subject, throwaway project folders.
#![allow(dead_code)]

use std::path::Path;

use serde_json::Value;

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
