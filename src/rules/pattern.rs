//! Secret rules: a pattern over text instead of an expression over facts.
//! The spec format and the matcher live in the `secrets` leaf; this file
//! checks a rule's spec when it is loaded and runs its inline examples.

pub use crate::secrets::PatternSpec as SecretPatternSpec;

#[derive(Debug)]
pub struct CompiledPattern {
    pub spec: SecretPatternSpec,
}

impl CompiledPattern {
    /// Checks the spec now, compiling its pattern (kept for the matcher).
    pub fn compile(spec: SecretPatternSpec) -> Result<Self, String> {
        spec.check()?;
        Ok(Self { spec })
    }

    /// A spec the matcher checks and compiles when it is built: for the
    /// built-in rules, which the test suite checks (`load::Compile`).
    pub fn on_first_use(spec: SecretPatternSpec) -> Self {
        Self { spec }
    }

    /// Runs the rule's examples through the same matching and filtering the
    /// scanner uses (a negative example may be rejected by the placeholder or
    /// randomness filters, not only by the regex); returns what failed.
    pub fn self_test(&self) -> Vec<String> {
        let mut failures = Vec::new();
        for ex in &self.spec.examples {
            if !crate::secrets::example_fires(&self.spec, ex) {
                failures.push(format!("example not matched: {}", crate::secrets::preview(ex)));
            }
        }
        for ex in &self.spec.negative_examples {
            if crate::secrets::example_fires(&self.spec, ex) {
                failures.push(format!("negative example matched: {}", crate::secrets::preview(ex)));
            }
        }
        failures
    }
}
