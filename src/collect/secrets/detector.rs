//! The compiled secret rules, shared by the file scanner and by the other
//! collectors that classify one key/value pair (an environment variable, a
//! build argument), so there is one definition of what a secret looks like.

use std::sync::Arc;

use super::engine::{Candidate, Engine, TextKind};
use super::filters::is_reference;
use crate::diagnostics::{ErrorKind, ScanError};
use crate::facts::{Location, SecretRef};
use crate::mask;
use crate::rules::{Logic, Rule, RuleSet};

pub struct Detector {
    engine: Engine,
    /// The secret rules, in the engine's rule order.
    rules: Vec<Arc<Rule>>,
    /// Rules whose pattern the scanner could not compile.
    pub errors: Vec<ScanError>,
}

impl Detector {
    pub fn new(rules: &RuleSet) -> Self {
        let rules: Vec<Arc<Rule>> =
            rules.rules.iter().filter(|r| matches!(r.logic, Logic::Secret(_))).cloned().collect();
        let specs = rules.iter().filter_map(|r| match &r.logic {
            Logic::Secret(p) => Some(&p.spec),
            Logic::Expression(_) => None,
        });
        let (engine, problems) = Engine::new(specs);
        let errors = problems
            .into_iter()
            .map(|(i, msg)| {
                let path = rules.get(i).map_or("secret rules", |r| r.meta.path.as_str());
                ScanError::new(
                    "secrets",
                    path,
                    ErrorKind::Rule,
                    format!("secret pattern not usable by the scanner: {msg}"),
                )
                .at(Location::file(path))
            })
            .collect();
        Self { engine, rules, errors }
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    pub fn rule(&self, index: usize) -> &Rule {
        &self.rules[index]
    }

    /// Every secret found in `text`, specific rules first.
    pub fn scan(&self, text: &[u8], kind: TextKind) -> Vec<Candidate> {
        self.engine.scan(text, kind)
    }

    /// Classifies a literal value set under `key`. `None` when it is not a
    /// secret, or is a reference (`${VAR}`) or a placeholder. The pair is
    /// judged as the assignment `key=value`, so the key-name rules apply.
    pub fn detect(&self, key: &str, value: &str) -> Option<SecretRef> {
        let value = value.trim();
        if value.is_empty() || is_reference(value) {
            return None;
        }
        let line = format!("{key}={value}");
        let value_start = key.len() + 1;
        let mut found: Vec<Candidate> = self
            .engine
            .scan(line.as_bytes(), TextKind::default())
            .into_iter()
            .filter(|c| c.start >= value_start)
            .collect();
        found.sort_by_key(|c| (c.generic, c.start, c.rule));
        let best = found.first()?;
        Some(secret_ref(&self.rules[best.rule].meta.id, best.value.expose()))
    }
}

fn secret_ref(rule_id: &str, value: &str) -> SecretRef {
    SecretRef { rule_id: rule_id.to_string(), preview: mask::preview(value), fingerprint: mask::fingerprint(value) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_environment_values_with_the_secret_rules() {
        let detector = Detector::new(&RuleSet::builtin());
        assert!(detector.errors.is_empty(), "{:?}", detector.errors);
        // Built from parts so the source holds no key-shaped literal.
        let google = format!("AIza{}", "Qw3rTy9UiOp4AsDf6GhJk1LzXc8VbNm2Q7w");
        let found = detector.detect("GOOGLE_GENAI_API_KEY", &google).expect("google key");
        assert_eq!(found.rule_id, "secret-google-api-key");
        assert_eq!(found.preview, "AIza… (39 chars)");
        let redis = detector.detect("REDIS_PASSWORD", "Xk9mQ2vLp7wZ").expect("password");
        assert_eq!(redis.rule_id, "secret-generic-password");
        for (key, value) in [
            ("REDIS_PASSWORD", "${REDIS_PASSWORD}"),
            ("REDIS_PASSWORD", "changeme"),
            ("NODE_ENV", "production"),
            ("DB_PASSWORD_FILE", "/run/secrets/db"),
            ("CLIENT_SECRET", "123e4567-e89b-12d3-a456-426614174000"),
        ] {
            assert_eq!(detector.detect(key, value), None, "{key}");
        }
    }
}
