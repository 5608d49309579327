//! What reaches a person's terminal or a CI log: names from scanned input
//! cannot inject control sequences, and errors are visible on stderr even
//! when stdout carries a machine format.

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

/// A service name carrying an OSC title change, a screen clear and a
/// forged log line.
const EVIL: &str = "web\u{1b}]0;owned\u{7}\u{1b}[2J\nFAKE: Gate: PASSED";

fn compose_with_evil_name() -> String {
    // JSON-style quoted key so YAML keeps the control characters.
    let key = EVIL.replace('\u{1b}', "\\e").replace('\u{7}', "\\a").replace('\n', "\\n");
    format!("services:\n  \"{key}\":\n    image: nginx:1.27\n    privileged: true\n")
}

fn assert_no_raw_controls(text: &str, what: &str) {
    for c in text.chars() {
        assert!(!(c.is_control() && c != '\n'), "{what} holds a raw control character {c:?}:\n{text}");
    }
    assert!(!text.lines().any(|l| l.starts_with("FAKE")), "{what} has a forged line:\n{text}");
}

#[test]
fn control_characters_in_names_are_escaped_in_the_table_and_the_log() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("docker-compose.yml"), compose_with_evil_name()).unwrap();
    let out = support::bin()
        .current_dir(dir.path())
        .env("STACKAUDIT_LOG", "stackaudit=trace")
        .args(["scan", ".", "--exit-zero"])
        .output()
        .unwrap();
    let table = support::stdout(&out);
    assert!(table.contains("workload-privileged"), "{table}");
    assert!(table.contains("web\\x1b]0;owned\\x07\\x1b[2J\\nFAKE"), "the name is shown escaped:\n{table}");
    assert_no_raw_controls(&table, "the table");
    assert_no_raw_controls(&support::stderr(&out), "the log");

    // The JSON report keeps the real name (JSON escapes it itself).
    let (_, report) = support::scan_json(dir.path(), &[".", "--exit-zero"]);
    let names: Vec<&str> =
        report["findings"].as_array().unwrap().iter().filter_map(|f| f["subject"]["name"].as_str()).collect();
    assert!(names.contains(&EVIL), "{names:?}");
}

#[test]
fn with_a_machine_format_on_stdout_errors_also_go_to_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let out = support::run_in(dir.path(), &["scan", "--format", "json", "--url", "http://127.0.0.1:1/"]);
    assert_eq!(out.status.code(), Some(2));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("stdout is only the JSON report");
    assert_eq!(report["errors"].as_array().unwrap().len(), 1);
    let err = support::stderr(&out);
    let lines: Vec<&str> = err.lines().filter(|l| l.starts_with("error: ")).collect();
    assert_eq!(lines.len(), 1, "{err}");
    assert!(lines[0].contains("http") && lines[0].contains("127.0.0.1:1"), "{err}");
}
