//! Drift: a container whose image in a live cluster is not the image the
//! scanned repository's manifest declares for it (a hot fix applied with
//! `kubectl set image`, a release nobody committed). Runs once every
//! collector is done, since it needs both sides; finds nothing unless a
//! scan audits both a cluster and manifests.

use std::collections::HashMap;

use super::facts::CLUSTER_LABEL;
use crate::facts::image::ImageRef;
use crate::facts::image_drift::ImageDrift;
use crate::facts::workload::{Platform, Workload};
use crate::facts::{Fact, FactData, FactKind, Location, Subject};

/// A manifest's container: its namespace (`None`: left to `kubectl -n`),
/// image and where the image is written.
type Declared<'a> = (Option<&'a str>, &'a ImageRef, Option<&'a Location>);

/// Adds an `image_drift` fact for each live container whose manifest
/// declares another image.
pub fn resolve(facts: &mut Vec<Fact>) {
    // Manifest containers by `Kind/name/container`, with their namespace
    // (`None`: left to `kubectl -n`, matches any).
    let mut manifests: HashMap<&str, Vec<Declared<'_>>> = HashMap::new();
    for fact in facts.iter() {
        let FactData::Workload(w) = &fact.data else { continue };
        if !is_kubernetes(w) || fact.subject.labels.contains_key(CLUSTER_LABEL) {
            continue;
        }
        let Some(image) = &w.image else { continue };
        let location = fact.locations.get("image").or(fact.origin.as_ref());
        manifests.entry(fact.subject.name.as_str()).or_default().push((
            fact.subject.labels.get("namespace").map(String::as_str),
            image,
            location,
        ));
    }
    if manifests.is_empty() {
        return;
    }
    let mut drift = Vec::new();
    for fact in facts.iter() {
        let FactData::Workload(w) = &fact.data else { continue };
        let (Some(cluster), Some(namespace)) =
            (fact.subject.labels.get(CLUSTER_LABEL), fact.subject.labels.get("namespace"))
        else {
            continue;
        };
        let Some(running) = &w.image else { continue };
        let Some(candidates) = manifests.get(fact.subject.name.as_str()) else { continue };
        // The manifest for this namespace, or one that leaves it open.
        let declared = candidates
            .iter()
            .find(|(ns, _, _)| *ns == Some(namespace.as_str()))
            .or_else(|| candidates.iter().find(|(ns, _, _)| ns.is_none()));
        let Some((_, declared, location)) = declared else { continue };
        if declared.interpolated || same_image(declared, running) {
            continue;
        }
        let (workload, container) = fact.subject.name.rsplit_once('/').unwrap_or((fact.subject.name.as_str(), ""));
        let data = ImageDrift {
            cluster: cluster.clone(),
            namespace: namespace.clone(),
            workload: workload.to_string(),
            container: container.to_string(),
            running_image: running.raw.clone(),
            manifest_image: declared.raw.clone(),
            manifest: location.cloned(),
        };
        let mut subject =
            Subject::scoped(FactKind::ImageDrift, &fact.subject.name, fact.subject.scope.clone().unwrap_or_default());
        subject.labels = fact.subject.labels.clone();
        let mut drift_fact = Fact::new(subject, FactData::ImageDrift(data));
        drift_fact.origin = location.cloned();
        drift_fact.declared_in = fact.declared_in.clone();
        drift.push(drift_fact);
    }
    facts.extend(drift);
}

fn is_kubernetes(w: &Workload) -> bool {
    w.platform == Platform::Kubernetes
}

/// The same image, however it is written: `nginx` is `docker.io/library/nginx`,
/// no tag is `latest`, and a digest only counts when both sides pin one (a
/// deploy tool that pins the tag to its digest has not drifted).
fn same_image(a: &ImageRef, b: &ImageRef) -> bool {
    let canonical = |r: &ImageRef| {
        let registry = r.registry.as_deref().unwrap_or("docker.io");
        let registry = if registry == "index.docker.io" { "docker.io" } else { registry };
        let repository = if registry == "docker.io" && !r.repository.contains('/') {
            format!("library/{}", r.repository)
        } else {
            r.repository.clone()
        };
        (registry.to_string(), repository)
    };
    if canonical(a) != canonical(b) {
        return false;
    }
    match (&a.digest, &b.digest) {
        (Some(x), Some(y)) => x == y,
        // One side pinned by digest only: the tag cannot be compared.
        (Some(_), None) | (None, Some(_)) if a.tag.is_none() || b.tag.is_none() => true,
        _ => a.effective_tag() == b.effective_tag(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn workload(name: &str, image: &str, live: bool, ns: Option<&str>) -> Fact {
        let w = Workload { platform: Platform::Kubernetes, image: Some(ImageRef::parse(image)), ..Default::default() };
        let mut s = Subject::scoped(FactKind::Workload, name, if live { "prod/shop" } else { "k8s/web.yaml" });
        if live {
            s = s.with_label(CLUSTER_LABEL, "prod");
        }
        if let Some(ns) = ns {
            s = s.with_label("namespace", ns);
        }
        let mut f = Fact::new(s, FactData::Workload(w));
        if !live {
            f.origin = Some(Location::line("k8s/web.yaml", 20));
        }
        f
    }

    fn drifts(facts: &[Fact]) -> Vec<(String, String)> {
        facts
            .iter()
            .filter_map(|f| match &f.data {
                FactData::ImageDrift(d) => Some((d.running_image.clone(), d.manifest_image.clone())),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_hot_fixed_image_is_drift_an_equivalent_spelling_is_not() {
        let mut facts = vec![
            workload("Deployment/web/app", "registry.example.com/web:1.4.1-hotfix", true, Some("shop")),
            workload("Deployment/web/app", "registry.example.com/web:1.4.0", false, None),
            workload("Deployment/nginx/nginx", "docker.io/library/nginx:1.27", true, Some("shop")),
            workload("Deployment/nginx/nginx", "nginx:1.27", false, Some("shop")),
            workload("StatefulSet/redis/redis", "redis:7@sha256:aaa", true, Some("shop")),
            workload("StatefulSet/redis/redis", "redis:7", false, Some("shop")),
            // Declared for another namespace only: not this one's manifest.
            workload("Deployment/api/api", "api:2", true, Some("shop")),
            workload("Deployment/api/api", "api:1", false, Some("staging")),
        ];
        resolve(&mut facts);
        assert_eq!(
            drifts(&facts),
            [("registry.example.com/web:1.4.1-hotfix".to_string(), "registry.example.com/web:1.4.0".to_string())]
        );
        let fact = facts.iter().find(|f| f.kind() == FactKind::ImageDrift).unwrap();
        assert_eq!(fact.origin.as_ref().and_then(|l| l.line), Some(20));
    }

    #[test]
    fn nothing_without_manifests() {
        let mut facts = vec![workload("Deployment/web/app", "web:2", true, Some("shop"))];
        resolve(&mut facts);
        assert!(drifts(&facts).is_empty());
    }
}
