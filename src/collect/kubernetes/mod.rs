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
mod kinds;
mod kustomize;
mod object_fact;
mod objects;
mod place;
mod plain;
pub mod pod;
pub mod quantity;
mod rendered;
mod security;
mod source;

use std::collections::HashSet;

use rayon::prelude::*;

use super::files::{DiscoveredFile, Discovery};
use super::{CollectContext, Collected};
use crate::diagnostics::{ErrorKind, ScanError};

use container::Where;
use objects::Flattened;
use place::Place;
use source::{Source, STDIN};

pub use detect::is_compose_name;

const SOURCE: &str = "kubernetes";

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
    let mut plain: Collected = sources
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
            super::contained(SOURCE, &s.display, || plain::audit(s, flat, ctx, &services))
        })
        .collect();
    object_fact::resolve(&mut plain.facts);

    // Kustomize renderings: the objects a kustomization changed, as it
    // deploys them.
    let table: Vec<std::sync::Arc<str>> = sources.iter().map(|s| std::sync::Arc::from(s.display.as_str())).collect();
    let known_errors: HashSet<(Option<crate::facts::Location>, String)> =
        plain.errors.iter().map(|e| (e.location.clone(), e.message.clone())).collect();
    let mut rendered = Collected::default();
    for rendering in &plan.renderings {
        let (Some(k), Some(own)) = (sources.get(rendering.kustomization), table.get(rendering.kustomization)) else {
            continue;
        };
        let at = Where { place: Place { own, table: &table }, scope: &k.display, overlay: Some(&k.display) };
        let part = super::contained(SOURCE, &k.display, || rendered::audit(at, &rendering.objects, ctx));
        rendered.facts.extend(part.facts);
        rendered.errors.extend(
            part.errors.into_iter().filter(|e| !known_errors.contains(&(e.location.clone(), e.message.clone()))),
        );
    }
    out.merge(plain);
    out.merge(rendered);
    out
}
