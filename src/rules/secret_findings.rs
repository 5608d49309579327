//! Secret facts into findings: one fact, one finding. A context rule (an
//! expression rule over `secret` facts, such as `dockerfile-secret-in-build`)
//! that fires takes the secret over; otherwise the pattern rule that
//! recognised the value reports it.
//!
//! Identity: a secret finding's ID is built from its rule, its subject (the
//! file, and the key or Kubernetes object) and where in the file's structure
//! the value sits, never from the value, so it is the same on every machine
//! and every run. The IDs earlier versions gave (from the keyed value
//! fingerprint, or from the Dockerfile and Kubernetes rules that reported
//! the same value a second time) are kept as legacy IDs, so baselines made
//! with them still match.

use cel::Context;

use crate::diagnostics::{ErrorKind, ScanError};
use crate::facts::secret::Secret;
use crate::facts::{Fact, FactKind, Subject};
use crate::findings::{fingerprint, Finding};

use super::eval::{make_finding, run_check, FindingShape, Hit};
use super::model::{Logic, Rule};
use super::template::{fill, Fill};
use std::sync::Arc;

/// The finding for one secret fact, or the error that prevented it.
pub fn secret_finding(
    ctx: &Context,
    claims: &[(Arc<Rule>, usize)],
    pattern: Option<&Arc<Rule>>,
    fact: &Fact,
    secret: &Secret,
    errors: &mut Vec<(String, ScanError)>,
) -> Option<Finding> {
    let title = pattern.map(|p| &*p.meta.title);
    let shared = Arc::new(subject(fact, secret, title));
    let mut finding = None;
    for (rule, index) in claims {
        let Logic::Expression(checks) = &rule.logic else { continue };
        let Some(check) = checks.get(*index) else { continue };
        match run_check(check, ctx) {
            Ok(hits) => {
                if let Some(hit) = hits.into_iter().next() {
                    let hit = Hit {
                        key: hit.key.or_else(|| secret.key.clone()),
                        evidence: hit.evidence.or_else(|| Some(evidence(secret))),
                    };
                    let shape = FindingShape { field: check.field.as_deref(), message: check.message.as_deref() };
                    let mut f = make_finding(rule, shape, fact, Arc::clone(&shared), hit);
                    // The context rule's severity is a floor: a private key
                    // stays critical wherever it is.
                    if let Some(p) = pattern {
                        f.severity = f.severity.max(p.meta.severity);
                    }
                    finding = Some(f);
                    break;
                }
            }
            Err(msg) => errors.push(super::eval::rule_error(rule, check, fact, &msg)),
        }
    }
    let mut finding = match (finding, pattern) {
        (Some(f), _) => f,
        (None, Some(rule)) => pattern_finding(rule, fact, secret, shared),
        (None, None) => {
            errors.push((
                secret.rule_id.clone(),
                ScanError::new(
                    "rules",
                    fact.subject.display(),
                    ErrorKind::Rule,
                    format!("secret fact names rule {:?}, which is not loaded", secret.rule_id),
                ),
            ));
            return None;
        }
    };
    finding.id = fingerprint(&finding.rule_id, &finding.subject, Some(&structure_key(secret)));
    Some(finding)
}

/// The pattern rule's finding: its message, with the masked evidence.
/// `subject` is the finding's (named by this rule's title when the secret
/// has neither key nor object).
fn pattern_finding(rule: &Rule, fact: &Fact, secret: &Secret, subject: Arc<Subject>) -> Finding {
    let meta = &rule.meta;
    let evidence = evidence(secret);
    let with =
        Fill { subject: &subject.display(), key: secret.key.as_deref().unwrap_or("a value"), evidence: &evidence };
    let message = fill(&meta.message, &with);
    let hit = Hit { key: secret.key.clone(), evidence: Some(evidence) };
    let mut finding = make_finding(rule, FindingShape { field: None, message: None }, fact, subject, hit);
    finding.message = message;
    finding
}

fn evidence(secret: &Secret) -> String {
    format!("{} fingerprint {}", secret.preview, secret.fingerprint)
}

/// The fact's subject; a secret with neither key nor object (a key file) is
/// named by its rule's title.
fn subject(fact: &Fact, secret: &Secret, title: Option<&str>) -> Subject {
    let mut subject = fact.subject.clone();
    if secret.key.is_none() && secret.context.object.is_none() {
        if let Some(title) = title {
            subject.name = title.to_string();
        }
    }
    subject
}

/// Where the value sits in its file's structure, without the value or its
/// line: key, object, path and how many such secrets come before it.
pub(super) fn structure_key(secret: &Secret) -> String {
    let c = &secret.context;
    format!(
        "{}\u{1f}{}\u{1f}{}\u{1f}{}",
        secret.key.as_deref().unwrap_or(""),
        c.object.as_deref().unwrap_or(""),
        c.path.as_deref().unwrap_or(""),
        secret.ordinal
    )
}

/// The IDs earlier versions gave this secret's finding(s); `pattern` is
/// the rule that recognised it, as for [`secret_finding`].
pub fn legacy_ids(fact: &Fact, secret: &Secret, pattern: Option<&Arc<Rule>>) -> Vec<String> {
    let title = pattern.map(|p| &*p.meta.title);
    let path = fact.subject.scope.clone().unwrap_or_default();
    let name = secret.key.clone().or_else(|| title.map(str::to_string)).unwrap_or_default();
    // The file scan's finding: the keyed value fingerprint was the key.
    let mut ids =
        vec![fingerprint(&secret.rule_id, &Subject::scoped(FactKind::Secret, name, &path), Some(&secret.fingerprint))];
    let c = &secret.context;
    let key = secret.key.as_deref();
    if c.format == "dockerfile" && matches!(c.statement.as_deref(), Some("ENV" | "ARG")) {
        ids.push(fingerprint("dockerfile-secret-in-build", &Subject::new(FactKind::Dockerfile, &path), key));
    }
    if let Some(object) = c.object.as_deref().filter(|o| o.starts_with("Secret/")) {
        let subject = Subject::scoped(FactKind::KubernetesObject, object, &path);
        ids.push(fingerprint("k8s-secret-in-manifest", &subject, key));
    }
    ids
}
