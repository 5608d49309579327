//! Kubernetes manifests: every container of every pod-running object becomes
//! a `workload` fact (the same model as compose services, so the same rules
//! fire), its image an `image` fact, and every object a `kubernetes_object`
//! fact for the checks only Kubernetes has.
//!
//! Files are read in parallel; objects that refer to each other (an
//! autoscaler and its Deployment, a pod and its ServiceAccount) are matched
//! once every file is read.

mod audit;
mod container;
mod detect;
mod exposure;
mod findings;
mod kinds;
mod kustomize;
mod object_fact;
mod objects;
mod place;
mod pod;
mod quantity;
mod security;
mod source;

use std::collections::HashSet;

use rayon::prelude::*;

use super::files::{DiscoveredFile, Discovery};
use super::{CollectContext, Collected};
use crate::diagnostics::{ErrorKind, ScanError, Skipped};
use crate::facts::{Fact, FactData};

use container::Where;
use objects::{Flattened, ObjectError};
use place::Place;
use source::{Source, STDIN};

pub use detect::is_compose_name;
pub use findings::drop_inherited_findings;

const SOURCE: &str = "kubernetes";
/// Containers audited from one file. Each becomes a workload fact that
/// every workload rule reads (about 60 KB with its findings); 100,000 in
/// one manifest took 3.5 GB. Rendered charts hold a few hundred.
pub const MAX_CONTAINERS_PER_FILE: usize = 2_000;

pub fn collect(discovery: &Discovery, ctx: &CollectContext<'_>) -> Collected {
    let limit = ctx.config.scan.max_config_bytes;
    let candidates: Vec<&DiscoveredFile> = discovery.files.iter().filter(|f| detect::is_candidate(f)).collect();
    let mut sources: Vec<Source> = candidates.par_iter().filter_map(|f| source::read(f, limit)).collect();
    let mut out = Collected::default();
    if let Some(text) = &discovery.stdin {
        if text.trim().is_empty() {
            out.error(ScanError::new(
                SOURCE,
                STDIN,
                ErrorKind::Malformed,
                "standard input is empty: nothing to audit (did the command piping into `stackaudit scan -` fail?)",
            ));
        } else if let Some(s) = source::parse(STDIN, None, text.clone(), false) {
            sources.push(s);
        }
    }

    let patches = kustomize::patch_files(&sources);
    let read: HashSet<std::path::PathBuf> =
        sources.iter().filter_map(|s| s.path.as_deref()).map(kustomize::normalised).collect();
    let unread: Vec<&DiscoveredFile> = discovery
        .files
        .iter()
        .filter(|f| {
            let path = kustomize::normalised(&f.path);
            patches.contains(&path) && !read.contains(&path)
        })
        .collect();
    sources.extend(unread.iter().filter_map(|f| source::read_patch(f, limit)));

    let plan = kustomize::plan(&sources);
    out.skipped.extend(plan.skipped.iter().cloned());
    out.errors.extend(plan.errors.iter().cloned());

    // Plain files: every manifest as `kubectl apply -f` would send it.
    let flats: Vec<Flattened<'_>> = sources
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let mut flat = Flattened::default();
            if !plan.consumed.contains(&i) && !s.kustomization {
                s.docs.iter().for_each(|d| objects::flatten(d, &mut flat));
            }
            flat
        })
        .collect();
    let all_objects: Vec<objects::Object<'_>> = flats.iter().flat_map(|f| f.objects.iter().cloned()).collect();
    let services = exposure::gather(&all_objects);
    let parts: Vec<Collected> = sources
        .par_iter()
        .zip(flats.par_iter())
        .enumerate()
        .map(|(i, (s, flat))| {
            if plan.consumed.contains(&i) || s.kustomization {
                // Patches and kustomizations are Kustomize input; their read
                // errors still count.
                let mut part = Collected::default();
                part.errors.extend(s.out.errors.iter().cloned());
                part.errors.extend(
                    s.syntax_errors.iter().map(|e| s.error(e.line, e.col, format!("invalid YAML: {}", e.message))),
                );
                part.stats = s.out.stats;
                return part;
            }
            audit_plain(s, flat, ctx, &services)
        })
        .collect();
    let mut plain = Collected::default();
    for part in parts {
        plain.merge(part);
    }
    object_fact::resolve(&mut plain.facts);

    // Kustomize renderings: the objects a kustomization changed, as it
    // deploys them.
    let table: Vec<&str> = sources.iter().map(|s| s.display.as_str()).collect();
    let known_errors: HashSet<(Option<crate::facts::Location>, String)> =
        plain.errors.iter().map(|e| (e.location.clone(), e.message.clone())).collect();
    let mut rendered = Collected::default();
    for rendering in &plan.renderings {
        let Some(k) = sources.get(rendering.kustomization) else { continue };
        let at =
            Where { place: Place { own: &k.display, table: &table }, scope: &k.display, overlay: Some(&k.display) };
        let part = audit_rendering(at, &rendering.objects, ctx);
        rendered.facts.extend(part.facts);
        rendered.errors.extend(
            part.errors.into_iter().filter(|e| !known_errors.contains(&(e.location.clone(), e.message.clone()))),
        );
    }
    out.merge(plain);
    out.merge(rendered);
    out
}

/// Facts and errors of one plain file.
fn audit_plain(
    s: &Source,
    flat: &Flattened<'_>,
    ctx: &CollectContext<'_>,
    services: &[exposure::ServicePort<'_>],
) -> Collected {
    let mut out = Collected::default();
    out.errors.extend(s.out.errors.iter().cloned());
    let syntax: Vec<ScanError> =
        s.syntax_errors.iter().map(|e| s.error(e.line, e.col, format!("invalid YAML: {}", e.message))).collect();
    if s.templated && !syntax.is_empty() {
        out.skipped.push(source::template_skip(&s.display));
        return out;
    }
    out.stats = s.out.stats;
    out.errors.extend(syntax);
    if flat.objects.is_empty()
        && flat.errors.is_empty()
        && flat.skipped.is_empty()
        && flat.kustomizations.is_empty()
        && out.errors.is_empty()
    {
        // YAML that merely mentions apiVersion and kind somewhere.
        out.stats = Default::default();
        return out;
    }
    let nameless = flat.objects.iter().any(|o| o.name == objects::NO_NAME);
    if s.templated && (!flat.errors.is_empty() || !flat.foreign.is_empty() || nameless) {
        out.skipped.push(source::template_skip(&s.display));
        out.stats = Default::default();
        return out;
    }
    let containers: usize = flat.objects.iter().map(count_containers).sum();
    if containers > MAX_CONTAINERS_PER_FILE {
        let mut error = s.error(
            1,
            1,
            format!(
                "{containers} containers in one file, over the limit of {MAX_CONTAINERS_PER_FILE} per file; \
                 the file is not audited (split it)"
            ),
        );
        error.kind = ErrorKind::Unsupported;
        out.error(error);
        return out;
    }
    for line in &flat.foreign {
        out.error(s.error(*line, 1, "document is not a Kubernetes object (no apiVersion or kind)".into()));
    }
    out.errors.extend(flat.errors.iter().map(|e| s.error(e.line, e.col, e.message.clone())));
    // kubectl (go-yaml through sigs.k8s.io/yaml) refuses a repeated key:
    // the object would never reach the cluster as written.
    for doc in &s.docs {
        for dup in doc.duplicate_keys() {
            out.error(s.error(
                dup.line,
                dup.col,
                format!(
                    "key {:?} is written twice in one mapping (first at line {}); kubectl rejects it",
                    dup.key, dup.first_line
                ),
            ));
        }
    }
    let mut not_audited = flat.skipped.clone();
    not_audited.extend(
        flat.kustomizations.iter().map(|d| {
            format!("Kustomization outside a kustomization.yaml: Kustomize does not read it (line {})", d.line)
        }),
    );
    if !not_audited.is_empty() {
        out.skipped
            .push(Skipped { path: s.display.clone(), reason: format!("not audited: {}", not_audited.join("; ")) });
    }
    let a = audit::Audit {
        at: Where { place: Place::file(&s.display), scope: &s.display, overlay: None },
        detector: ctx.detector,
        helm_sources: &s.helm_sources,
        services,
    };
    let mut problems = Vec::new();
    for obj in &flat.objects {
        out.facts.extend(audit::object(&a, obj, &mut problems));
    }
    out.errors.extend(problems.into_iter().map(|e| s.error(e.line, e.col, e.message)));
    out
}

/// Containers, init and ephemeral containers of an object's pod template.
fn count_containers(obj: &objects::Object<'_>) -> usize {
    let Ok(Some(pod)) = pod::pod_template(obj) else { return 0 };
    pod::ContainerType::ALL
        .iter()
        .filter_map(|(_, key)| pod.spec.get(key).and_then(crate::collect::yaml::Node::as_seq))
        .map(<[crate::collect::yaml::Node]>::len)
        .sum()
}

/// Facts of the objects a kustomization changed; the others are what their
/// files say, audited as such. References (autoscalers, service accounts,
/// Services) are resolved among everything the kustomization deploys.
fn audit_rendering(at: Where<'_>, rendered: &[kustomize::Rendered], ctx: &CollectContext<'_>) -> Collected {
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
            let path = at.place.path(&crate::collect::yaml::Node {
                source: e.source,
                ..crate::collect::yaml::Node::null(e.line, e.col)
            });
            ScanError::new(SOURCE, path, ErrorKind::Malformed, e.message)
                .at(crate::facts::Location::at(path, e.line, e.col))
        })
        .collect();
    out
}
