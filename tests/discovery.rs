//! File discovery against real git repositories made in temp dirs: what
//! git tracks is scanned even when `.gitignore` matches it, what it ignores
//! and does not track is counted under `skipped`, never dropped silently.

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

fn write(dir: &Path, rel: &str, text: &str) {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// Two TLS servers without HSTS, in a file `.gitignore` matches but that
/// was committed with `git add -f` (the real-world case that was never
/// audited); an untracked ignored draft with TLSv1; an ignored
/// `node_modules`.
fn project(dir: &Path) {
    write(dir, ".gitignore", "nginx/conf.d/\nnode_modules/\n*.local.conf\n");
    let server = |name: &str| {
        format!("server {{\n    listen 443 ssl;\n    server_name {name};\n    server_tokens off;\n    location / {{ proxy_pass http://127.0.0.1:3000; }}\n}}\n")
    };
    write(dir, "nginx/conf.d/site.conf", &format!("{}\n{}", server("a.example.test"), server("b.example.test")));
    write(dir, "nginx/conf.d/draft.conf", "server {\n    listen 443 ssl;\n    ssl_protocols TLSv1;\n}\n");
    write(dir, "node_modules/pkg/index.js", "module.exports = 1;\n");
    write(dir, "node_modules/pkg/package.json", "{}\n");
    write(dir, "app.local.conf", "server { listen 443 ssl; ssl_protocols SSLv3; }\n");
}

fn findings(report: &Value) -> Vec<String> {
    let mut v: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{} | {} | {}",
                f["rule_id"].as_str().unwrap(),
                f["subject"]["name"].as_str().unwrap(),
                f["location"]["path"].as_str().unwrap_or("?")
            )
        })
        .collect();
    v.sort();
    v
}

fn skipped(report: &Value) -> Vec<String> {
    report["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| format!("{}: {}", s["path"].as_str().unwrap(), s["reason"].as_str().unwrap()))
        .collect()
}

#[test]
fn tracked_files_are_scanned_even_when_gitignore_matches_them() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    project(d);
    support::git(d, &["init", "-q"]);
    support::git(d, &["add", ".gitignore"]);
    support::git(d, &["add", "-f", "nginx/conf.d/site.conf"]);
    let expected = [
        "hsts-missing | a.example.test (listen 443) | nginx/conf.d/site.conf",
        "hsts-missing | b.example.test (listen 443) | nginx/conf.d/site.conf",
    ];
    let ignored = "4 files matched by .gitignore and not tracked by git, not scanned: app.local.conf, nginx/conf.d/draft.conf, node_modules/ (2 files)";
    // Every index format git writes (v4 compresses path names).
    for version in ["2", "4"] {
        support::git(d, &["update-index", "--index-version", version]);
        let (_, report) = support::scan_json(d, &["."]);
        assert_eq!(findings(&report), expected, "index v{version}");
        assert_eq!(report["errors"], serde_json::json!([]));
        assert_eq!(skipped(&report), [format!(".: {ignored}")], "index v{version}");
    }
    // A subfolder of the work tree: the top folder's .gitignore still applies.
    let (_, report) = support::scan_json(d, &["nginx"]);
    assert_eq!(findings(&report), expected);
    assert_eq!(
        skipped(&report),
        ["nginx: 1 file matched by .gitignore and not tracked by git, not scanned: nginx/conf.d/draft.conf"]
    );
    // Committed, the same.
    support::git(d, &["commit", "-qm", "site"]);
    let (_, report) = support::scan_json(d, &["."]);
    assert_eq!(findings(&report), expected);
}

#[test]
fn outside_git_gitignore_applies_and_what_it_excluded_is_counted() {
    let dir = tempfile::tempdir().unwrap();
    project(dir.path());
    let (code, report) = support::scan_json(dir.path(), &["."]);
    assert_eq!(findings(&report), Vec::<String>::new());
    assert_eq!(code, 0);
    assert_eq!(
        skipped(&report),
        [".: 5 files excluded by .gitignore (not a git work tree), not scanned: app.local.conf, nginx/conf.d/ (2 files), node_modules/ (2 files)"]
    );
}

/// Symlinks are resolved: to a file in the scanned folder they are read (a
/// `docker-compose.yml` link, Debian's `sites-enabled`), to anything outside
/// it or to a folder they are skipped with the reason.
#[test]
fn symlinks_are_resolved_then_checked() {
    let dir = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    let d = dir.path().join("repo");
    write(&d, "compose/base.yml", "services:\n  app:\n    image: example/app:1.0.0\n    privileged: true\n");
    std::os::unix::fs::symlink("compose/base.yml", d.join("docker-compose.yml")).unwrap();
    write(outside.path(), "secret.env", "X=1\n");
    std::os::unix::fs::symlink(outside.path().join("secret.env"), d.join("outside.env")).unwrap();
    std::os::unix::fs::symlink("compose", d.join("linked-folder")).unwrap();
    std::os::unix::fs::symlink("missing.conf", d.join("dangling.conf")).unwrap();
    let (_, report) = support::scan_json(&d, &["."]);
    let rules: Vec<&str> =
        report["findings"].as_array().unwrap().iter().map(|f| f["rule_id"].as_str().unwrap()).collect();
    assert!(rules.contains(&"workload-privileged"), "{report:#}");
    let skipped = skipped(&report);
    assert_eq!(skipped.len(), 3, "{skipped:#?}");
    assert!(skipped[0].starts_with("dangling.conf: symbolic link that cannot be resolved"), "{skipped:#?}");
    assert_eq!(skipped[1], "linked-folder: symbolic link to a folder: linked folders are not entered");
    assert_eq!(skipped[2], "outside.env: symbolic link to a file outside the scanned folder: not followed");
}
