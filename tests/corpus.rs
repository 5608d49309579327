//! The labelled corpus (benches/corpus) as `cargo test` sees it: each
//! project is checked out the way scripts/precision.sh does it (a git work
//! tree, with the files its git-tracked.txt force-adds) and scanned by the
//! built binary. Every file in it is accepted by its own tool, so a scan
//! error is an error on a valid file, except on files a `[[broken]]` label
//! names; and exit code 2 ("incomplete scan") is allowed only when one is.
//! Precision and recall stay with scripts/precision.sh.

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

/// Copies a project without its labels, keeping symlinks as links (a
/// sites-enabled link is part of what is audited).
fn copy_project(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if from.join("labels.toml").exists() && (name == "labels.toml" || name == "git-tracked.txt") {
            continue;
        }
        let (src, dst) = (entry.path(), to.join(&name));
        let kind = entry.file_type().unwrap();
        if kind.is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(&src).unwrap(), &dst).unwrap();
        } else if kind.is_dir() {
            copy_project(&src, &dst);
        } else {
            std::fs::copy(&src, &dst).unwrap();
        }
    }
}

/// `*` and `?` globs, as the labels' `path` (Python's fnmatch) uses them.
fn glob(pattern: &[u8], text: &[u8]) -> bool {
    match (pattern.first(), text.first()) {
        (None, None) => true,
        (Some(b'*'), _) => glob(&pattern[1..], text) || (!text.is_empty() && glob(pattern, &text[1..])),
        (Some(b'?'), Some(_)) => glob(&pattern[1..], &text[1..]),
        (Some(p), Some(t)) if p == t => glob(&pattern[1..], &text[1..]),
        _ => false,
    }
}

/// The `path` globs of the project's `[[broken]]` labels.
fn broken_paths(project: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(project.join("labels.toml")).unwrap();
    let labels: toml::Table = toml::from_str(&text).unwrap();
    let Some(broken) = labels.get("broken").and_then(|b| b.as_array()) else { return vec![] };
    broken
        .iter()
        .flat_map(|b| match &b["path"] {
            toml::Value::Array(paths) => paths.iter().map(|p| p.as_str().unwrap().to_string()).collect(),
            path => vec![path.as_str().unwrap().to_string()],
        })
        .collect()
}

#[test]
fn every_corpus_project_scans_without_errors_on_valid_files() {
    assert!(glob(b"k8s/*/broken.yaml", b"k8s/base/broken.yaml") && !glob(b"k8s/*.yaml", b"compose.yml"));
    let corpus = support::root().join("benches/corpus");
    let mut projects: Vec<_> = std::fs::read_dir(&corpus)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("labels.toml").exists())
        .collect();
    projects.sort();
    assert!(projects.len() >= 13, "the corpus has its 13 projects: {projects:?}");

    let scratch = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    for project in &projects {
        let name = project.file_name().unwrap().to_string_lossy().into_owned();
        let copy = scratch.path().join(&name);
        copy_project(project, &copy);
        support::git(&copy, &["init", "-q"]);
        support::git(&copy, &["add", "-A"]);
        if let Ok(list) = std::fs::read_to_string(project.join("git-tracked.txt")) {
            let forced: Vec<&str> =
                list.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).collect();
            if !forced.is_empty() {
                support::git(&copy, &[&["add", "-f", "--"][..], &forced].concat());
            }
        }

        let out = support::bin()
            .current_dir(&copy)
            .args(["scan", ".", "--format", "json"])
            .env("DOCKER_HOST", "unix:///nonexistent/stackaudit-corpus-test.sock")
            .output()
            .expect("stackaudit runs");
        let code = out.status.code().unwrap_or(-1);
        let report: Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{name}: not JSON ({e}); stderr: {}", support::stderr(&out)));

        let broken = broken_paths(project);
        let mut errored = Vec::new();
        for e in report["errors"].as_array().unwrap() {
            let target = e["target"].as_str().unwrap_or("(no target)").trim_start_matches("./");
            if broken.iter().any(|b| glob(b.as_bytes(), target.as_bytes())) {
                errored.push(target.to_string());
            } else {
                failures.push(format!("{name}: error on a valid file {target}: {}", e["message"]));
            }
        }
        for b in &broken {
            if !errored.iter().any(|t| glob(b.as_bytes(), t.as_bytes())) {
                failures.push(format!("{name}: the broken file {b} gave no error"));
            }
        }
        let allowed: &[i32] = if broken.is_empty() { &[0, 1] } else { &[2] };
        if !allowed.contains(&code) {
            failures.push(format!("{name}: exit code {code}, expected one of {allowed:?}"));
        }
        if report["facts"].as_array().is_none_or(Vec::is_empty) {
            failures.push(format!("{name}: nothing was audited"));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
