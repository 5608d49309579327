//! Turning accepted matches in one text into findings: a specific rule wins
//! over a generic one on the same value, the same value in one file is one
//! finding, and the value itself never leaves this function (only its
//! preview and keyed fingerprint do).

use std::collections::HashSet;

use super::detector::Detector;
use super::engine::Candidate;
use super::inline;
use crate::facts::{FactKind, Location, Subject};
use crate::findings::{fingerprint, Finding, Suppression};
use crate::mask;

/// Keeps one candidate per value, specific rules before generic ones, and
/// drops generic matches overlapping a specific one.
pub fn resolve(mut candidates: Vec<Candidate>) -> Vec<Candidate> {
    candidates.sort_by_key(|c| (c.generic, c.start, c.rule));
    let mut specific: Vec<(usize, usize)> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    let mut kept = Vec::new();
    for c in candidates {
        if c.generic {
            // `specific` is complete by now (sorted first) and ordered by start.
            let i = specific.partition_point(|&(s, _)| s < c.end);
            if specific[..i].iter().rev().take(8).any(|&(_, e)| e > c.start) {
                continue;
            }
        }
        if !seen.insert(c.value.expose().to_string()) {
            continue;
        }
        if !c.generic {
            specific.push((c.start, c.end));
        }
        kept.push(c);
    }
    kept.sort_by_key(|c| c.match_start);
    kept
}

/// Findings for the secrets in `text`, shown as `path`.
pub fn findings(detector: &Detector, path: &str, text: &[u8], candidates: Vec<Candidate>) -> Vec<Finding> {
    let mut out = Vec::new();
    let (mut line, mut counted_to) = (1u32, 0usize);
    for c in resolve(candidates) {
        line += memchr::memchr_iter(b'\n', &text[counted_to..c.match_start]).count() as u32;
        counted_to = c.match_start;
        let line_start = memchr::memrchr(b'\n', &text[..c.start]).map_or(0, |i| i + 1);
        let line_end = memchr::memchr(b'\n', &text[c.start..]).map_or(text.len(), |i| c.start + i);
        let secret_line = line + memchr::memchr_iter(b'\n', &text[c.match_start..c.start]).count() as u32;
        let column = (c.start - line_start) as u32 + 1;
        let rule = detector.rule(c.rule);
        // The marker may sit on the line of the secret or, for a multi-line
        // key, on its first line.
        let first_line_start = memchr::memrchr(b'\n', &text[..c.match_start]).map_or(0, |i| i + 1);
        let suppressed = inline::suppresses(&text[line_start..line_end], &rule.meta.id)
            || inline::suppresses(&text[first_line_start..line_end.max(first_line_start)], &rule.meta.id);
        out.push(build(rule, path, Location::at(path, secret_line, column), c, suppressed));
    }
    out
}

fn build(rule: &crate::rules::Rule, path: &str, location: Location, c: Candidate, suppressed: bool) -> Finding {
    let meta = &rule.meta;
    let value_fp = mask::fingerprint(c.value.expose());
    let evidence = format!("{} fingerprint {}", mask::preview(c.value.expose()), value_fp);
    let name = c.key.clone().unwrap_or_else(|| meta.title.clone());
    let subject = Subject::scoped(FactKind::Secret, name, path);
    let message = meta
        .message
        .replace("{subject}", &subject.display())
        .replace("{key}", c.key.as_deref().unwrap_or("a value"))
        .replace("{evidence}", &evidence);
    let suppression = suppressed.then(|| Suppression {
        reason: "inline stackaudit:ignore comment".into(),
        source: location.to_string(),
        expires: None,
    });
    Finding {
        id: fingerprint(&meta.id, &subject, Some(&value_fp)),
        rule_id: meta.id.clone(),
        severity: meta.severity,
        title: meta.title.clone(),
        message,
        subject,
        key: c.key,
        location: Some(location),
        declared_in: None,
        evidence: Some(evidence),
        references: meta.references.clone(),
        remediation: meta.remediation.clone(),
        suppressed,
        suppression,
        baseline: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collect::secrets::TextKind;
    use crate::rules::RuleSet;

    fn rules_found(text: &str, kind: TextKind) -> Vec<String> {
        let detector = Detector::new(&RuleSet::builtin());
        let found = findings(&detector, "f", text.as_bytes(), detector.scan(text.as_bytes(), kind));
        found.into_iter().map(|f| f.rule_id).collect()
    }

    #[test]
    fn specific_rule_wins_and_each_value_is_reported_once() {
        // Built from parts: no token-shaped literal in the source.
        let token = format!("ghp_{}", "aB3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW3xY5");
        let text = format!("GITHUB_TOKEN={token}\nGH_SECRET_TOKEN={token}\n");
        assert_eq!(rules_found(&text, TextKind::default()), vec!["secret-github-token"]);
    }

    #[test]
    fn pem_key_is_one_finding_on_the_body() {
        let body: Vec<String> =
            (0..4).map(|i| format!("{i}Qk9vN2rT5kLmP0xWz8YbHc3Jd7Fe1Ga6Bs4Ut9Vw2Xy5Zr8Qp3Mn6Lk1Jh4Gf7Ed0")).collect();
        let text = format!("-----BEGIN RSA PRIVATE KEY-----\n{}\n-----END RSA PRIVATE KEY-----\n", body.join("\n"));
        assert_eq!(rules_found(&text, TextKind::default()), vec!["secret-private-key"]);
    }

    #[test]
    fn generic_rules_want_quoted_literals_in_source_code() {
        let code = TextKind { source_code: true, ..TextKind::default() };
        assert!(rules_found("let password = Xk9mQ2vLp7wZ;", code).is_empty());
        assert_eq!(rules_found("let password = \"Xk9mQ2vLp7wZ\";", code), vec!["secret-generic-password"]);
        assert!(rules_found("\"secretHash\": \"Zq8vN2rT5kLmP0xWz8YbHc3J\"", TextKind { lock_file: true, ..code })
            .is_empty());
    }
}
