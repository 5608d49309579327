//! Findings: a rule's verdict on one subject, with everything a reviewer or a
//! CI gate needs and nothing secret.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use chrono::NaiveDate;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::facts::{Location, Subject};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema, Default)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    #[default]
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] =
        [Severity::Critical, Severity::High, Severity::Medium, Severity::Low, Severity::Info];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "info" => Ok(Severity::Info),
            "low" => Ok(Severity::Low),
            "medium" => Ok(Severity::Medium),
            "high" => Ok(Severity::High),
            "critical" => Ok(Severity::Critical),
            other => Err(format!("unknown severity {other:?} (expected critical, high, medium, low or info)")),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Finding {
    /// Stable fingerprint: rule, subject and offending key, never the line,
    /// so it survives edits that move lines.
    pub id: String,
    // Rule text is shared with the rule (and every other finding of it):
    // 70,000 findings would otherwise carry 70,000 copies of it.
    pub rule_id: Arc<str>,
    pub severity: Severity,
    pub title: Arc<str>,
    pub message: String,
    // Shared by every finding of one fact (a workload's dozen findings hold
    // one copy of its name, scope and labels); serialised as the subject.
    pub subject: Arc<Subject>,
    /// What exactly is wrong within the subject: a capability, a mount, a port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Where in a file, when the fact came from one.
    pub location: Option<Location>,
    /// For subjects without a file (a TLS endpoint, a container): the config
    /// or manifest that declared the target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub declared_in: Option<Location>,
    /// What was observed, masked where it could be secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<String>,
    pub references: Arc<[String]>,
    pub remediation: Arc<str>,
    pub suppressed: bool,
    // Boxed: almost every finding has none, and 80 bytes inline in each of
    // 70,000 findings is 5 MB of `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppression: Option<Box<Suppression>>,
    /// Present in the baseline report: known, so it does not fail the gate.
    #[serde(default)]
    pub baseline: bool,
    /// IDs this finding had under earlier ID schemes: a baseline or previous
    /// report made then still matches it. Not written to reports.
    #[serde(skip)]
    pub legacy_ids: Vec<String>,
}

impl Finding {
    /// Whether it counts towards the gate: the gate has marked neither a
    /// suppression nor the baseline on it. Reports read this decision; the
    /// gate makes it.
    pub fn counts(&self) -> bool {
        !self.suppressed && !self.baseline
    }

    /// For unit tests: a low finding of `rule_id` on `subject`, every other
    /// field empty; tests set what they check with struct update syntax.
    #[cfg(test)]
    pub(crate) fn bare(rule_id: &str, id: &str, subject: Subject) -> Self {
        Finding {
            id: id.to_string(),
            rule_id: rule_id.into(),
            severity: Severity::Low,
            title: String::new().into(),
            message: String::new(),
            subject: subject.into(),
            key: None,
            location: None,
            declared_in: None,
            evidence: None,
            references: Vec::new().into(),
            remediation: String::new().into(),
            suppressed: false,
            suppression: None,
            baseline: false,
            legacy_ids: Vec::new(),
        }
    }
}

/// Why a finding does not count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Suppression {
    pub reason: String,
    /// Where the suppression came from: the ignore file and line, a container
    /// label, an inline comment.
    pub source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<NaiveDate>,
}

/// The fingerprint of a finding: a hash of what identifies it, independent of
/// line numbers and message wording.
pub fn fingerprint(rule_id: &str, subject: &Subject, key: Option<&str>) -> String {
    let mut hasher = blake3::Hasher::new();
    for part in [
        rule_id,
        subject.kind.as_str(),
        subject.scope.as_deref().unwrap_or(""),
        subject.name.as_str(),
        key.unwrap_or(""),
    ] {
        hasher.update(part.as_bytes());
        hasher.update(&[0]);
    }
    hasher.finalize().to_hex().chars().take(32).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::FactKind;

    #[test]
    fn fingerprint_ignores_labels_but_not_scope() {
        let a = Subject::scoped(FactKind::Workload, "app", "docker-compose.yml");
        let b = a.clone().with_label("image", "x");
        let c = Subject::scoped(FactKind::Workload, "app", "other/docker-compose.yml");
        assert_eq!(fingerprint("r", &a, Some("k")), fingerprint("r", &b, Some("k")));
        assert_ne!(fingerprint("r", &a, Some("k")), fingerprint("r", &c, Some("k")));
        assert_ne!(fingerprint("r", &a, Some("k")), fingerprint("r", &a, Some("j")));
    }

    #[test]
    fn severities_order_and_parse() {
        assert!(Severity::Critical > Severity::High && Severity::Low > Severity::Info);
        assert_eq!("HIGH".parse::<Severity>(), Ok(Severity::High));
        assert!("severe".parse::<Severity>().is_err());
    }
}
