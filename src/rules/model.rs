//! The rule file format and the compiled rule.

use std::sync::{Arc, OnceLock};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::facts::FactKind;
use crate::findings::Severity;

use super::pattern::{CompiledPattern, SecretPatternSpec};

/// One rule file, as written. A rule reads one kind of fact with the
/// top-level `kind`/`expression`/`field`/`tests`, or several kinds with one
/// `[[check]]` table each: the same concept observed in a file and on the
/// wire (`hsts-missing` for an nginx server and for an HTTP response) keeps
/// one ID.
///
/// ```toml
/// id = "workload-runs-as-root"
/// title = "Container runs as root"
/// severity = "high"
/// kind = "workload"
/// field = "user"
/// expression = "workload.user.runs_as_root"
/// message = "{subject} runs as root"
/// ```
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleFile {
    /// Stable kebab-case identifier; never reused for another meaning.
    pub id: String,
    pub title: String,
    pub severity: Severity,
    /// The fact kind the expression reads (`workload`, `tls_endpoint`, ...).
    #[serde(default)]
    pub kind: Option<String>,
    /// CEL over the fact (bound to a variable named after `kind`) and
    /// `policy`. True, or a non-empty list, means the rule fires: a list
    /// gives one finding per element, each a string key or a map with `key`
    /// and optional `evidence`.
    #[serde(default)]
    pub expression: Option<String>,
    /// The fact's `locations` key that says where the offending setting is;
    /// a hit's key is tried first as `<field>.<key>`.
    #[serde(default)]
    pub field: Option<String>,
    #[serde(default)]
    pub tests: Vec<RuleTest>,
    /// One check per fact kind, instead of the top-level form.
    #[serde(default)]
    pub check: Vec<CheckFile>,
    /// For secret rules: what to look for in text.
    #[serde(default)]
    pub secret: Option<SecretPatternSpec>,
    /// `{subject}`, `{key}` and `{evidence}` are replaced.
    pub message: String,
    pub rationale: String,
    pub remediation: String,
    #[serde(default)]
    pub references: Vec<String>,
    #[serde(default)]
    pub tags: Vec<String>,
}

/// A `[[check]]` table: the rule's expression for one kind of fact.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckFile {
    pub kind: String,
    pub expression: String,
    #[serde(default)]
    pub field: Option<String>,
    /// Overrides the rule's message for this kind of fact.
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub tests: Vec<RuleTest>,
}

/// A fact example with the verdict the rule must give for it.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleTest {
    pub name: String,
    /// Whether the rule must fire.
    #[serde(default)]
    pub expect: Option<bool>,
    /// The exact keys of the findings the rule must produce.
    #[serde(default)]
    pub expect_keys: Option<Vec<String>>,
    /// A partial fact: fields not given take their defaults.
    #[serde(default = "empty_table")]
    #[schemars(with = "serde_json::Value")]
    pub fact: toml::Value,
    /// Overrides of the default policy for this test.
    #[serde(default)]
    #[schemars(with = "Option<serde_json::Value>")]
    pub policy: Option<toml::Value>,
}

fn empty_table() -> toml::Value {
    toml::Value::Table(Default::default())
}

/// What every rule has, whatever its logic.
#[derive(Debug, Clone, Serialize)]
pub struct RuleMeta {
    /// Shared with every finding of the rule (see `Finding`).
    pub id: Arc<str>,
    pub title: Arc<str>,
    pub severity: Severity,
    pub message: String,
    pub rationale: String,
    pub remediation: Arc<str>,
    pub references: Arc<[String]>,
    pub tags: Vec<String>,
    /// The file the rule was loaded from (`rules/...` for built-in rules).
    pub path: String,
}

/// A compiled expression over one kind of fact.
pub struct Check {
    pub kind: FactKind,
    pub field: Option<String>,
    pub message: Option<String>,
    pub source: String,
    /// The expression with its evaluation budget (`rules::budget`),
    /// compiled at load or on first use (`load::Compile`).
    pub(super) program: OnceLock<Result<super::budget::Budgeted, String>>,
    pub tests: Vec<RuleTest>,
    /// Line of the expression in the rule file.
    pub line: u32,
}

impl Check {
    /// The compiled expression; compiled now if it was not at load.
    pub fn program(&self) -> Result<&super::budget::Budgeted, String> {
        self.program
            .get_or_init(|| super::load::compile_expression(&self.source))
            .as_ref()
            .map_err(|e| format!("expression does not compile: {e}"))
    }
}

impl std::fmt::Debug for Check {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Check").field("kind", &self.kind).field("source", &self.source).finish()
    }
}

#[derive(Debug)]
pub enum Logic {
    Expression(Vec<Check>),
    Secret(Box<CompiledPattern>),
}

#[derive(Debug)]
pub struct Rule {
    pub meta: RuleMeta,
    pub logic: Logic,
}

impl Rule {
    /// The fact kinds the rule reads.
    pub fn kinds(&self) -> Vec<FactKind> {
        match &self.logic {
            Logic::Expression(checks) => checks.iter().map(|c| c.kind).collect(),
            Logic::Secret(_) => vec![FactKind::Secret],
        }
    }

    pub fn test_count(&self) -> usize {
        match &self.logic {
            Logic::Expression(checks) => checks.iter().map(|c| c.tests.len()).sum(),
            Logic::Secret(p) => p.spec.examples.len() + p.spec.negative_examples.len(),
        }
    }
}
