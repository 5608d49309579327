//! A kustomization's rendering, audited: facts for the objects its own
//! layer changed, scoped to the kustomization, with references resolved
//! among everything it deploys.

use crate::collect::{CollectContext, Collected};
use crate::diagnostics::{ErrorKind, ScanError};
use crate::facts::{Fact, FactData, Location};

use super::container::Where;
use super::objects::{self, Flattened, ObjectError};
use super::plain::{count_containers, MAX_CONTAINERS_PER_FILE};
use super::{audit, exposure, kustomize, object_fact, SOURCE};

/// Facts of the objects a kustomization changed; the others are what their
/// files say, audited as such. References (autoscalers, service accounts,
/// Services) are resolved among everything the kustomization deploys.
pub fn audit(at: Where<'_>, rendered: &[kustomize::Rendered], ctx: &CollectContext<'_>) -> Collected {
    let mut out = Collected::default();
    if !rendered.iter().any(|r| r.modified) {
        return out;
    }
    let mut flat = Flattened::default();
    let mut modified = Vec::new();
    for r in rendered {
        let before = flat.objects.len();
        objects::flatten(&r.node, &mut flat);
        modified.extend(std::iter::repeat_n(r.modified, flat.objects.len() - before));
    }
    let containers: usize =
        flat.objects.iter().zip(&modified).filter(|(_, changed)| **changed).map(|(o, _)| count_containers(o)).sum();
    if containers > MAX_CONTAINERS_PER_FILE {
        let message = format!(
            "the rendering changes {containers} containers, over the limit of {MAX_CONTAINERS_PER_FILE} per file; \
             not audited"
        );
        out.error(ScanError::new(SOURCE, at.scope, ErrorKind::Unsupported, message));
        return out;
    }
    let services = exposure::gather(&flat.objects);
    let a = audit::Audit { at, detector: ctx.detector, helm_sources: &[], services: &services };
    let mut problems: Vec<ObjectError> = Vec::new();
    let mut facts: Vec<(bool, Fact)> = Vec::new();
    for (obj, changed) in flat.objects.iter().zip(&modified) {
        let mut own_problems = Vec::new();
        let object_facts = audit::object(&a, obj, &mut own_problems);
        if *changed {
            problems.extend(own_problems);
            facts.extend(object_facts.into_iter().map(|f| (true, f)));
        } else {
            // Only its object fact, for resolving references.
            facts.extend(
                object_facts
                    .into_iter()
                    .filter(|f| matches!(f.data, FactData::KubernetesObject(_)))
                    .map(|f| (false, f)),
            );
        }
    }
    let mut all: Vec<Fact> = facts.iter().map(|(_, f)| f.clone()).collect();
    object_fact::resolve(&mut all);
    out.facts = all.into_iter().zip(facts).filter(|(_, (keep, _))| *keep).map(|(f, _)| f).collect();
    out.errors = problems
        .into_iter()
        .map(|e| {
            let path = at.place.path_of(e.source);
            ScanError::new(SOURCE, path, ErrorKind::Malformed, e.message).at(Location::at(path, e.line, e.col))
        })
        .collect();
    out
}
