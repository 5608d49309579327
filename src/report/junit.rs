//! JUnit XML for CI test dashboards (Jenkins, GitLab, Azure DevOps, GitHub
//! test reporters).
//!
//! Layout: one `<testsuite>` per rule that produced findings, one
//! `<testcase>` per rule and subject (`classname` = rule ID, `name` = subject).
//! A test case fails when a counting finding (not suppressed, not in the
//! baseline) is in it, and is skipped when all its findings are suppressed or
//! known. A last suite, `stackaudit`, holds the gate decision as a test case
//! (so a clean scan is one passing test, not an empty report that some CI
//! tools reject) and one `<error>` test case per scan error.
//!
//! Only elements and attributes of the common JUnit schema (Jenkins xUnit's
//! `junit-10.xsd`, which Jenkins, GitLab and Azure DevOps all read) are
//! written: file and line go into the failure text, not into `file`/`line`
//! attributes that schema does not have.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::{GateStatus, Report};
use crate::diagnostics::ScanError;
use crate::findings::Finding;

pub fn render(report: &Report) -> String {
    let timestamp = report.started_at.format("%Y-%m-%dT%H:%M:%S").to_string();
    let duration = seconds(report);

    let mut suites: Vec<Suite> = Vec::new();
    let mut by_rule: BTreeMap<&str, BTreeMap<String, Vec<&Finding>>> = BTreeMap::new();
    for f in &report.findings {
        by_rule.entry(&f.rule_id).or_default().entry(f.subject.display()).or_default().push(f);
    }
    for (rule_id, subjects) in by_rule {
        let cases = subjects.into_iter().map(|(subject, findings)| finding_case(rule_id, subject, &findings)).collect();
        suites.push(Suite { name: rule_id.to_string(), cases });
    }
    let mut own = vec![gate_case(report)];
    own.extend(report.errors.iter().map(error_case));
    suites.push(Suite { name: "stackaudit".to_string(), cases: own });

    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let totals = Counts::of(suites.iter().flat_map(|s| &s.cases));
    let _ = writeln!(
        out,
        "<testsuites name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" time=\"{duration}\">",
        attr(&format!("{} {}", report.tool.name, report.tool.version)),
        totals.tests,
        totals.failures,
        totals.errors,
    );
    for (id, suite) in suites.iter().enumerate() {
        let counts = Counts::of(&suite.cases);
        // Per-suite time is not measured; the whole scan's time is on the root.
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" id=\"{id}\" package=\"stackaudit\" hostname=\"localhost\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"0\" timestamp=\"{timestamp}\">",
            attr(&suite.name),
            counts.tests,
            counts.failures,
            counts.errors,
            counts.skipped,
        );
        for case in &suite.cases {
            case.write(&mut out);
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

struct Suite {
    name: String,
    cases: Vec<Case>,
}

struct Case {
    classname: String,
    name: String,
    outcome: Outcome,
}

enum Outcome {
    Passed,
    Failure { message: String, kind: String, body: String },
    Error { message: String, kind: String, body: String },
    Skipped { message: String },
}

#[derive(Default)]
struct Counts {
    tests: usize,
    failures: usize,
    errors: usize,
    skipped: usize,
}

impl Counts {
    fn of<'a>(cases: impl IntoIterator<Item = &'a Case>) -> Self {
        let mut c = Counts::default();
        for case in cases {
            c.tests += 1;
            match case.outcome {
                Outcome::Passed => {}
                Outcome::Failure { .. } => c.failures += 1,
                Outcome::Error { .. } => c.errors += 1,
                Outcome::Skipped { .. } => c.skipped += 1,
            }
        }
        c
    }
}

impl Case {
    fn write(&self, out: &mut String) {
        let _ = write!(
            out,
            "    <testcase classname=\"{}\" name=\"{}\" time=\"0\"",
            attr(&self.classname),
            attr(&self.name)
        );
        match &self.outcome {
            Outcome::Passed => out.push_str("/>\n"),
            Outcome::Skipped { message } => {
                let _ = writeln!(out, ">\n      <skipped message=\"{}\"/>\n    </testcase>", attr(message));
            }
            Outcome::Failure { message, kind, body } | Outcome::Error { message, kind, body } => {
                let tag = if matches!(self.outcome, Outcome::Failure { .. }) { "failure" } else { "error" };
                let _ = writeln!(
                    out,
                    ">\n      <{tag} message=\"{}\" type=\"{}\">{}</{tag}>\n    </testcase>",
                    attr(message),
                    attr(kind),
                    text(body)
                );
            }
        }
    }
}

fn finding_case(rule_id: &str, subject: String, findings: &[&Finding]) -> Case {
    let counting: Vec<&&Finding> = findings.iter().filter(|f| f.counts()).collect();
    let outcome = if let Some(worst) = counting.iter().max_by_key(|f| f.severity) {
        let message = if counting.len() == 1 {
            worst.message.clone()
        } else {
            format!("{} findings; the worst: {}", counting.len(), worst.message)
        };
        let body = findings.iter().map(|f| finding_body(f)).collect::<Vec<_>>().join("\n\n");
        Outcome::Failure { message, kind: worst.severity.to_string(), body }
    } else {
        let mut reasons: Vec<String> = findings
            .iter()
            .map(|f| match &f.suppression {
                Some(s) => format!("suppressed: {} ({})", s.reason, s.source),
                None if f.suppressed => "suppressed".to_string(),
                None => "in the baseline".to_string(),
            })
            .collect();
        reasons.sort();
        reasons.dedup();
        Outcome::Skipped { message: reasons.join("; ") }
    };
    Case { classname: rule_id.to_string(), name: subject, outcome }
}

fn finding_body(f: &Finding) -> String {
    let mut body = format!("[{}] {}\n", f.severity, f.message);
    match (&f.location, &f.declared_in) {
        (Some(l), _) => {
            let _ = writeln!(body, "Location: {l}");
        }
        (None, Some(d)) => {
            let _ = writeln!(body, "Declared in: {d}");
        }
        (None, None) => {}
    }
    if let Some(e) = &f.evidence {
        let _ = writeln!(body, "Evidence: {e}");
    }
    if f.suppressed {
        body.push_str("Suppressed\n");
    } else if f.baseline {
        body.push_str("In the baseline\n");
    }
    let _ = writeln!(body, "Remediation: {}", f.remediation.trim());
    for r in f.references.iter() {
        let _ = writeln!(body, "Reference: {r}");
    }
    let _ = write!(body, "Fingerprint: {}", f.id);
    body
}

fn gate_case(report: &Report) -> Case {
    let gate = &report.gate;
    let outcome = match gate.status {
        GateStatus::Passed => Outcome::Passed,
        GateStatus::Failed => {
            let over: usize = crate::findings::Severity::ALL
                .iter()
                .filter(|s| **s >= gate.fail_on)
                .map(|s| report.summary.count(*s))
                .sum();
            Outcome::Failure {
                message: format!("{over} finding(s) at or above {}", gate.fail_on),
                kind: "gate".to_string(),
                body: format!("The gate fails on findings at or above {} ({}).", gate.fail_on, gate.exit_text()),
            }
        }
        GateStatus::Incomplete => Outcome::Failure {
            message: format!("the scan is incomplete: {} error(s)", report.errors.len()),
            kind: "gate".to_string(),
            body: format!("Errors kept the scan from completing ({}); see the error test cases.", gate.exit_text()),
        },
    };
    Case { classname: "stackaudit".to_string(), name: format!("gate (fail on {})", gate.fail_on), outcome }
}

fn error_case(e: &ScanError) -> Case {
    Case {
        classname: format!("stackaudit.{}", e.source),
        name: e.target.clone(),
        outcome: Outcome::Error {
            message: e.message.clone(),
            kind: serde_json::to_value(e.kind).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default(),
            body: e.to_string(),
        },
    }
}

fn seconds(report: &Report) -> String {
    let ms = (report.finished_at - report.started_at).num_milliseconds().max(0);
    format!("{}.{:03}", ms / 1000, ms % 1000)
}

/// Characters XML 1.0 cannot carry at all (most C0 controls, U+FFFE, U+FFFF)
/// become U+FFFD, so a hostile file name cannot make the report unparsable.
fn legal(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Escapes an attribute value (double-quoted); line breaks and tabs become
/// character references so parsers keep them instead of normalising them to
/// spaces.
pub fn attr(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c if legal(c) => out.push(c),
            _ => out.push('\u{FFFD}'),
        }
    }
    out
}

/// Escapes element text.
pub fn text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#13;"),
            c if legal(c) => out.push(c),
            _ => out.push('\u{FFFD}'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_quotes_and_controls() {
        assert_eq!(attr("a\"<b>&'\n\u{1}"), "a&quot;&lt;b&gt;&amp;&apos;&#10;\u{FFFD}");
        assert_eq!(text("x]]>y\u{0}\u{FFFF}"), "x]]&gt;y\u{FFFD}\u{FFFD}");
    }
}
