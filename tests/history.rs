//! Scheduled audits: diffs between runs, the history folder and its lock,
//! Prometheus metrics, and report files that survive a killed run.

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
use std::process::Command;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use stackaudit::facts::{FactKind, Location, Subject};
use stackaudit::findings::{fingerprint, Finding, Severity};
use stackaudit::report::{Gate, GateStatus, Report, Summary, Targets, Tool, SCHEMA_VERSION};

fn finding(rule: &str, subject: &str, severity: Severity) -> Finding {
    let subject = Subject::scoped(FactKind::Workload, subject, "docker-compose.yml");
    Finding {
        id: fingerprint(rule, &subject, None),
        rule_id: rule.into(),
        severity,
        title: format!("title of {rule}").into(),
        message: format!("{rule} on {}", subject.name),
        subject: subject.into(),
        key: None,
        location: Some(Location::line("docker-compose.yml", 3)),
        declared_in: None,
        evidence: None,
        references: vec![].into(),
        remediation: "fix it".into(),
        suppressed: false,
        suppression: None,
        baseline: false,
        legacy_ids: vec![],
    }
}

fn report(findings: Vec<Finding>, minute: u32) -> Report {
    let started_at = Utc.with_ymd_and_hms(2026, 11, 25, 3, minute, 0).unwrap();
    Report {
        schema_version: SCHEMA_VERSION.into(),
        tool: Tool::default(),
        started_at,
        finished_at: started_at + chrono::Duration::seconds(2),
        targets: Targets::default(),
        summary: Summary::of(&findings, 0),
        gate: Gate { fail_on: Severity::High, status: GateStatus::Passed, exit_code: 0, exit_zero: false },
        findings,
        errors: vec![],
        skipped: vec![],
        notices: vec![],
        facts: vec![],
        rules: vec![],
        diff: None,
        fact_spool: None,
    }
}

fn write_report(path: &Path, report: &Report) {
    std::fs::write(path, serde_json::to_string(report).unwrap()).unwrap();
}

#[test]
fn diff_reports_new_resolved_and_unchanged_by_fingerprint() {
    let dir = tempfile::tempdir().unwrap();
    let kept = finding("workload-runs-as-root", "app", Severity::High);
    let gone = finding("workload-no-pids-limit", "redis", Severity::Medium);
    let fresh = finding("workload-privileged", "nginx", Severity::Critical);
    // The same finding on a moved line keeps its fingerprint: unchanged.
    let mut moved = kept.clone();
    moved.location = Some(Location::line("docker-compose.yml", 40));
    write_report(&dir.path().join("old.json"), &report(vec![kept, gone.clone()], 0));
    write_report(&dir.path().join("new.json"), &report(vec![moved, fresh.clone()], 5));

    let out = support::run_in(dir.path(), &["diff", "old.json", "new.json", "--format", "json"]);
    assert!(out.status.success(), "{}", support::stderr(&out));
    let diff: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(diff["new"], serde_json::json!([fresh.id]));
    assert_eq!(diff["resolved"].as_array().unwrap().len(), 1);
    assert_eq!(diff["resolved"][0]["id"], gone.id.as_str());
    assert_eq!(diff["unchanged"].as_array().unwrap().len(), 1);

    // A report that carries the diff shows it in the table and the HTML page.
    let mut with_diff = report(vec![fresh.clone()], 5);
    with_diff.diff = Some(serde_json::from_value(diff.clone()).unwrap());
    let opts = stackaudit::report::RenderOptions::default();
    let html = stackaudit::report::Format::Html.render(&with_diff, &opts).unwrap();
    assert!(html.contains("Changes since the previous run") && html.contains("badge-new"), "diff section missing");
    assert!(html.contains("workload-no-pids-limit"), "the resolved finding is listed");
    let text = stackaudit::report::Format::Table.render(&with_diff, &opts).unwrap();
    assert!(text.contains("CHANGES since old.json") && text.contains("1 new, 1 resolved, 1 unchanged"), "{text}");
    assert!(text.contains("resolved: medium   workload-no-pids-limit") && text.contains("[new]"), "{text}");

    let table = support::run_in(dir.path(), &["diff", "old.json", "new.json"]);
    let text = support::stdout(&table);
    assert!(text.contains("1 new, 1 resolved, 1 unchanged"), "{text}");
    assert!(text.contains("+ critical workload-privileged"), "{text}");
    assert!(text.contains("- medium   workload-no-pids-limit"), "{text}");

    // --fail-on-new gates on the new critical finding only.
    let gated = support::run_in(dir.path(), &["diff", "old.json", "new.json", "--fail-on-new"]);
    assert_eq!(gated.status.code(), Some(1));
    let lenient = support::run_in(dir.path(), &["diff", "new.json", "new.json", "--fail-on-new"]);
    assert_eq!(lenient.status.code(), Some(0));
}

#[test]
fn scan_with_previous_records_the_diff_and_a_broken_previous_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let old = finding("workload-runs-as-root", "vanished", Severity::High);
    write_report(&dir.path().join("old.json"), &report(vec![old.clone()], 0));
    std::fs::create_dir(dir.path().join("empty")).unwrap();

    let (code, json) = support::scan_json(dir.path(), &["empty", "--previous", "old.json"]);
    assert_eq!(code, 0, "{json}");
    assert_eq!(json["diff"]["previous"]["path"], "old.json");
    assert_eq!(json["diff"]["resolved"][0]["id"], old.id.as_str());

    std::fs::write(dir.path().join("broken.json"), "{ not json").unwrap();
    let (code, json) = support::scan_json(dir.path(), &["empty", "--previous", "broken.json"]);
    assert_eq!(code, 2);
    assert_eq!(json["errors"][0]["source"], "history");
    assert!(json["errors"][0]["target"].as_str().unwrap().contains("broken.json"));
}

#[test]
fn history_folder_keeps_runs_compares_with_the_newest_and_is_private() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("empty")).unwrap();
    let history = dir.path().join("history");
    let hist = history.to_str().unwrap();

    let first = support::run_in(dir.path(), &["scan", "empty", "--history", hist, "--format", "json"]);
    assert_eq!(first.status.code(), Some(0), "{}", support::stderr(&first));
    let first_json: serde_json::Value = serde_json::from_slice(&first.stdout).unwrap();
    assert!(first_json.get("diff").is_none(), "the first run has nothing to compare with");

    let second = support::run_in(dir.path(), &["scan", "empty", "--history", hist, "--format", "json"]);
    let second_json: serde_json::Value = serde_json::from_slice(&second.stdout).unwrap();
    let previous = second_json["diff"]["previous"]["path"].as_str().unwrap();
    assert!(previous.contains("history/stackaudit-"), "{previous}");
    assert_eq!(second_json["diff"]["previous"]["started_at"], first_json["started_at"]);

    // Both runs fall on the same day: retention keeps the newest run of the
    // day, which is the second.
    let files = stackaudit::history::store::list(&history).unwrap();
    assert_eq!(files.len(), 1);
    let kept: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&files[0].path).unwrap()).unwrap();
    assert_eq!(kept["started_at"], second_json["started_at"]);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for f in files {
            let mode = std::fs::metadata(&f.path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{} is readable by others", f.path.display());
        }
    }
}

#[test]
fn an_overlapping_run_waits_for_the_lock_then_gives_up() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("empty")).unwrap();
    std::fs::write(dir.path().join("stackaudit.toml"), "[history]\nlock_timeout_secs = 1\n").unwrap();
    let history = dir.path().join("history");
    let lock = stackaudit::history::lock::HistoryLock::acquire(&history, Duration::ZERO).unwrap();

    let started = Instant::now();
    let blocked = support::run_in(dir.path(), &["scan", "empty", "--history", history.to_str().unwrap()]);
    assert_eq!(blocked.status.code(), Some(2));
    assert!(support::stderr(&blocked).contains("holds the lock"), "{}", support::stderr(&blocked));
    assert!(started.elapsed() >= Duration::from_secs(1), "it waited for the other run first");
    assert!(stackaudit::history::store::list(&history).unwrap().is_empty(), "nothing written while locked");

    drop(lock);
    let free = support::run_in(dir.path(), &["scan", "empty", "--history", history.to_str().unwrap()]);
    assert_eq!(free.status.code(), Some(0), "{}", support::stderr(&free));
    assert_eq!(stackaudit::history::store::list(&history).unwrap().len(), 1);
}

#[test]
fn retention_over_400_daily_runs() {
    let dir = tempfile::tempdir().unwrap();
    let start = Utc.with_ymd_and_hms(2025, 10, 21, 2, 0, 0).unwrap();
    for day in 0..400 {
        let t = start + chrono::Duration::days(day);
        std::fs::write(dir.path().join(stackaudit::history::store::file_name(t)), "{}").unwrap();
    }
    std::fs::write(dir.path().join("notes.txt"), "not a report").unwrap();
    let removed = stackaudit::history::store::prune(dir.path(), &Default::default()).unwrap();
    let left = stackaudit::history::store::list(dir.path()).unwrap();
    assert_eq!(removed + left.len(), 400);
    assert!(left.len() <= 23 && left.len() >= 17, "{}", left.len());
    // The last seven days are all there.
    let newest = left[0].started_at;
    for d in 0..7 {
        assert!(left.iter().any(|e| e.started_at == newest - chrono::Duration::days(d)), "day -{d} kept");
    }
    assert!(dir.path().join("notes.txt").exists(), "other files are left alone");
}

#[test]
fn prometheus_metrics_pass_promtool() {
    let dir = tempfile::tempdir().unwrap();
    let mut r = report(
        vec![
            finding("workload-runs-as-root", "app", Severity::High),
            finding("workload-runs-as-root", "redis", Severity::High),
            finding("workload-no-pids-limit", "say \"hi\"\\", Severity::Medium),
        ],
        0,
    );
    r.errors.push(stackaudit::diagnostics::ScanError::new(
        "tls",
        "127.0.0.1:1",
        stackaudit::diagnostics::ErrorKind::Unreachable,
        "refused",
    ));
    write_report(&dir.path().join("r.json"), &r);
    let out = support::run_in(dir.path(), &["report", "r.json", "--format", "prom", "--output", "m.prom"]);
    assert!(out.status.success(), "{}", support::stderr(&out));
    let text = std::fs::read_to_string(dir.path().join("m.prom")).unwrap();
    assert!(text.contains("stackaudit_findings{severity=\"high\"} 2"), "{text}");
    assert!(text.contains("stackaudit_rule_findings{rule_id=\"workload-runs-as-root\",severity=\"high\"} 2"));
    assert!(text.contains("stackaudit_scan_errors{source=\"tls\"} 1"));
    assert!(text.contains("stackaudit_scan_incomplete 1"));
    assert!(!text.contains("stackaudit_last_success_timestamp_seconds"), "an incomplete run is no success");

    let check = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(std::fs::File::open(dir.path().join("m.prom")).unwrap())
        .output();
    let check = check.expect("promtool is installed by scripts/install-test-deps.sh");
    assert!(check.status.success(), "promtool: {}{}", support::stdout(&check), support::stderr(&check));
}

#[test]
fn an_incomplete_run_keeps_the_last_success_timestamp() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("empty")).unwrap();
    let out = support::run_in(dir.path(), &["scan", "empty", "--format", "prom", "--output-dir", "metrics"]);
    assert_eq!(out.status.code(), Some(0));
    let good = std::fs::read_to_string(dir.path().join("metrics/stackaudit.prom")).unwrap();
    let ts = stackaudit::report::prom::previous_last_success(&good).expect("a complete run records its success");

    let bad =
        support::run_in(dir.path(), &["scan", "empty", "missing-path", "--format", "prom", "--output-dir", "metrics"]);
    assert_eq!(bad.status.code(), Some(2));
    let after = std::fs::read_to_string(dir.path().join("metrics/stackaudit.prom")).unwrap();
    assert!(after.contains("stackaudit_scan_incomplete 1"));
    assert_eq!(stackaudit::report::prom::previous_last_success(&after), Some(ts));
}

/// Kills a run at many points while it writes a large report: the file at
/// the final path is always either the previous report or the new one,
/// complete, never a torn mix.
#[test]
fn a_run_killed_mid_write_leaves_the_previous_report_intact() {
    let dir = tempfile::tempdir().unwrap();
    let many: Vec<Finding> =
        (0..60_000).map(|i| finding("workload-runs-as-root", &format!("svc-{i}"), Severity::High)).collect();
    write_report(&dir.path().join("big.json"), &report(many, 0));
    let previous = "{\"previous\": true}\n";
    let target = dir.path().join("out.json");

    // Time one uninterrupted render to spread the kills over it.
    let t0 = Instant::now();
    let full = support::run_in(dir.path(), &["report", "big.json", "--format", "json", "--output", "whole.json"]);
    assert!(full.status.success());
    let whole = std::fs::read_to_string(dir.path().join("whole.json")).unwrap();
    let total = t0.elapsed();

    let mut interrupted = 0;
    for step in 1..=8u32 {
        std::fs::write(&target, previous).unwrap();
        let mut child = support::bin()
            .current_dir(dir.path())
            .args(["report", "big.json", "--format", "json", "--output", "out.json"])
            .spawn()
            .unwrap();
        std::thread::sleep(total * step / 9);
        let finished_before_kill = child.try_wait().unwrap().is_some();
        let _ = child.kill();
        let _ = child.wait();
        let now = std::fs::read_to_string(&target).unwrap();
        assert!(now == previous || now == whole, "torn report after a kill at step {step} ({} bytes)", now.len());
        if !finished_before_kill && now == previous {
            interrupted += 1;
        }
    }
    assert!(interrupted > 0, "no run was killed before it finished: the test proved nothing");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(".stackaudit-"))
        .collect();
    // A killed run may leave its temporary file, never a file with the final name.
    assert!(leftovers.iter().all(|e| e.file_name().to_string_lossy().ends_with(".tmp")));
}

#[test]
fn the_cronjob_example_passes_our_own_rules_at_medium_and_above() {
    let root = support::root();
    let (code, json) = support::scan_json(&root, &["examples/scheduled/cronjob.yaml", "--fail-on", "medium"]);
    let workloads = json["facts"].as_array().unwrap().iter().filter(|f| f["kind"] == "workload").count();
    assert_eq!(workloads, 1, "the CronJob's container was read as a workload");
    let blocking: Vec<_> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| matches!(f["severity"].as_str(), Some("critical" | "high" | "medium")))
        .map(|f| f["rule_id"].as_str().unwrap().to_string())
        .collect();
    assert!(blocking.is_empty(), "{blocking:?}");
    assert_eq!(code, 0, "{json}");
}
