//! Inline `stackaudit:ignore` comments. The secrets collector records the
//! markers it finds on a secret's line in the secret fact; here they become
//! suppressions of the finding made from that fact.
//!
//! A marker names rules (`stackaudit:ignore[secret-jwt]`) or, bare, every
//! rule; it covers the finding's rule and the secret rule that recognised
//! the value, so a marker written for `secret-github-token` still holds when
//! a context rule such as `dockerfile-secret-in-build` reports the secret.

use std::collections::HashMap;

use crate::facts::{Fact, FactData, Location};
use crate::findings::{Finding, Suppression};
use crate::secrets::ignore_covers;

/// An inline marker on a secret's line.
#[derive(Debug, Clone)]
pub struct InlineMark {
    at: Location,
    secret_rule: String,
    rules: Vec<String>,
}

impl InlineMark {
    /// The marker a secret fact records, if any.
    pub fn of(fact: &Fact) -> Option<Self> {
        match (&fact.data, &fact.origin) {
            (FactData::Secret(s), Some(at)) => {
                Some(Self { at: at.clone(), secret_rule: s.rule_id.clone(), rules: s.inline_ignore.clone()? })
            }
            _ => None,
        }
    }
}

/// Marks the findings at a marked line whose rule the marker covers.
pub fn apply(marks: &[InlineMark], findings: &mut [Finding]) {
    let marked: HashMap<&Location, &InlineMark> = marks.iter().map(|m| (&m.at, m)).collect();
    if marked.is_empty() {
        return;
    }
    for finding in findings.iter_mut().filter(|f| !f.suppressed) {
        let Some(at) = &finding.location else { continue };
        let Some(mark) = marked.get(at) else { continue };
        if ignore_covers(&mark.rules, &finding.rule_id) || ignore_covers(&mark.rules, &mark.secret_rule) {
            finding.suppressed = true;
            finding.suppression = Some(Box::new(Suppression {
                reason: "inline stackaudit:ignore comment".into(),
                source: at.to_string(),
                expires: None,
            }));
        }
    }
}
