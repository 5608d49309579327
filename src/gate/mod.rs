//! The CI decision: suppressions and the baseline decide which findings
//! count; the threshold decides whether they fail the job.
//!
//! Exit codes: 0 no counting finding at or above `--fail-on`; 1 at least one;
//! 2 usage, config or rule error, or an incomplete scan (an error outranks
//! findings). `--exit-zero` always exits 0 but still reports.

pub mod baseline;
pub mod inline;
pub mod legacy;
pub mod suppress;

use crate::findings::{Finding, Severity};
use crate::history::Diff;
use crate::report::{Gate, GateStatus};

pub const EXIT_PASSED: u8 = 0;
pub const EXIT_FINDINGS: u8 = 1;
pub const EXIT_ERROR: u8 = 2;

/// Whether a finding counts towards the gate.
pub fn counts(finding: &Finding) -> bool {
    !finding.suppressed && !finding.baseline
}

/// `new_only`: with `--fail-on-new`, the diff whose new findings alone may
/// fail the gate.
pub fn decide(findings: &[Finding], errors: usize, fail_on: Severity, new_only: Option<&Diff>) -> Gate {
    decide_with(findings, errors, fail_on, new_only, false)
}

/// `exit_zero`: `--exit-zero`, recorded so every report states the exit code
/// the process really returns.
pub fn decide_with(
    findings: &[Finding],
    errors: usize,
    fail_on: Severity,
    new_only: Option<&Diff>,
    exit_zero: bool,
) -> Gate {
    let new_ids = new_only.map(Diff::new_ids);
    let eligible = |f: &Finding| new_ids.as_ref().is_none_or(|ids| ids.contains(f.id.as_str()));
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
        Finding {
            id: "x".into(),
            rule_id: "r".into(),
            severity,
            title: String::new(),
            message: String::new(),
            subject: Subject::new(FactKind::Workload, "app"),
            key: None,
            location: None,
            declared_in: None,
            evidence: None,
            references: vec![],
            remediation: String::new(),
            suppressed: false,
            suppression: None,
            baseline: false,
            legacy_ids: vec![],
        }
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
        assert_eq!(decide(std::slice::from_ref(&old), 0, Severity::High, Some(&diff(&[]))).exit_code, EXIT_PASSED);
        assert_eq!(
            decide(&[old.clone(), mk("fresh")], 0, Severity::High, Some(&diff(&["fresh"]))).exit_code,
            EXIT_FINDINGS
        );
        assert_eq!(decide(&[old], 0, Severity::High, None).exit_code, EXIT_FINDINGS);
    }
}
