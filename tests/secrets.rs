//! The leaked-secrets scanner end to end: planted secrets in every structured
//! format are found with rule, path, line and key; placeholders are not;
//! inline suppression, binary and over-size files; and no report format or
//! log line ever contains a raw secret value.

mod secrets_support;
mod support;

use std::collections::BTreeSet;

use secrets_support::{plant_stack, write, Gen, ALNUM};
use support::{bin, fixture, scan_json, stderr, stdout};

/// Secret findings of a report as `(rule, path, key)`.
fn secret_findings(report: &serde_json::Value) -> Vec<&serde_json::Value> {
    report["findings"]
        .as_array()
        .expect("findings array")
        .iter()
        .filter(|f| f["rule_id"].as_str().is_some_and(|r| r.starts_with("secret-")))
        .collect()
}

fn triples(report: &serde_json::Value) -> BTreeSet<(String, String, String)> {
    secret_findings(report)
        .iter()
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap_or_default().to_string(),
                f["location"]["path"].as_str().unwrap_or_default().to_string(),
                f["key"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[test]
fn rules_self_test_passes_and_there_are_at_least_40_secret_rules() {
    let out = bin().args(["rules", "test"]).output().expect("runs");
    assert!(out.status.success(), "rules test failed:\n{}\n{}", stdout(&out), stderr(&out));
    let list = bin().args(["rules", "list"]).output().expect("runs");
    let secret_rules = stdout(&list).lines().filter(|l| l.starts_with("secret-") && l.contains(" secret ")).count();
    assert!(secret_rules >= 40, "only {secret_rules} secret rules:\n{}", stdout(&list));
    for id in [
        "secret-google-api-key",
        "secret-aws-access-key",
        "secret-private-key",
        "secret-github-token",
        "secret-database-url",
        "secret-redis-password",
        "secret-generic-password",
        "secret-slack-token",
        "secret-stripe-key",
        "secret-jwt",
    ] {
        assert!(stdout(&list).lines().any(|l| l.starts_with(&format!("{id} "))), "missing {id}");
    }
}

#[test]
fn finds_every_planted_secret_with_path_line_and_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let planted = plant_stack(dir.path(), 7);
    let (_code, report) = scan_json(dir.path(), &["."]);
    let found = triples(&report);
    for p in &planted {
        assert!(
            found.iter().any(|(rule, path, _)| rule == p.rule && path == p.file),
            "{} in {} not found; found: {found:#?}",
            p.rule,
            p.file
        );
    }
    // Keys come from the structure of each format.
    for (rule, path, key) in [
        ("secret-aws-access-key", ".env", "AWS_ACCESS_KEY_ID"),
        ("secret-google-api-key", ".env", "GOOGLE_GENAI_API_KEY"),
        ("secret-github-token", "docker-compose.yml", "GITHUB_TOKEN"),
        ("secret-database-url", "docker-compose.yml", "DATABASE_URL"),
        ("secret-sendgrid-key", "Dockerfile", "SENDGRID_API_KEY"),
        ("secret-npm-token", "Dockerfile", "NPM_TOKEN"),
        ("secret-authorization-header", "nginx/app.conf", "Authorization"),
        ("secret-generic-token", "k8s/secret.yaml", "SESSION_SECRET"),
        ("secret-gitlab-token", "config/app.ini", "gitlab_token"),
        // Decoded from a Secret's base64 `data`.
        ("secret-stripe-key", "k8s/secret.yaml", "STRIPE_KEY"),
    ] {
        assert!(found.contains(&(rule.into(), path.into(), key.into())), "{rule} {path} {key}: {found:#?}");
    }
    // Line and column point at the secret.
    let aws =
        secret_findings(&report).into_iter().find(|f| f["rule_id"] == "secret-aws-access-key").expect("aws finding");
    assert_eq!(aws["location"]["line"], 2);
    assert_eq!(aws["location"]["column"], 19);
    assert!(aws["evidence"].as_str().unwrap_or_default().starts_with("AKIA… (20 chars) fingerprint bk:"), "{aws}");
    // A specific rule beats the generic one on the same value, and the
    // scan reports nothing that was not planted.
    assert_eq!(secret_findings(&report).len(), planted.len(), "{found:#?}");
}

#[test]
fn placeholders_references_and_checksums_are_not_findings() {
    let (_code, report) = scan_json(&fixture("secrets/negatives"), &["."]);
    let found = triples(&report);
    assert!(found.is_empty(), "false findings: {found:#?}");
}

#[test]
fn same_value_in_one_file_is_one_finding() {
    let dir = tempfile::tempdir().expect("tempdir");
    let token = format!("ghp_{}", Gen::new(3).s(ALNUM, 36));
    write(dir.path(), "ci.env", &format!("GITHUB_TOKEN={token}\nGH_TOKEN={token}\n"));
    write(dir.path(), "other.env", &format!("GITHUB_TOKEN={token}\n"));
    let (_code, report) = scan_json(dir.path(), &["."]);
    let paths: Vec<&str> = secret_findings(&report).iter().filter_map(|f| f["location"]["path"].as_str()).collect();
    assert_eq!(paths, vec!["ci.env", "other.env"], "{report:#}");
}

#[test]
fn inline_comment_suppresses_all_or_the_named_rules() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut g = Gen::new(11);
    let (a, b, c) = (g.s(ALNUM, 36), g.s(ALNUM, 36), g.s(ALNUM, 36));
    write(
        dir.path(),
        "tokens.sh",
        &format!(
            "export A=ghp_{a} # stackaudit:ignore\nexport B=ghp_{b} # stackaudit:ignore[secret-github-token]\n\
             export C=ghp_{c} # stackaudit:ignore[secret-jwt]\n"
        ),
    );
    let (code, report) = scan_json(dir.path(), &["."]);
    let by_key: Vec<(String, bool)> = secret_findings(&report)
        .iter()
        .map(|f| (f["key"].as_str().unwrap_or_default().to_string(), f["suppressed"].as_bool().unwrap_or(false)))
        .collect();
    assert_eq!(by_key, vec![("A".into(), true), ("B".into(), true), ("C".into(), false)], "{report:#}");
    assert_eq!(code, 1, "the unsuppressed token fails the gate");
}

#[test]
fn binary_oversize_and_gitignored_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut g = Gen::new(5);
    let token = format!("ghp_{}", g.s(ALNUM, 36));
    let mut binary = b"\x7fELF\0\0\0".to_vec();
    binary.extend_from_slice(format!("GITHUB_TOKEN={token}").as_bytes());
    std::fs::write(dir.path().join("app.bin"), binary).expect("write");
    write(dir.path(), "big.txt", &format!("{}\nGITHUB_TOKEN={token}\n", "x".repeat(3000)));
    write(dir.path(), ".gitignore", "ignored.env\n");
    write(dir.path(), "ignored.env", &format!("GITHUB_TOKEN={token}\n"));
    write(dir.path(), "stackaudit.toml", "[secrets]\nmax_file_bytes = 2048\n");
    let (_code, report) = scan_json(dir.path(), &["."]);
    assert!(secret_findings(&report).is_empty(), "{report:#}");
    let skipped: Vec<(String, String)> = report["skipped"]
        .as_array()
        .expect("skipped")
        .iter()
        .map(|s| (s["path"].as_str().unwrap_or_default().into(), s["reason"].as_str().unwrap_or_default().into()))
        .collect();
    assert!(skipped.iter().any(|(p, r)| p == "app.bin" && r.contains("binary")), "{skipped:?}");
    assert!(skipped.iter().any(|(p, r)| p == "big.txt" && r.contains("max_file_bytes")), "{skipped:?}");
    assert!(!skipped.iter().any(|(p, _)| p == "ignored.env"), "{skipped:?}");
}

/// Every report format, written with debug logging, must not contain any
/// planted value (nor a long prefix of one).
#[test]
fn no_secret_value_is_ever_printed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let planted = plant_stack(dir.path(), 42);
    let out_dir = tempfile::tempdir().expect("tempdir");
    let mut outputs: Vec<(String, String)> = Vec::new();
    let out = bin()
        .current_dir(dir.path())
        .env("STACKAUDIT_LOG", "trace")
        .args(["-vv", "scan", ".", "--format", "json,html,sarif,junit,prom", "--output-dir"])
        .arg(out_dir.path())
        .output()
        .expect("scan runs");
    outputs.push(("stdout".into(), stdout(&out)));
    outputs.push(("stderr".into(), stderr(&out)));
    for entry in std::fs::read_dir(out_dir.path()).expect("report dir") {
        let path = entry.expect("entry").path();
        outputs.push((path.display().to_string(), std::fs::read_to_string(&path).expect("report is text")));
    }
    assert!(outputs.len() >= 6, "expected every report file: {:?}", outputs.iter().map(|o| &o.0).collect::<Vec<_>>());
    for format in ["table", "json", "sarif", "junit", "html"] {
        let out = bin()
            .current_dir(dir.path())
            .env("STACKAUDIT_LOG", "debug")
            .args(["-vv", "scan", ".", "--format", format])
            .output()
            .expect("scan runs");
        outputs.push((format!("{format} stdout"), stdout(&out)));
        outputs.push((format!("{format} stderr"), stderr(&out)));
    }
    // The JSON report must have found them, or this test proves nothing.
    let json = outputs.iter().find(|(n, _)| n.ends_with("stackaudit.json")).expect("json report");
    assert!(json.1.contains("secret-github-token"), "no secret findings in the report");
    for p in &planted {
        let raw = p.value.trim();
        // Previews show at most 4 characters; any 8-character window of the
        // secret in an output is a leak.
        let windows: Vec<&str> = (0..raw.len().saturating_sub(8)).step_by(4).map(|i| &raw[i..i + 8]).collect();
        for (name, text) in &outputs {
            assert!(!text.contains(raw), "{} value of {} printed in {name}", p.rule, p.key);
            for w in &windows {
                if !w.contains('\n') && !is_common(w) {
                    assert!(!text.contains(w), "part of {} ({}) printed in {name}", p.rule, p.key);
                }
            }
        }
    }
}

/// Windows that occur in report text for other reasons (the fixed prefix
/// of a token format shown in a rule's documentation).
fn is_common(window: &str) -> bool {
    window.starts_with("pypi-AgE")
        || window.starts_with("eyJhbGci")
        || window.contains("AgEIcHlw")
        || window.contains("cHlwaS5v")
}

#[test]
fn secrets_can_be_turned_off() {
    let dir = tempfile::tempdir().expect("tempdir");
    plant_stack(dir.path(), 9);
    write(dir.path(), "stackaudit.toml", "[secrets]\nenabled = false\n");
    let (_code, report) = scan_json(dir.path(), &["."]);
    assert!(secret_findings(&report).is_empty());
}
