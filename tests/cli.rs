//! The command line: `--help` snapshots, `stackaudit report` re-rendering a
//! saved JSON report in every format, where `scan` writes what, and colour.

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

use std::process::Output;

use reports_support::*;
use stackaudit::report::{html, json, junit, sarif, table};

/// `stackaudit` with a fixed terminal width, so help text wraps the same
/// everywhere.
fn run(args: &[&str]) -> Output {
    support::bin().env("COLUMNS", "100").args(args).output().expect("stackaudit runs")
}

#[test]
fn help_snapshots() {
    for (name, args) in [
        ("help_stackaudit", &["--help"][..]),
        ("help_scan", &["scan", "--help"][..]),
        ("help_rules", &["rules", "--help"][..]),
        ("help_report", &["report", "--help"][..]),
    ] {
        let out = run(args);
        assert!(out.status.success(), "{args:?} exits 0");
        insta::assert_snapshot!(name, support::stdout(&out));
    }
}

#[test]
fn version_names_the_tool() {
    let out = run(&["--version"]);
    assert!(out.status.success());
    assert_eq!(support::stdout(&out), format!("stackaudit {}\n", env!("CARGO_PKG_VERSION")));
}

#[test]
fn report_re_renders_a_saved_json_report_in_every_format() {
    let input = fixture_path("sample.json");
    let input = input.to_str().unwrap();
    let saved = sample();
    let expected = [
        ("json", json::render(&saved).unwrap()),
        ("html", html::render(&saved).unwrap()),
        ("sarif", sarif::render(&saved).unwrap()),
        ("junit", junit::render(&saved)),
        ("table", table::render_with_width(&saved, false, 100)),
    ];
    for (format, want) in expected {
        let out = run(&["report", input, "--format", format]);
        assert!(out.status.success(), "{format}: {}", support::stderr(&out));
        assert_eq!(support::stdout(&out), want, "`stackaudit report --format {format}` matches the renderer");
    }
    // HTML is the default.
    let out = run(&["report", input]);
    assert!(support::stdout(&out).starts_with("<!DOCTYPE html>"));

    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("nested/out.sarif");
    let out = run(&["report", input, "--format", "sarif", "--output", target.to_str().unwrap()]);
    assert!(out.status.success() && out.stdout.is_empty());
    assert_eq!(std::fs::read_to_string(&target).unwrap(), sarif::render(&saved).unwrap());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&target).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "reports are readable by their owner only");
    }
}

#[test]
fn report_of_something_that_is_not_a_report_exits_2_naming_it() {
    let dir = folder(&[("notes.json", "{\"hello\": 1}"), ("binary.json", "\u{0}\u{1}\u{2}\u{3}")]);
    for name in ["notes.json", "binary.json", "missing.json"] {
        let path = dir.path().join(name);
        let out = run(&["report", path.to_str().unwrap(), "--format", "sarif"]);
        assert_eq!(out.status.code(), Some(2), "{name}");
        assert!(support::stderr(&out).contains(name), "{name}: {}", support::stderr(&out));
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn scan_writes_every_report_with_output_dir_and_a_table_on_stdout() {
    let dir = folder(&[("proj/README.md", "x\n")]);
    let out = support::run_in(dir.path(), &["scan", "proj", "--output-dir", "reports"]);
    assert_eq!(out.status.code(), Some(0), "{}", support::stderr(&out));
    let stdout = support::stdout(&out);
    assert!(stdout.contains("No findings.") && stdout.contains("Gate: PASSED"), "{stdout}");
    let reports = dir.path().join("reports");
    let report = load_json(&reports.join("stackaudit.json"));
    assert_valid(&report_schema(), &report);
    assert_valid(&sarif_schema(), &load_json(&reports.join("stackaudit.sarif")));
    let junit = std::fs::read_to_string(reports.join("stackaudit.junit.xml")).unwrap();
    assert!(junit.contains("<testcase classname=\"stackaudit\" name=\"gate (fail on high)\" time=\"0\"/>"), "{junit}");
    let page = std::fs::read_to_string(reports.join("stackaudit.html")).unwrap();
    assert!(page.contains("Gate passed"));

    // Only the formats asked for.
    let out = support::run_in(dir.path(), &["scan", "proj", "-o", "some", "--format", "sarif,junit"]);
    assert!(out.status.success());
    let mut names: Vec<String> = std::fs::read_dir(dir.path().join("some"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["stackaudit.junit.xml", "stackaudit.sarif"]);
}

#[test]
fn one_machine_format_goes_to_stdout_and_the_table_to_stderr() {
    let dir = folder(&[("proj/README.md", "x\n")]);
    let out = support::run_in(dir.path(), &["scan", "proj", "--format", "sarif,table"]);
    assert!(out.status.success());
    let log: serde_json::Value = serde_json::from_slice(&out.stdout).expect("stdout is only the SARIF log");
    assert_valid(&sarif_schema(), &log);
    assert!(support::stderr(&out).contains("Gate: PASSED"));
}

#[test]
fn no_colour_when_stdout_is_not_a_terminal_even_without_no_color() {
    let dir = folder(&[("proj/README.md", "x\n")]);
    let out = support::bin().current_dir(dir.path()).env_remove("NO_COLOR").args(["scan", "proj"]).output().unwrap();
    assert!(out.status.success());
    assert!(!out.stdout.contains(&0x1b), "escape codes in piped output");
}

#[test]
fn a_closed_output_pipe_ends_the_run_quietly_without_a_panic() {
    // `rules list` prints one line per rule; `head -1` closes the pipe after the first.
    let bin = env!("CARGO_BIN_EXE_stackaudit");
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("'{bin}' rules list 2>/tmp/stackaudit-sigpipe-$$.err | head -1; cat /tmp/stackaudit-sigpipe-$$.err; rm -f /tmp/stackaudit-sigpipe-$$.err"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(text.lines().count(), 1, "one rule line and nothing on stderr: {text}");
    assert!(!text.contains("panicked"), "{text}");
}
