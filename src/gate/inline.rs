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

pub fn apply(facts: &[Fact], findings: &mut [Finding]) {
    let marked: HashMap<&Location, (&str, &[String])> = facts
        .iter()
        .filter_map(|f| match (&f.data, &f.origin) {
            (FactData::Secret(s), Some(at)) => Some((at, (s.rule_id.as_str(), s.inline_ignore.as_deref()?))),
            _ => None,
        })
        .collect();
    if marked.is_empty() {
        return;
    }
    for finding in findings.iter_mut().filter(|f| !f.suppressed) {
        let Some(at) = &finding.location else { continue };
        let Some((secret_rule, rules)) = marked.get(at) else { continue };
        if ignore_covers(rules, &finding.rule_id) || ignore_covers(rules, secret_rule) {
            finding.suppressed = true;
            finding.suppression = Some(Box::new(Suppression {
                reason: "inline stackaudit:ignore comment".into(),
                source: at.to_string(),
                expires: None,
            }));
        }
    }
}
