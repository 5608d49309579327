//! The rule file format and the compiled rule.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::facts::FactKind;
use crate::findings::Severity;

use super::pattern::{CompiledPattern, SecretPatternSpec};

/// One rule file, as written.
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
    pub kind: String,
    /// CEL over the fact (bound to a variable named after `kind`) and
    /// `policy`. True, or a non-empty list, means the rule fires: a list
    /// gives one finding per element, each a string key or a map with `key`
    /// and optional `evidence`.
    #[serde(default)]
    pub expression: Option<String>,
    /// For secret rules: what to look for in text.
    #[serde(default)]
    pub secret: Option<SecretPatternSpec>,
    /// The fact's `locations` key that says where the offending setting is;
    /// a hit's key is tried first as `<field>.<key>`.
    #[serde(default)]
    pub field: Option<String>,
    /// `{subject}`, `{key}` and `{evidence}` are replaced.
    pub message: String,
    pub rationale: String,
    pub remediation: String,
    #[serde(default)]
    pub references: Vec<String>,
    #[serde(default)]
    pub tags: Vec<String>,
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
    pub id: String,
    pub title: String,
    pub severity: Severity,
    pub kind: FactKind,
    pub field: Option<String>,
    pub message: String,
    pub rationale: String,
    pub remediation: String,
    pub references: Vec<String>,
    pub tags: Vec<String>,
    /// The file the rule was loaded from (`rules/...` for built-in rules).
    pub path: String,
    /// Line of `expression` (or `[secret]`) in that file.
    pub logic_line: u32,
}

pub enum Logic {
    Expression { source: String, program: cel::Program },
    Secret(Box<CompiledPattern>),
}

impl std::fmt::Debug for Logic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Logic::Expression { source, .. } => f.debug_tuple("Expression").field(source).finish(),
            Logic::Secret(p) => f.debug_tuple("Secret").field(p).finish(),
        }
    }
}

#[derive(Debug)]
pub struct Rule {
    pub meta: RuleMeta,
    pub logic: Logic,
    pub tests: Vec<RuleTest>,
}
