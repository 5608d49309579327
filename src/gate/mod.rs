//! The CI decision: suppressions and the baseline decide which findings
//! count; the threshold decides whether they fail the job.
//!
//! The gate owns every suppression. Collectors only record what they saw
//! (a container's `stackaudit.ignore` label in its workload fact, an inline
//! `stackaudit:ignore` marker in a secret fact); the ignore file and the
//! baseline's IDs come from the pipeline; [`apply`] decides them all, in
//! one place, and [`decide`] turns the result into the exit code, for
//! `scan` and `diff` alike.
//!
//! Exit codes: 0 no counting finding at or above `--fail-on`; 1 at least one;
//! 2 usage, config or rule error, or an incomplete scan (an error outranks
//! findings). `--exit-zero` always exits 0 but still reports.

pub mod baseline;
pub mod decision;
pub mod inline;
pub mod labels;
pub mod legacy;
pub mod suppress;

use std::collections::HashSet;

use chrono::NaiveDate;

use crate::facts::Fact;
use crate::findings::{Finding, Severity};

pub use inline::InlineMark;
pub use labels::LabelIgnore;

pub use baseline::Baseline;
pub use decision::{Gate, GateStatus, Notice};
pub use suppress::Suppressions;

pub const EXIT_PASSED: u8 = 0;
pub const EXIT_FINDINGS: u8 = 1;
pub const EXIT_ERROR: u8 = 2;

/// Whether a finding counts towards the gate.
pub fn counts(finding: &Finding) -> bool {
    finding.counts()
}

/// What the collected facts ask of the gate: container labels and inline
/// markers, taken from the facts as they pass, so a streamed scan need not
/// keep them.
#[derive(Debug, Clone, Default)]
pub struct Marks {
    labels: Vec<LabelIgnore>,
    inline: Vec<InlineMark>,
}

impl Marks {
    pub fn of(facts: &[Fact]) -> Self {
        let mut marks = Self::default();
        marks.add(facts);
        marks
    }

    pub fn add(&mut self, facts: &[Fact]) {
        self.labels.extend(facts.iter().filter_map(LabelIgnore::of));
        self.inline.extend(facts.iter().filter_map(InlineMark::of));
    }

    pub fn extend(&mut self, other: Marks) {
        self.labels.extend(other.labels);
        self.inline.extend(other.inline);
    }
}

/// Every suppression input of one run.
pub struct Inputs<'a> {
    /// What the collected facts' labels and markers ask for.
    pub marks: &'a Marks,
    /// The ignore file, loaded.
    pub ignore: Option<&'a Suppressions>,
    /// The IDs of a previous run's findings.
    pub baseline: Option<&'a Baseline>,
    /// Ignore entries expire at the end of their date.
    pub today: NaiveDate,
}

/// Marks the findings each input suppresses (labels, inline markers, the
/// ignore file, in that order: the first reason is the one kept) and those
/// the baseline knows; returns the notices (expired or unused entries).
pub fn apply(inputs: &Inputs<'_>, findings: &mut [Finding]) -> Vec<Notice> {
    labels::apply(&inputs.marks.labels, findings);
    inline::apply(&inputs.marks.inline, findings);
    let notices = inputs.ignore.map(|s| s.apply(findings, inputs.today)).unwrap_or_default();
    if let Some(baseline) = inputs.baseline {
        baseline.apply(findings);
    }
    notices
}

/// `new_only`: with `--fail-on-new`, the IDs of the new findings, which
/// alone may fail the gate.
pub fn decide(findings: &[Finding], errors: usize, fail_on: Severity, new_only: Option<&HashSet<&str>>) -> Gate {
    decide_with(findings, errors, fail_on, new_only, false)
}

/// `exit_zero`: `--exit-zero`, recorded so every report states the exit code
/// the process really returns.
pub fn decide_with(
    findings: &[Finding],
    errors: usize,
    fail_on: Severity,
    new_only: Option<&HashSet<&str>>,
    exit_zero: bool,
) -> Gate {
    let eligible = |f: &Finding| new_only.is_none_or(|ids| ids.contains(f.id.as_str()));
    let status = if errors > 0 {
        GateStatus::Incomplete
    } else if findings.iter().any(|f| counts(f) && eligible(f) && f.severity >= fail_on) {
        GateStatus::Failed
    } else {
        GateStatus::Passed
    };
    let exit_code = match status {
        GateStatus::Passed => EXIT_PASSED,
        GateStatus::Failed => EXIT_FINDINGS,
        GateStatus::Incomplete => EXIT_ERROR,
    };
    Gate { fail_on, status, exit_code: if exit_zero { EXIT_PASSED } else { exit_code }, exit_zero }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::{FactKind, Subject};

    pub(super) fn finding(severity: Severity) -> Finding {
        Finding { severity, ..Finding::bare("r", "x", Subject::new(FactKind::Workload, "app")) }
    }

    #[test]
    fn threshold_suppression_baseline_and_errors() {
        let high = finding(Severity::High);
        assert_eq!(decide(std::slice::from_ref(&high), 0, Severity::High, None).exit_code, EXIT_FINDINGS);
        assert_eq!(decide(std::slice::from_ref(&high), 0, Severity::Critical, None).exit_code, EXIT_PASSED);
        let mut suppressed = high.clone();
        suppressed.suppressed = true;
        assert_eq!(decide(&[suppressed], 0, Severity::Info, None).exit_code, EXIT_PASSED);
        let mut known = high.clone();
        known.baseline = true;
        assert_eq!(decide(&[known], 0, Severity::Info, None).exit_code, EXIT_PASSED);
        assert_eq!(decide(&[high], 1, Severity::High, None).status, GateStatus::Incomplete);
    }
}

#[cfg(test)]
mod fail_on_new_tests {
    use super::*;
    use crate::history::{Diff, PreviousRun};

    #[test]
    fn only_new_findings_fail_the_gate() {
        let mk = |id: &str| Finding { id: id.into(), ..super::tests::finding(Severity::High) };
        let old = mk("old");
        let diff = |new: &[&str]| Diff {
            previous: PreviousRun { path: "p".into(), started_at: Default::default(), finished_at: Default::default() },
            new: new.iter().map(|s| s.to_string()).collect(),
            unchanged: vec!["old".into()],
            resolved: vec![],
        };
        assert_eq!(
            decide(std::slice::from_ref(&old), 0, Severity::High, Some(&diff(&[]).new_ids())).exit_code,
            EXIT_PASSED
        );
        assert_eq!(
            decide(&[old.clone(), mk("fresh")], 0, Severity::High, Some(&diff(&["fresh"]).new_ids())).exit_code,
            EXIT_FINDINGS
        );
        assert_eq!(decide(&[old], 0, Severity::High, None).exit_code, EXIT_FINDINGS);
    }
}
