//! Secret rules: a pattern over text instead of an expression over facts.
//! The secrets collector runs these; this file owns their format.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The `[secret]` table of a secret rule.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SecretPatternSpec {
    /// Regex (the subset Rust's `regex` and Hyperscan share) with a capture
    /// group around the secret itself: the group named `secret`, else the
    /// first group that took part in the match (so each alternative of a
    /// pattern can capture its own form). An optional group named `key`
    /// captures the key name.
    pub pattern: String,
    /// Lower-case literals, one of which must appear near a match.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Minimum Shannon entropy, in bits per character, of the captured
    /// secret: what makes a value "look random" for rules that match on the
    /// key name rather than on a vendor prefix.
    #[serde(default)]
    pub entropy: Option<f64>,
    /// The match may span lines (PEM bodies): the regex then runs on a window
    /// after the keyword instead of on the keyword's line.
    #[serde(default)]
    pub multiline: bool,
    /// A rule that judges a key/value pair by the key's name: any specific
    /// rule on the same value wins over it, and its values must also pass the
    /// stricter filters (not a UUID, a checksum, a code expression, or the
    /// key's own name).
    #[serde(default)]
    pub generic: bool,
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
        // The scanner only runs a rule's regex near one of its keywords: a
        // rule without keywords would never run.
        if spec.keywords.is_empty() || spec.keywords.iter().any(|k| k.is_empty() || k.to_lowercase() != *k) {
            return Err("a secret rule needs non-empty, lower-case `keywords` for the prefilter".into());
        }
        Ok(Self { spec, regex })
    }

    /// Runs the rule's examples through the same matching and filtering the
    /// scanner uses (a negative example may be rejected by the placeholder or
    /// randomness filters, not only by the regex); returns what failed.
    pub fn self_test(&self) -> Vec<String> {
        let mut failures = Vec::new();
        for ex in &self.spec.examples {
            if !crate::collect::secrets::example_fires(self, ex) {
                failures.push(format!("example not matched: {}", crate::mask::preview(ex)));
            }
        }
        for ex in &self.spec.negative_examples {
            if crate::collect::secrets::example_fires(self, ex) {
                failures.push(format!("negative example matched: {}", crate::mask::preview(ex)));
            }
        }
        failures
    }
}
