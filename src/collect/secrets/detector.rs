//! The secret matcher as collectors use it for one key/value pair (an
//! environment variable of a running container): the same rules as the
//! file scan, the answer as the facts' `SecretRef`.

use std::sync::{Arc, OnceLock};

use crate::facts::SecretRef;
use crate::secrets::{fingerprint, is_reference, preview, Matcher, PatternSpec};

/// Problems met while building the matcher, as `(rule ID, message)`.
type Problems = Vec<(String, String)>;

#[derive(Clone)]
pub struct Detector {
    inner: Arc<Inner>,
}

struct Inner {
    /// The secret rules' specs by rule ID, once the rules are loaded.
    specs: OnceLock<Vec<(String, PatternSpec)>>,
    matcher: OnceLock<(Matcher, Problems)>,
}

impl Detector {
    pub fn new(matcher: Matcher) -> Self {
        Self { inner: Arc::new(Inner { specs: OnceLock::new(), matcher: OnceLock::from((matcher, Vec::new())) }) }
    }

    /// A detector whose matcher is built when a collector first needs it,
    /// from the specs [`provide`](Self::provide) hands it (the rules load
    /// while the sources run; a collector that needs the matcher sooner
    /// waits for them). Compiling the secret patterns is the larger part of
    /// start-up, and a run with no text to scan and no value to classify (a
    /// TLS or DNS audit) never needs them.
    pub fn pending() -> Self {
        Self { inner: Arc::new(Inner { specs: OnceLock::new(), matcher: OnceLock::new() }) }
    }

    /// The secret rules' specs, by rule ID. Only the first call counts.
    pub fn provide(&self, specs: Vec<(String, PatternSpec)>) {
        let _ = self.inner.specs.set(specs);
    }

    /// Builds the matcher, if it is not built yet, on the blocking pool:
    /// for async collectors, before they classify values (waiting for the
    /// rules and compiling the patterns would hold an async worker for tens
    /// of milliseconds).
    pub async fn ready(&self) {
        if self.inner.matcher.get().is_some() {
            return;
        }
        let detector = self.clone();
        // A panic while compiling is re-raised by the first `matcher()` call
        // of the collector, inside its containment.
        let _ = tokio::task::spawn_blocking(move || {
            detector.built();
        })
        .await;
    }

    fn built(&self) -> &(Matcher, Problems) {
        self.inner.matcher.get_or_init(|| {
            let specs = self.inner.specs.wait();
            Matcher::new(specs.iter().map(|(id, spec)| (id.as_str(), spec)))
        })
    }

    /// The rules that could not be compiled into the matcher, if it was
    /// built (none when it was not: nothing was matched).
    pub fn problems(&self) -> &[(String, String)] {
        self.inner.matcher.get().map_or(&[], |(_, problems)| problems.as_slice())
    }

    /// The built-in rules' detector, for unit tests of the collectors that
    /// classify environment values.
    #[cfg(test)]
    pub fn builtin() -> Self {
        Self::new(Matcher::new(crate::rules::RuleSet::builtin().secret_specs()).0)
    }

    pub fn matcher(&self) -> &Matcher {
        &self.built().0
    }

    /// Label values as facts may carry them: a value the secret rules
    /// recognise, or a list of `user:hash` pairs (a basic-auth middleware's
    /// htpasswd lines), is replaced by its masked preview and fingerprint.
    /// Rules see that a value is set, never the value.
    pub fn mask_values(&self, values: &mut std::collections::BTreeMap<String, String>) {
        for (key, value) in values.iter_mut() {
            if let Some(masked) = self.masked(key, value) {
                *value = masked;
            }
        }
    }

    fn masked(&self, key: &str, value: &str) -> Option<String> {
        let hashes = value.split([',', ' ', '\n']).filter(|p| !p.is_empty()).any(|pair| {
            let hash = pair.split_once(':').map_or(pair, |(_, h)| h);
            crate::secrets::is_password_hash(hash)
        });
        if hashes {
            return Some(format!("{} (masked: password hashes; fingerprint {})", preview(value), fingerprint(value)));
        }
        let found = self.detect(key, value)?;
        Some(format!("{} (masked; fingerprint {})", found.preview, found.fingerprint))
    }

    /// Classifies a literal value set under `key`. `None` when it is not a
    /// secret, or is a reference (`${VAR}`) or a placeholder.
    pub fn detect(&self, key: &str, value: &str) -> Option<SecretRef> {
        let value = value.trim();
        if value.is_empty() || is_reference(value) {
            return None;
        }
        let matcher = self.matcher();
        let best = matcher.classify(key, value).into_iter().next()?;
        Some(SecretRef {
            rule_id: matcher.rule_id(best.rule).to_string(),
            preview: preview(best.value.expose()),
            fingerprint: fingerprint(best.value.expose()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::RuleSet;

    #[test]
    fn classifies_environment_values_with_the_secret_rules() {
        let rules = RuleSet::builtin();
        let (matcher, errors) = Matcher::new(rules.secret_specs());
        assert!(errors.is_empty(), "{errors:?}");
        let detector = Detector::new(matcher);
        // Built from parts so the source holds no key-shaped literal.
        let google = format!("AIza{}", "Qw3rTy9UiOp4AsDf6GhJk1LzXc8VbNm2Q7w");
        let found = detector.detect("GOOGLE_GENAI_API_KEY", &google).expect("google key");
        assert_eq!(found.rule_id, "secret-google-api-key");
        assert_eq!(found.preview, "AIza… (39 chars)");
        let redis = detector.detect("REDIS_PASSWORD", "Xk9mQ2vLp7wZ").expect("password");
        assert_eq!(redis.rule_id, "secret-generic-password");
        assert_eq!(redis.preview, "… (12 chars)", "nothing of a password is shown");
        let weak = detector.detect("POSTGRES_PASSWORD", "mysecretpassword").expect("a weak literal password");
        assert_eq!(weak.rule_id, "secret-generic-password");
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

    #[test]
    fn a_detector_built_on_first_use_classifies_the_same() {
        let rules = RuleSet::builtin();
        let specs = rules.secret_specs().map(|(id, spec)| (id.to_string(), spec.clone())).collect();
        let detector = Detector::pending();
        detector.provide(specs);
        assert!(detector.inner.matcher.get().is_none(), "built before use");
        let redis = detector.detect("REDIS_PASSWORD", "Xk9mQ2vLp7wZ").expect("password");
        assert_eq!(redis.rule_id, "secret-generic-password");
        assert!(detector.problems().is_empty(), "{:?}", detector.problems());
    }
}
