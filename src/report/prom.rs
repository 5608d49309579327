//! Prometheus text exposition for node_exporter's textfile collector: a
//! scheduled audit becomes graphs and alerts in the stack's Grafana.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::{GateStatus, Report};
use crate::findings::Severity;

/// `last_success` is the end time of the newest run that completed without
/// errors: this one when it did, otherwise carried over by the caller.
pub fn render(report: &Report, last_success: Option<i64>) -> String {
    let mut out = String::new();
    let mut family = |name: &str, help: &str, samples: &[(String, f64)]| {
        let _ = writeln!(out, "# HELP {name} {help}");
        let _ = writeln!(out, "# TYPE {name} gauge");
        for (labels, value) in samples {
            let _ = writeln!(out, "{name}{labels} {}", fmt_value(*value));
        }
    };

    let by_severity: Vec<(String, f64)> =
        Severity::ALL.iter().map(|s| (labels(&[("severity", s.as_str())]), report.summary.count(*s) as f64)).collect();
    family(
        "stackaudit_findings",
        "Findings that count towards the gate (not suppressed, not in the baseline), by severity.",
        &by_severity,
    );

    let mut by_rule: BTreeMap<(&str, Severity), usize> = BTreeMap::new();
    for f in report.findings.iter().filter(|f| f.counts()) {
        *by_rule.entry((&*f.rule_id, f.severity)).or_default() += 1;
    }
    let rule_samples: Vec<(String, f64)> = by_rule
        .iter()
        .map(|((rule, sev), n)| (labels(&[("rule_id", rule), ("severity", sev.as_str())]), *n as f64))
        .collect();
    family("stackaudit_rule_findings", "Findings that count towards the gate, by rule.", &rule_samples);
    family(
        "stackaudit_findings_suppressed",
        "Findings suppressed by an ignore file or label.",
        &[(String::new(), report.summary.suppressed as f64)],
    );
    family(
        "stackaudit_findings_baseline",
        "Findings already present in the baseline report.",
        &[(String::new(), report.summary.baseline as f64)],
    );
    if let Some(diff) = &report.diff {
        family(
            "stackaudit_findings_new",
            "Findings not present in the previous run.",
            &[(String::new(), diff.new.len() as f64)],
        );
        family(
            "stackaudit_findings_resolved",
            "Findings of the previous run that are gone.",
            &[(String::new(), diff.resolved.len() as f64)],
        );
    }

    let mut errors: BTreeMap<&str, usize> = BTreeMap::new();
    for e in &report.errors {
        *errors.entry(e.source.as_str()).or_default() += 1;
    }
    let error_samples: Vec<(String, f64)> =
        errors.iter().map(|(source, n)| (labels(&[("source", source)]), *n as f64)).collect();
    family("stackaudit_scan_errors", "Errors that kept part of the scan from completing, by source.", &error_samples);
    let incomplete = !report.errors.is_empty();
    family(
        "stackaudit_scan_incomplete",
        "1 when the last run did not complete (its findings are partial).",
        &[(String::new(), if incomplete { 1.0 } else { 0.0 })],
    );
    family(
        "stackaudit_gate_failed",
        "1 when the last run's findings failed the gate.",
        &[(String::new(), if report.gate.status == GateStatus::Failed { 1.0 } else { 0.0 })],
    );
    let duration = (report.finished_at - report.started_at).num_milliseconds() as f64 / 1000.0;
    family("stackaudit_scan_duration_seconds", "Wall time of the last run.", &[(String::new(), duration)]);
    family(
        "stackaudit_last_run_timestamp_seconds",
        "When the last run finished (Unix time).",
        &[(String::new(), report.finished_at.timestamp() as f64)],
    );
    let success = if incomplete { last_success } else { Some(report.finished_at.timestamp()) };
    if let Some(ts) = success {
        family(
            "stackaudit_last_success_timestamp_seconds",
            "When the last run that completed without errors finished (Unix time).",
            &[(String::new(), ts as f64)],
        );
    }
    out
}

/// Reads `stackaudit_last_success_timestamp_seconds` from a previous
/// exposition file, so an incomplete run does not forget the last success.
pub fn previous_last_success(text: &str) -> Option<i64> {
    text.lines()
        .find_map(|l| l.strip_prefix("stackaudit_last_success_timestamp_seconds "))
        .and_then(|v| v.trim().parse::<f64>().ok())
        .map(|v| v as i64)
}

fn labels(pairs: &[(&str, &str)]) -> String {
    let inner: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}=\"{}\"", escape(v))).collect();
    format!("{{{}}}", inner.join(","))
}

fn escape(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

fn fmt_value(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(labels(&[("rule_id", "a\"b\\c\nd")]), "{rule_id=\"a\\\"b\\\\c\\nd\"}");
    }

    #[test]
    fn reads_back_the_last_success() {
        let text = "# HELP x\nstackaudit_last_success_timestamp_seconds 1764000000\n";
        assert_eq!(previous_last_success(text), Some(1_764_000_000));
    }
}
