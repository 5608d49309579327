//! The CI gate: exit codes 0/1/2, `--fail-on`, `--exit-zero`, baselines,
//! ignore files (reason, globs, expiry), broken inputs named with their line,
//! and reports written before the process exits.
//!
//! Three layers: the gate's library API over a fixed report (always runs);
//! the binary on inputs that need no facts (always runs); the binary on a
//! small compose file, which needs the compose collector: those tests say
//! SKIPPED and return while `src/collect/compose/mod.rs` is still the
//! placeholder, and run for real once the collector is merged.

// A test crate: a panic here fails a test, it cannot crash a scan.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::string_slice,
    clippy::indexing_slicing,
    clippy::unreachable
)]

mod reports_support;
mod support;

use std::path::Path;

use chrono::NaiveDate;
use reports_support::*;
use serde_json::Value;
use stackaudit::findings::Severity;
use stackaudit::gate::{self, suppress::Suppressions};
use stackaudit::pipeline::load_baseline;
use stackaudit::report::GateStatus;

// ---------------------------------------------------------------- library

#[test]
fn threshold_decides_between_passed_and_failed_and_errors_outrank_findings() {
    let report = sample();
    // Counting findings: one critical, three high, one medium, one info
    // (the low one is suppressed, one high is in the baseline).
    let expected = [
        (Severity::Critical, GateStatus::Failed),
        (Severity::High, GateStatus::Failed),
        (Severity::Medium, GateStatus::Failed),
        (Severity::Low, GateStatus::Failed),
        (Severity::Info, GateStatus::Failed),
    ];
    for (fail_on, status) in expected {
        let g = gate::decide(&report.findings, 0, fail_on, None);
        assert_eq!(g.status, status, "fail on {fail_on}");
        assert_eq!(g.exit_code, gate::EXIT_FINDINGS);
    }
    // Only what counts decides: drop the critical and the high ones, and
    // --fail-on high passes although a high finding is still listed (in the
    // baseline).
    let rest: Vec<_> =
        report.findings.iter().filter(|f| !(gate::counts(f) && f.severity >= Severity::High)).cloned().collect();
    assert!(rest.iter().any(|f| f.severity == Severity::High && f.baseline));
    assert_eq!(gate::decide(&rest, 0, Severity::High, None).status, GateStatus::Passed);
    assert_eq!(gate::decide(&rest, 0, Severity::Medium, None).status, GateStatus::Failed);
    let incomplete = gate::decide(&rest, 1, Severity::Critical, None);
    assert_eq!((incomplete.status, incomplete.exit_code), (GateStatus::Incomplete, gate::EXIT_ERROR));
}

#[test]
fn suppressions_match_rule_subject_and_path_globs_and_expire() {
    let mut findings = sample().findings;
    for f in &mut findings {
        f.suppressed = false;
        f.suppression = None;
    }
    let file = r#"
[[ignore]]
rule = "workload-runs-as-root"
subject = "red*"
reason = "redis image runs as its own user at runtime"

[[ignore]]
rule = "*"
path = "k8s/**"
reason = "k8s manifests are audited by another team"
expires = 2030-01-01

[[ignore]]
rule = "workload-privileged"
reason = "temporary"
expires = "2020-06-30"

[[ignore]]
rule = "workload-no-pids-limit"
reason = "matches nothing here"
"#;
    let s = Suppressions::parse(file, "ignore.toml").unwrap();
    let notices = s.apply(&mut findings, NaiveDate::from_ymd_opt(2026, 1, 27).unwrap());
    let suppressed: Vec<(&str, &str)> =
        findings.iter().filter(|f| f.suppressed).map(|f| (&*f.rule_id, f.subject.name.as_str())).collect();
    assert_eq!(suppressed, [("workload-runs-as-root", "redis"), ("workload-runs-as-root", "web")]);
    let redis = findings.iter().find(|f| f.subject.name == "redis" && f.suppressed).unwrap();
    let why = redis.suppression.as_ref().unwrap();
    assert_eq!(why.reason, "redis image runs as its own user at runtime");
    assert_eq!(why.source, "ignore.toml:2");
    let web = findings.iter().find(|f| f.subject.name == "web").unwrap();
    assert_eq!(web.suppression.as_ref().unwrap().expires, NaiveDate::from_ymd_opt(2030, 1, 1));

    // The expired entry suppresses nothing and says so; the unused one too.
    assert!(!findings.iter().find(|f| f.rule_id == "workload-privileged".into()).unwrap().suppressed);
    let kinds: Vec<(&str, Option<&str>)> = notices.iter().map(|n| (n.kind.as_str(), n.source.as_deref())).collect();
    assert_eq!(
        kinds,
        [("suppression-expired", Some("ignore.toml:13")), ("suppression-unused", Some("ignore.toml:18"))]
    );
    assert!(notices[0].message.contains("expired on 2020-06-30; 1 finding(s) count again"), "{}", notices[0].message);
}

#[test]
fn a_broken_ignore_file_is_an_error_naming_its_line() {
    for (text, line) in [
        ("[[ignore]]\nrule = \"a\"\nreason = \"r\"\n\n[[ignore]]\nrule = \"b\"\nreasn = \"typo\"\n", 7),
        ("[[ignore]]\nrule = \"a\"\nreason = \"   \"\n", 1),
        ("[[ignore]]\nrule = \"a\"\nreason = \"r\"\nsubject = \"[unclosed\"\n", 1),
        ("[[ignore]]\nrule = \"a\"\nreason = \"r\"\nexpires = \"next year\"\n", 1),
        ("[[ignore]\nrule = \"a\"\n", 1),
    ] {
        let err = Suppressions::parse(text, "ignore.toml").unwrap_err();
        let loc = err.location.clone().expect("the error has a location");
        assert_eq!((&*loc.path, loc.line), ("ignore.toml", Some(line)), "{err}");
        assert_eq!(err.kind, stackaudit::diagnostics::ErrorKind::Config);
    }
}

#[test]
fn a_baseline_is_a_previous_json_report() {
    let dir = tempfile::tempdir().unwrap();
    let previous = dir.path().join("previous.json");
    std::fs::copy(fixture_path("sample.json"), &previous).unwrap();
    let baseline = load_baseline(&previous).unwrap();
    let mut findings = sample().findings;
    for f in &mut findings {
        f.baseline = false;
    }
    findings[0].id = "a-finding-that-is-new".into();
    assert_eq!(baseline.apply(&mut findings), findings.len() - 1);
    assert!(!findings[0].baseline && findings[1..].iter().all(|f| f.baseline));
    assert_eq!(gate::decide(&findings, 0, Severity::Critical, None).status, GateStatus::Failed, "the new one counts");

    let not_a_report = dir.path().join("notes.json");
    std::fs::write(&not_a_report, "[1, 2, 3]").unwrap();
    let err = load_baseline(&not_a_report).expect_err("not a report");
    assert!(err.message.contains("notes.json") && err.target.ends_with("notes.json"), "{err}");
}

// ---------------------------------------------------------------- binary, no facts needed

fn scan(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = support::run_in(dir, args);
    (out.status.code().unwrap_or(-1), support::stdout(&out), support::stderr(&out))
}

fn report_in(dir: &Path) -> Value {
    load_json(&dir.join("stackaudit.json"))
}

const ALL_REPORTS: [&str; 4] = ["stackaudit.json", "stackaudit.html", "stackaudit.sarif", "stackaudit.junit.xml"];

#[test]
fn a_clean_scan_exits_0_at_any_threshold() {
    let dir = folder(&[("proj/README.md", "nothing to audit here\n")]);
    for fail_on in ["critical", "info"] {
        let (code, json) = support::scan_json(dir.path(), &["proj", "--fail-on", fail_on]);
        assert_eq!(code, 0, "{json}");
        assert_eq!(json["gate"]["status"], "passed");
        assert_eq!(json["gate"]["fail_on"], fail_on);
        assert_valid(&report_schema(), &json);
    }
}

#[test]
fn a_broken_ignore_file_exits_2_naming_the_line_and_reports_are_written_first() {
    let dir = folder(&[
        ("proj/README.md", "x\n"),
        ("ignore.toml", "[[ignore]]\nrule = \"a\"\nreason = \"r\"\n\n[[ignore]]\nrule = \"b\"\nreasn = \"typo\"\n"),
    ]);
    let (code, stdout, _) = scan(dir.path(), &["scan", "proj", "--ignore-file", "ignore.toml", "-o", "out"]);
    assert_eq!(code, 2, "{stdout}");
    assert!(stdout.contains("ignore.toml:7:1: invalid ignore file: unknown field `reasn`"), "{stdout}");
    let out = dir.path().join("out");
    for name in ALL_REPORTS {
        assert!(out.join(name).is_file(), "{name} is written before the exit");
    }
    let json = report_in(&out);
    assert_eq!(json["gate"]["status"], "incomplete");
    assert_eq!(json["errors"][0]["source"], "ignore-file");
    assert_eq!(json["errors"][0]["location"]["line"], 7);
    let sarif = load_json(&out.join("stackaudit.sarif"));
    assert_eq!(sarif["runs"][0]["invocations"][0]["executionSuccessful"], false);
    assert_valid(&sarif_schema(), &sarif);

    // --exit-zero: exit 0, and the same reports, recording the gate's status
    // and the exit code the process really returned.
    std::fs::remove_dir_all(&out).unwrap();
    let (code, _, _) = scan(dir.path(), &["scan", "proj", "--ignore-file", "ignore.toml", "-o", "out", "--exit-zero"]);
    assert_eq!(code, 0);
    let json = report_in(&out);
    assert_eq!((json["gate"]["status"].as_str(), json["gate"]["exit_code"].as_u64()), (Some("incomplete"), Some(0)));
    assert_eq!(json["gate"]["exit_zero"], true);
    assert!(out.join("stackaudit.html").is_file());
}

#[test]
fn an_expired_suppression_is_reported_as_a_notice_in_every_format() {
    let dir = folder(&[
        ("proj/README.md", "x\n"),
        (
            ".stackaudit-ignore.toml",
            "[[ignore]]\nrule = \"workload-privileged\"\nreason = \"migration\"\nexpires = 2020-01-01\n",
        ),
    ]);
    // The default ignore file is picked up from the current folder.
    let (code, stdout, _) = scan(dir.path(), &["scan", "proj", "-o", "out"]);
    assert_eq!(code, 0);
    assert!(stdout.contains("suppression of workload-privileged expired on 2020-01-01"), "{stdout}");
    let out = dir.path().join("out");
    let json = report_in(&out);
    assert_eq!(json["notices"][0]["kind"], "suppression-expired");
    assert_eq!(json["notices"][0]["source"], ".stackaudit-ignore.toml:1");
    let html = std::fs::read_to_string(out.join("stackaudit.html")).unwrap();
    assert!(html.contains("class=\"notice-warning\" data-kind=\"suppression-expired\""));
    let sarif = load_json(&out.join("stackaudit.sarif"));
    let notes = &sarif["runs"][0]["invocations"][0]["toolConfigurationNotifications"];
    assert_eq!(notes[0]["descriptor"]["id"], "suppression-expired");
}

#[test]
fn a_broken_config_exits_2_naming_file_and_line() {
    let dir = folder(&[("proj/README.md", "x\n"), ("stackaudit.toml", "[scan]\nfail_on = \"high\"\ncolour = true\n")]);
    let (code, stdout, stderr) = scan(dir.path(), &["scan", "proj"]);
    assert_eq!(code, 2, "{stdout}");
    assert!(stderr.contains("stackaudit.toml:3"), "{stderr}");
    assert!(stderr.contains("colour"), "{stderr}");
    // Explicit --config, wrong type.
    std::fs::write(dir.path().join("other.toml"), "[scan]\n\nfail_on = 3\n").unwrap();
    let (code, _, stderr) = scan(dir.path(), &["scan", "proj", "--config", "other.toml", "--exit-zero"]);
    assert_eq!(code, 2, "a config that cannot be read is a usage error even with --exit-zero");
    assert!(stderr.contains("other.toml:3"), "{stderr}");
}

#[test]
fn a_broken_rule_file_exits_2_naming_file_and_line() {
    let dir = folder(&[
        ("proj/README.md", "x\n"),
        (
            "rules/bad.toml",
            "id = \"custom-bad\"\ntitle = \"t\"\nseverity = \"high\"\nkind = \"workload\"\nexpression = \"workload.privileged &&\"\nmessage = \"m\"\nrationale = \"r\"\nremediation = \"x\"\n",
        ),
    ]);
    let (code, json) = support::scan_json(dir.path(), &["proj", "--rules", "rules"]);
    assert_eq!(code, 2);
    let err = &json["errors"][0];
    assert_eq!(err["kind"], "rule");
    assert!(err["location"]["path"].as_str().unwrap().ends_with("bad.toml"), "{err}");
    assert!(err["location"]["line"].as_u64().is_some(), "{err}");
}

#[test]
fn a_baseline_that_is_not_a_report_exits_2_naming_it() {
    let dir = folder(&[("proj/README.md", "x\n"), ("old.json", "{\"not\": \"a report\"}")]);
    let (code, json) = support::scan_json(dir.path(), &["proj", "--baseline", "old.json"]);
    assert_eq!(code, 2);
    assert_eq!(json["errors"][0]["source"], "baseline");
    assert!(json["errors"][0]["message"].as_str().unwrap().contains("old.json"));
    let (code, json) = support::scan_json(dir.path(), &["proj", "--baseline", "missing.json"]);
    assert_eq!(code, 2);
    assert!(json["errors"][0]["message"].as_str().unwrap().contains("missing.json"));
}

#[test]
fn usage_errors_exit_2() {
    let dir = folder(&[("proj/README.md", "x\n")]);
    let (code, _, stderr) = scan(dir.path(), &["scan", "proj", "--fail-on", "severe"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("unknown severity \"severe\""), "{stderr}");
    let (code, _, stderr) = scan(dir.path(), &["scan", "proj", "--format", "json,sarif"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("only one machine-readable format"), "{stderr}");
}

// ---------------------------------------------------------------- binary, needs the compose collector

/// The compose collector is written in parallel; until it is merged its
/// module is the placeholder and produces no facts.
fn compose_collector_merged() -> bool {
    let src = std::fs::read_to_string(support::root().join("src/collect/compose/mod.rs")).unwrap_or_default();
    !src.contains("compose collector (to be filled in)")
}

macro_rules! needs_compose_collector {
    () => {
        if !compose_collector_merged() {
            eprintln!("SKIPPED: needs the compose collector (src/collect/compose/mod.rs is still the placeholder)");
            return;
        }
    };
}

/// A service hardened as the deployment guide asks, except that it runs
/// privileged: with `--fail-on critical` that is the only finding that
/// decides the gate.
const PRIVILEGED_COMPOSE: &str = r#"services:
  app:
    image: registry.example.com/app:1.4.2
    user: "1001:1001"
    privileged: true
    cap_drop: [ALL]
    read_only: true
    security_opt:
      - no-new-privileges:true
    mem_limit: 2g
    cpus: 2
    pids_limit: 200
    healthcheck:
      test: ["CMD", "/app/healthcheck"]
"#;

fn privileged_project(extra: &[(&str, &str)]) -> tempfile::TempDir {
    let mut files = vec![("proj/docker-compose.yml", PRIVILEGED_COMPOSE)];
    files.extend_from_slice(extra);
    folder(&files)
}

fn privileged_finding(json: &Value) -> Value {
    json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == "workload-privileged")
        .unwrap_or_else(|| panic!("no workload-privileged finding: {json}"))
        .clone()
}

#[test]
fn compose_findings_fail_the_gate_at_or_above_the_threshold() {
    needs_compose_collector!();
    let dir = privileged_project(&[]);
    let (code, json) = support::scan_json(dir.path(), &["proj"]);
    assert_eq!(code, 1, "default --fail-on high: {json}");
    let f = privileged_finding(&json);
    assert_eq!(f["severity"], "critical");
    assert_eq!(f["subject"]["name"], "app");
    assert_eq!(f["location"]["line"], 5, "points at `privileged: true`");
    let (code, _) = support::scan_json(dir.path(), &["proj", "--fail-on", "critical"]);
    assert_eq!(code, 1);
    let (code, json) = support::scan_json(dir.path(), &["proj", "--fail-on", "critical", "--exit-zero"]);
    assert_eq!(code, 0, "--exit-zero");
    assert_eq!(json["gate"]["status"], "failed", "the report still records the gate's decision");
    assert_eq!(json["gate"]["exit_code"], 0, "and the exit code the process returned");
}

#[test]
fn compose_finding_suppressed_by_rule_subject_and_path_passes_until_expiry() {
    needs_compose_collector!();
    let ignore = "[[ignore]]\nrule = \"workload-privileged\"\nsubject = \"ap*\"\npath = \"proj/**\"\nreason = \"needs /dev/fuse until the storage migration\"\nexpires = 2099-12-31\n";
    let dir = privileged_project(&[("ignore.toml", ignore)]);
    let (code, json) =
        support::scan_json(dir.path(), &["proj", "--fail-on", "critical", "--ignore-file", "ignore.toml"]);
    assert_eq!(code, 0, "{json}");
    let f = privileged_finding(&json);
    assert_eq!(f["suppressed"], true);
    assert_eq!(f["suppression"]["reason"], "needs /dev/fuse until the storage migration");
    assert_eq!(f["suppression"]["source"], "ignore.toml:1");

    std::fs::write(dir.path().join("ignore.toml"), ignore.replace("2099-12-31", "2021-01-01")).unwrap();
    let (code, json) =
        support::scan_json(dir.path(), &["proj", "--fail-on", "critical", "--ignore-file", "ignore.toml"]);
    assert_eq!(code, 1, "an expired suppression stops suppressing");
    assert_eq!(privileged_finding(&json)["suppressed"], false);
    assert_eq!(json["notices"][0]["kind"], "suppression-expired");
}

#[test]
fn compose_findings_in_the_baseline_are_marked_and_pass() {
    needs_compose_collector!();
    let dir = privileged_project(&[]);
    let (code, _, _) = scan(dir.path(), &["scan", "proj", "-o", "first", "--fail-on", "info"]);
    assert_eq!(code, 1);
    let (code, _, _) =
        scan(dir.path(), &["scan", "proj", "-o", "second", "--fail-on", "info", "--baseline", "first/stackaudit.json"]);
    assert_eq!(code, 0, "every finding is known");
    let json = report_in(&dir.path().join("second"));
    let findings = json["findings"].as_array().unwrap();
    assert!(!findings.is_empty() && findings.iter().all(|f| f["baseline"] == true));
    assert_eq!(json["summary"]["baseline"].as_u64(), Some(findings.len() as u64));
    let sarif = load_json(&dir.path().join("second/stackaudit.sarif"));
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert!(results.iter().all(|r| r["baselineState"] == "unchanged"));
}
