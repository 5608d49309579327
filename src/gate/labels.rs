//! `stackaudit.ignore=<rule-id>[,...]` on a container: its findings of those
//! rules are kept in the report, marked suppressed with the reason (the
//! `stackaudit.ignore.reason` label, or a default naming the label). The
//! Docker collector records the labels in the workload fact, as it records
//! every label; the decision is the gate's.

use crate::facts::{Fact, FactData, Subject};
use crate::findings::{Finding, Suppression};

pub const IGNORE_LABEL: &str = "stackaudit.ignore";
pub const REASON_LABEL: &str = "stackaudit.ignore.reason";

/// A container whose labels ignore some of its findings' rules.
#[derive(Debug, Clone)]
pub struct LabelIgnore {
    subject: Subject,
    rules: Vec<String>,
    reason: String,
}

impl LabelIgnore {
    /// What a running container's labels ask for, if anything.
    pub fn of(fact: &Fact) -> Option<Self> {
        let FactData::Workload(w) = &fact.data else { return None };
        w.runtime.as_ref()?;
        let rules = w.labels.get(IGNORE_LABEL)?.split(',').map(str::trim).filter(|r| !r.is_empty()).map(String::from);
        let reason = w
            .labels
            .get(REASON_LABEL)
            .map(|r| r.trim().to_string())
            .filter(|r| !r.is_empty())
            .unwrap_or_else(|| format!("ignored by the container's {IGNORE_LABEL} label"));
        Some(Self { subject: fact.subject.clone(), rules: rules.collect(), reason })
    }
}

/// Marks findings on containers whose labels ignore their rule.
pub fn apply(ignores: &[LabelIgnore], findings: &mut [Finding]) {
    if ignores.is_empty() {
        return;
    }
    for finding in findings.iter_mut().filter(|f| !f.suppressed) {
        let hit = ignores.iter().find(|i| {
            i.subject.kind == finding.subject.kind
                && i.subject.scope == finding.subject.scope
                && i.subject.name == finding.subject.name
                && i.rules.iter().any(|r| **r == *finding.rule_id || r == "*")
        });
        if let Some(i) = hit {
            finding.suppressed = true;
            finding.suppression = Some(Box::new(Suppression {
                reason: i.reason.clone(),
                source: format!("label {IGNORE_LABEL} on container {}", i.subject.display()),
                expires: None,
            }));
        }
    }
}
