//! `stackaudit.ignore=<rule-id>[,...]` on a container: its findings of those
//! rules are kept in the report, marked suppressed with the reason (the
//! `stackaudit.ignore.reason` label, or a default naming the label). The
//! Docker collector records the labels in the workload fact, as it records
//! every label; the decision is the gate's.

use crate::facts::{Fact, FactData, Subject};
use crate::findings::{Finding, Suppression};

pub const IGNORE_LABEL: &str = "stackaudit.ignore";
pub const REASON_LABEL: &str = "stackaudit.ignore.reason";

/// Marks findings on containers whose labels ignore their rule.
pub fn apply(facts: &[Fact], findings: &mut [Finding]) {
    let ignores: Vec<(&Subject, Vec<&str>, String)> = facts
        .iter()
        .filter_map(|fact| {
            let FactData::Workload(w) = &fact.data else { return None };
            w.runtime.as_ref()?;
            let rules: Vec<&str> =
                w.labels.get(IGNORE_LABEL)?.split(',').map(str::trim).filter(|r| !r.is_empty()).collect();
            let reason = w
                .labels
                .get(REASON_LABEL)
                .map(|r| r.trim().to_string())
                .filter(|r| !r.is_empty())
                .unwrap_or_else(|| format!("ignored by the container's {IGNORE_LABEL} label"));
            Some((&fact.subject, rules, reason))
        })
        .collect();
    if ignores.is_empty() {
        return;
    }
    for finding in findings.iter_mut().filter(|f| !f.suppressed) {
        let hit = ignores.iter().find(|(subject, rules, _)| {
            subject.kind == finding.subject.kind
                && subject.scope == finding.subject.scope
                && subject.name == finding.subject.name
                && rules.iter().any(|r| **r == *finding.rule_id || *r == "*")
        });
        if let Some((subject, _, reason)) = hit {
            finding.suppressed = true;
            finding.suppression = Some(Box::new(Suppression {
                reason: reason.clone(),
                source: format!("label {IGNORE_LABEL} on container {}", subject.display()),
                expires: None,
            }));
        }
    }
}
