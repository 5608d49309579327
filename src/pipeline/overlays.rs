//! One finding per defect across a Kustomize base and its overlays. An
//! overlay that changes an object is audited as it deploys it, and most of
//! what it deploys is still the base's: a defect on a base line would be
//! reported once for the base file and again for every overlay. A finding
//! of a rendering (subject label `overlay`) is kept only when no other
//! finding of the same rule and key points at the same line: what an
//! overlay adds or changes points into its own patch or kustomization.

use std::collections::HashSet;

use crate::facts::Location;
use crate::findings::Finding;

/// Drops rendering findings that repeat a finding at the same location.
/// Findings are expected sorted (`super::sort_and_dedupe`); the first of a
/// group is kept, preferring one that is not a rendering.
pub fn drop_inherited_findings(findings: &mut Vec<Finding>) {
    let rendered = |f: &Finding| f.subject.labels.contains_key("overlay");
    // Most scans render no overlay: then there is nothing to compare, and a
    // set of every finding's key (70,000 on a large tree) would be wasted.
    if !findings.iter().any(rendered) {
        return;
    }
    type Key<'a> = (&'a str, Option<&'a str>, Option<&'a Location>);
    fn key(f: &Finding) -> Key<'_> {
        (&f.rule_id, f.key.as_deref(), f.location.as_ref())
    }
    let keep: Vec<bool> = {
        let mut seen: HashSet<Key<'_>> = findings.iter().filter(|f| !rendered(f)).map(key).collect();
        findings.iter().map(|f| !rendered(f) || seen.insert(key(f))).collect()
    };
    let mut keep = keep.into_iter();
    findings.retain(|_| keep.next().unwrap_or(true));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::{FactKind, Subject};

    fn finding(scope: &str, overlay: bool, line: u32) -> Finding {
        let mut subject = Subject::scoped(FactKind::Workload, "Deployment/web/app", scope);
        if overlay {
            subject = subject.with_label("overlay", scope);
        }
        Finding {
            severity: crate::findings::Severity::High,
            location: Some(Location::at("base/deployment.yaml", line, 5)),
            ..Finding::bare("workload-privileged", &format!("{scope}{line}"), subject)
        }
    }

    #[test]
    fn a_base_line_is_reported_once() {
        let mut findings = vec![
            finding("base/deployment.yaml", false, 10),
            finding("overlays/prod/kustomization.yaml", true, 10),
            finding("overlays/staging/kustomization.yaml", true, 10),
            finding("overlays/prod/kustomization.yaml", true, 20),
            finding("overlays/staging/kustomization.yaml", true, 20),
        ];
        drop_inherited_findings(&mut findings);
        let ids: Vec<&str> = findings.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(ids, ["base/deployment.yaml10", "overlays/prod/kustomization.yaml20"]);
    }
}
