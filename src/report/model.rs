//! The JSON report's shape. `reports/report.schema.json` is generated from
//! these types and a test fails when the two drift.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::diagnostics::{ScanError, Skipped};
use crate::facts::Fact;
use crate::findings::{Finding, Severity};
use crate::gate::{Gate, Notice};
use crate::history::Diff;

/// Bumped on any change a consumer could notice; minor for additions.
pub const SCHEMA_VERSION: &str = "1.2.0";

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Report {
    pub schema_version: String,
    pub tool: Tool,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    pub targets: Targets,
    pub summary: Summary,
    pub gate: Gate,
    /// Sorted by severity (highest first), then rule, then location.
    pub findings: Vec<Finding>,
    /// Everything that kept the scan from being complete.
    pub errors: Vec<ScanError>,
    /// Files deliberately not read (too large, binary).
    #[serde(default)]
    pub skipped: Vec<Skipped>,
    /// Things a reviewer should know that are not findings: expired
    /// suppressions, suppressions that matched nothing.
    #[serde(default)]
    pub notices: Vec<Notice>,
    /// The evidence behind the findings: every fact collected.
    #[serde(default)]
    pub facts: Vec<Fact>,
    /// The rules behind the findings (one entry per rule ID that produced a
    /// finding, sorted by ID), so SARIF, HTML and JUnit can be re-rendered
    /// from this report alone, custom rules included.
    #[serde(default)]
    pub rules: Vec<RuleInfo>,
    /// What changed since the previous run (`--previous`, `--history`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diff: Option<Diff>,
    /// A streamed scan's facts, held in a temporary file rather than in
    /// `facts`: the JSON report writes them first in its `facts` array.
    #[serde(skip)]
    #[schemars(skip)]
    pub fact_spool: Option<super::spool::SpooledFacts>,
}

/// What a reader needs to know about a rule, copied from its rule file.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
pub struct RuleInfo {
    pub id: String,
    pub title: String,
    pub severity: Severity,
    /// Why the rule matters.
    pub rationale: String,
    pub remediation: String,
    #[serde(default)]
    pub references: Vec<String>,
    #[serde(default)]
    pub tags: Vec<String>,
}

impl RuleInfo {
    /// What a finding itself says about its rule (no rationale or tags).
    fn from_finding(f: &Finding) -> Self {
        Self {
            id: f.rule_id.to_string(),
            title: f.title.to_string(),
            severity: f.severity,
            rationale: String::new(),
            remediation: f.remediation.to_string(),
            references: f.references.to_vec(),
            tags: Vec::new(),
        }
    }
}

impl Report {
    /// The rule behind `rule_id`: from the report's own rule list, or, for
    /// reports written before it existed, what the findings themselves say.
    pub fn rule_info(&self, rule_id: &str) -> Option<RuleInfo> {
        if let Some(info) = self.rules.iter().find(|r| r.id == rule_id) {
            return Some(info.clone());
        }
        self.findings.iter().find(|f| *f.rule_id == *rule_id).map(RuleInfo::from_finding)
    }

    /// Every rule that produced a finding, sorted by ID, each once.
    pub fn rules_used(&self) -> Vec<RuleInfo> {
        let mut first: std::collections::BTreeMap<&str, &Finding> = std::collections::BTreeMap::new();
        for f in &self.findings {
            first.entry(&*f.rule_id).or_insert(f);
        }
        first
            .into_values()
            .map(|f| match self.rules.iter().find(|r| *r.id == *f.rule_id) {
                Some(info) => info.clone(),
                None => RuleInfo::from_finding(f),
            })
            .collect()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

impl Default for Tool {
    fn default() -> Self {
        Self { name: env!("CARGO_PKG_NAME").to_string(), version: env!("CARGO_PKG_VERSION").to_string() }
    }
}

/// What was scanned.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct Targets {
    pub paths: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<String>,
    /// Files read by the file collectors.
    pub files_scanned: usize,
    /// Network targets and Docker hosts audited.
    #[serde(default)]
    pub endpoints: Vec<String>,
}

/// Counts of findings. The per-severity counts are of findings that count
/// towards the gate (not suppressed, not in the baseline).
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
pub struct Summary {
    pub critical: usize,
    pub high: usize,
    pub medium: usize,
    pub low: usize,
    pub info: usize,
    /// All findings, including suppressed and baseline ones.
    pub total: usize,
    pub suppressed: usize,
    pub baseline: usize,
    pub errors: usize,
}

impl Summary {
    pub fn of(findings: &[Finding], errors: usize) -> Self {
        let mut s = Summary { total: findings.len(), errors, ..Default::default() };
        for f in findings {
            if f.suppressed {
                s.suppressed += 1;
            } else if f.baseline {
                s.baseline += 1;
            } else {
                *s.count_mut(f.severity) += 1;
            }
        }
        s
    }

    pub fn count(&self, severity: Severity) -> usize {
        match severity {
            Severity::Critical => self.critical,
            Severity::High => self.high,
            Severity::Medium => self.medium,
            Severity::Low => self.low,
            Severity::Info => self.info,
        }
    }

    fn count_mut(&mut self, severity: Severity) -> &mut usize {
        match severity {
            Severity::Critical => &mut self.critical,
            Severity::High => &mut self.high,
            Severity::Medium => &mut self.medium,
            Severity::Low => &mut self.low,
            Severity::Info => &mut self.info,
        }
    }
}
