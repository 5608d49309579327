//! Helpers for the report, CLI and gate tests: fixture reports, schema
//! validation, a headless Chromium runner and small scan folders.

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
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use stackaudit::report::Report;

pub fn fixture_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/reports").join(name)
}

/// The fixed report every renderer snapshot is taken from: findings of each
/// severity and of file, declared-only and location-less subjects, a
/// suppressed and a baseline finding, errors, a skipped file and notices.
pub fn sample() -> Report {
    let text = std::fs::read_to_string(fixture_path("sample.json")).expect("sample report fixture");
    serde_json::from_str(&text).expect("sample report parses")
}

/// The sample with attacker-controlled text in every field a scanned file or
/// target can influence.
pub const SCRIPT_PAYLOAD: &str =
    "<script>document.title='pwned-script';document.documentElement.setAttribute('data-pwned','script')</script>";
pub const ATTR_PAYLOAD: &str =
    "\"><img src=x onerror=\"document.title='pwned-img';document.documentElement.setAttribute('data-pwned','img')\">";
pub const SINGLE_QUOTE_PAYLOAD: &str = "'><svg onload='document.documentElement.setAttribute(\"data-pwned\",\"svg\")'>";

pub fn hostile() -> Report {
    let mut r = sample();
    let payloads = [SCRIPT_PAYLOAD, ATTR_PAYLOAD, SINGLE_QUOTE_PAYLOAD];
    for (i, f) in r.findings.iter_mut().enumerate() {
        let p = payloads[i % payloads.len()];
        let subject = std::sync::Arc::make_mut(&mut f.subject);
        subject.name = format!("{p}-{i}");
        subject.scope = Some(format!("{}/docker-compose.yml", payloads[(i + 1) % payloads.len()]));
        subject.labels.insert("image".into(), p.to_string());
        f.message = format!("message {p} \u{2028}\u{2029} </script><!--");
        f.evidence = Some(format!("evidence {p}"));
        f.key = Some(p.to_string());
        if let Some(loc) = f.location.as_mut() {
            loc.path = format!("{p}.yml").into();
        }
        if let Some(loc) = f.declared_in.as_mut() {
            loc.path = format!("{p}.toml").into();
        }
        f.remediation = format!("fix {p}").into();
        let mut refs = f.references.to_vec();
        refs.push(format!("javascript:alert(1)//{p}"));
        f.references = refs.into();
    }
    // A rule ID ends up in data attributes and option values.
    r.findings[0].rule_id = format!("rule-{ATTR_PAYLOAD}").into();
    for e in &mut r.errors {
        e.target = SCRIPT_PAYLOAD.to_string();
        e.message = ATTR_PAYLOAD.to_string();
    }
    r.targets.paths.push(SCRIPT_PAYLOAD.to_string());
    r.skipped[0].path = SINGLE_QUOTE_PAYLOAD.to_string();
    r.notices[0].message = SCRIPT_PAYLOAD.to_string();
    r
}

pub fn load_json(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// Validates `instance` against the JSON schema at `schema_path` (formats
/// checked too), listing every violation on failure.
pub fn assert_valid(schema_path: &Path, instance: &serde_json::Value) {
    let schema = load_json(schema_path);
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap_or_else(|e| panic!("{} is not a usable schema: {e}", schema_path.display()));
    let errors: Vec<String> =
        validator.iter_errors(instance).map(|e| format!("{} at {}", e, e.instance_path())).collect();
    assert!(errors.is_empty(), "invalid against {}:\n{}", schema_path.display(), errors.join("\n"));
}

pub fn report_schema() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("reports/report.schema.json")
}

pub fn sarif_schema() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/schemas/sarif-schema-2.1.0.json")
}

/// Runs a command to completion, killing it after `limit`; returns stdout.
pub fn output_within(mut cmd: Command, limit: Duration) -> (bool, String, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    let out_path = dir.path().join("stdout");
    let err_path = dir.path().join("stderr");
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_path).expect("stdout file"))
        .stderr(std::fs::File::create(&err_path).expect("stderr file"))
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}"));
    let start = Instant::now();
    let success = loop {
        match child.try_wait().expect("wait") {
            Some(status) => break status.success(),
            None if start.elapsed() > limit => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("{cmd:?} did not finish within {limit:?}");
            }
            None => std::thread::sleep(Duration::from_millis(50)),
        }
    };
    let read = |p: &Path| String::from_utf8_lossy(&std::fs::read(p).unwrap_or_default()).into_owned();
    (success, read(&out_path), read(&err_path))
}

/// The Chromium binary (Debian's `chromium`, installed by
/// scripts/install-test-deps.sh).
pub fn chromium() -> String {
    for name in ["chromium", "chromium-browser", "google-chrome"] {
        if Command::new("sh").arg("-c").arg(format!("command -v {name}")).output().is_ok_and(|o| o.status.success()) {
            return name.to_string();
        }
    }
    panic!("headless Chromium is needed for the HTML report tests: run scripts/install-test-deps.sh");
}

/// Opens `file` (with an optional `#fragment`) in real headless Chromium and
/// returns the DOM after the page's scripts ran.
pub fn dump_dom(file: &Path, fragment: &str) -> String {
    let profile = tempfile::tempdir().expect("profile dir");
    let mut url = format!("file://{}", file.display());
    if !fragment.is_empty() {
        url.push('#');
        url.push_str(fragment);
    }
    let mut cmd = Command::new(chromium());
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-extensions",
        "--disable-background-networking",
        "--disable-dev-shm-usage",
        "--virtual-time-budget=2000",
    ])
    .arg(format!("--user-data-dir={}", profile.path().display()))
    .arg("--dump-dom")
    .arg(&url);
    let (ok, dom, err) = output_within(cmd, Duration::from_secs(90));
    assert!(ok && dom.contains("</html>"), "chromium failed on {url}:\n{err}");
    dom
}

/// Writes `files` (relative path, contents) under a new temporary folder.
pub fn folder(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for (rel, contents) in files {
        let path = dir.path().join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(&path, contents).expect("write fixture file");
    }
    dir
}
