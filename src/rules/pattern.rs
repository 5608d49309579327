//! Secret rules: a pattern over text instead of an expression over facts.
//! The secrets collector runs these; this file owns their format.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The `[secret]` table of a secret rule.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SecretPatternSpec {
    /// Regex (the subset Rust's `regex` and Hyperscan share) with one capture
    /// group around the secret itself.
    pub pattern: String,
    /// Lower-case literals, one of which must appear near a match.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Texts the pattern must find a secret in.
    #[serde(default)]
    pub examples: Vec<String>,
    /// Texts it must not.
    #[serde(default)]
    pub negative_examples: Vec<String>,
}

#[derive(Debug)]
pub struct CompiledPattern {
    pub spec: SecretPatternSpec,
    pub regex: regex::Regex,
}

impl CompiledPattern {
    pub fn compile(spec: SecretPatternSpec) -> Result<Self, String> {
        let regex = regex::Regex::new(&spec.pattern).map_err(|e| e.to_string())?;
        if regex.captures_len() < 2 {
            return Err("pattern needs a capture group around the secret".into());
        }
        Ok(Self { spec, regex })
    }

    /// Runs the rule's examples; returns what failed.
    pub fn self_test(&self) -> Vec<String> {
        let mut failures = Vec::new();
        for ex in &self.spec.examples {
            if !self.regex.is_match(ex) {
                failures.push(format!("example not matched: {}", crate::mask::preview(ex)));
            }
        }
        for ex in &self.spec.negative_examples {
            if self.regex.is_match(ex) {
                failures.push(format!("negative example matched: {}", crate::mask::preview(ex)));
            }
        }
        failures
    }
}
