//! Recognising a secret in a single key/value pair (an environment variable,
//! a build argument). Built from the secret rules so there is one definition
//! of what a secret looks like.

use std::sync::Arc;

use crate::facts::SecretRef;
use crate::mask;
use crate::rules::{Logic, Rule, RuleSet};

pub struct Detector {
    patterns: Vec<Arc<Rule>>,
}

impl Detector {
    pub fn new(rules: &RuleSet) -> Self {
        let patterns = rules.rules.iter().filter(|r| matches!(r.logic, Logic::Secret(_))).cloned().collect();
        Self { patterns }
    }

    /// Classifies a literal value set under `key`. `None` when it is not a
    /// secret or is a reference (`${VAR}`) or a placeholder.
    pub fn detect(&self, key: &str, value: &str) -> Option<SecretRef> {
        let value = value.trim();
        if value.is_empty() || is_reference(value) {
            return None;
        }
        for rule in &self.patterns {
            if let Logic::Secret(p) = &rule.logic {
                if let Some(m) = p.regex.captures(value).and_then(|c| c.get(1)) {
                    return Some(secret_ref(&rule.meta.id, m.as_str()));
                }
            }
        }
        if is_secret_like_key(key) && !is_placeholder(value) {
            return Some(secret_ref("secret-generic-password", value));
        }
        None
    }
}

fn secret_ref(rule_id: &str, value: &str) -> SecretRef {
    SecretRef { rule_id: rule_id.to_string(), preview: mask::preview(value), fingerprint: mask::fingerprint(value) }
}

/// `${VAR}`, `$VAR`, `{{ .Values.x }}`: resolved elsewhere, not a leak.
pub fn is_reference(value: &str) -> bool {
    let v = value.trim();
    (v.starts_with("${") && v.ends_with('}')) || (v.starts_with("{{") && v.ends_with("}}")) || {
        v.starts_with('$') && v.len() > 1 && v[1..].chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    }
}

fn is_placeholder(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    (lower.starts_with('<') && lower.ends_with('>'))
        || [
            "changeme",
            "change-me",
            "change_me",
            "example",
            "placeholder",
            "password",
            "secret",
            "xxx",
            "your-",
            "todo",
            "dummy",
            "test",
        ]
        .iter()
        .any(|p| lower.contains(p))
        || value.chars().all(|c| c == value.chars().next().unwrap_or('x'))
        || value.len() < 6
}

fn is_secret_like_key(key: &str) -> bool {
    let upper = key.to_ascii_uppercase();
    ["PASSWORD", "PASSWD", "SECRET", "TOKEN", "API_KEY", "APIKEY", "PRIVATE_KEY", "ACCESS_KEY", "CREDENTIAL", "AUTH"]
        .iter()
        .any(|k| upper.contains(k))
}
