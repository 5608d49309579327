//! What one cluster's pods amount to, built a page at a time: one group per
//! controller (or per pod no controller owns), with the workload facts of
//! its containers deduplicated across replicas. Only the groups are kept,
//! never the pods, so memory follows the number of controllers.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use k8s_openapi::api::core::v1::Pod;

use super::owner::{Controller, Owners};
use super::pod::{self, ContainerType};
use crate::collect::secrets::Detector;
use crate::facts::image::ImageRef;
use crate::facts::role::Role;
use crate::facts::workload::Workload;

/// Distinct variants kept per container and controller (a rollout in
/// progress runs two); more are counted, not kept.
const MAX_VARIANTS: usize = 4;

/// One controller's pods (or one unowned pod) in a namespace.
#[derive(Debug, Clone)]
pub struct Group {
    pub namespace: String,
    /// `Deployment/web`, or `Pod/debug` for a pod no controller owns.
    pub workload: String,
    pub controller: Option<Controller>,
    /// Pod labels, without the per-pod ones.
    pub labels: BTreeMap<String, String>,
    pub role: Role,
    pub ports: BTreeSet<i64>,
    pub named_ports: BTreeMap<String, i64>,
    pub service_account: String,
    /// `automountServiceAccountToken` of the pod spec, when set.
    pub automount: Option<bool>,
    pub pods: usize,
}

/// One container of a group, as audited.
#[derive(Debug, Clone)]
pub struct ContainerFact {
    pub namespace: String,
    pub workload: String,
    pub container: String,
    pub container_type: ContainerType,
    pub data: Workload,
}

#[derive(Debug, Default)]
pub struct Inventory {
    pub groups: BTreeMap<(String, String), Group>,
    pub containers: Vec<ContainerFact>,
    /// Per (namespace, workload, container, type): signatures kept.
    variants: HashMap<(String, String, String, &'static str), Vec<blake3::Hash>>,
    seen_pods: HashSet<String>,
    /// Pods per namespace, and the pods no controller owns.
    pub pods_per_namespace: BTreeMap<String, i64>,
    pub unowned: BTreeMap<String, Vec<String>>,
}

impl Inventory {
    /// Adds a page of pods.
    pub fn add_pods(&mut self, pods: Vec<Pod>, owners: &Owners, detector: &Detector) {
        for p in pods {
            self.add_pod(&p, owners, detector);
        }
    }

    fn add_pod(&mut self, p: &Pod, owners: &Owners, detector: &Detector) {
        let (Some(namespace), Some(name)) = (p.metadata.namespace.clone(), p.metadata.name.clone()) else { return };
        // A list restarted after an expired continue token repeats pods.
        let uid = p.metadata.uid.clone().unwrap_or_else(|| format!("{namespace}/{name}"));
        if !self.seen_pods.insert(uid) {
            return;
        }
        // Finished pods (a Job's completed run) no longer run anything.
        let phase = p.status.as_ref().and_then(|s| s.phase.as_deref());
        if matches!(phase, Some("Succeeded") | Some("Failed")) {
            return;
        }
        *self.pods_per_namespace.entry(namespace.clone()).or_default() += 1;
        let controller = owners.controller_of(p);
        let workload = match &controller {
            Some(c) if c.kind != "Node" => c.reference(),
            // A static pod is owned by its node; it is its own subject.
            _ => format!("Pod/{name}"),
        };
        if controller.is_none() {
            self.unowned.entry(namespace.clone()).or_default().push(name.clone());
        }
        let batch = controller.as_ref().is_some_and(|c| c.kind == "Job" || c.kind == "CronJob");
        let mapped = pod::containers(p, batch, detector);
        let spec = p.spec.as_ref();
        let key = (namespace.clone(), workload.clone());
        let group = self.groups.entry(key).or_insert_with(|| Group {
            namespace: namespace.clone(),
            workload: workload.clone(),
            controller: controller.clone(),
            labels: mapped.first().map(|m| m.workload.labels.clone()).unwrap_or_default(),
            role: Role::App,
            ports: BTreeSet::new(),
            named_ports: BTreeMap::new(),
            service_account: spec
                .and_then(|s| s.service_account_name.clone().or(s.service_account.clone()))
                .unwrap_or_else(|| "default".into()),
            automount: spec.and_then(|s| s.automount_service_account_token),
            pods: 0,
        });
        group.pods += 1;
        for m in &mapped {
            if m.container_type != ContainerType::Container {
                continue;
            }
            group.role = stronger(group.role, m.workload.image.as_ref().map(role_of).unwrap_or_default());
            for port in m.workload.ports.iter().filter_map(|p| p.container_port.parse::<i64>().ok()) {
                group.ports.insert(port);
            }
            group.named_ports.extend(m.named_ports.iter().cloned());
        }
        for port in spec.into_iter().flat_map(|s| &s.containers).flat_map(|c| c.ports.as_deref().unwrap_or_default()) {
            group.ports.insert(i64::from(port.container_port));
        }
        for m in mapped {
            let signature = signature(&m.data_without_labels());
            let key = (namespace.clone(), workload.clone(), m.name.clone(), m.container_type.label());
            let kept = self.variants.entry(key).or_default();
            if kept.contains(&signature) || kept.len() >= MAX_VARIANTS {
                continue;
            }
            kept.push(signature);
            self.containers.push(ContainerFact {
                namespace: namespace.clone(),
                workload: workload.clone(),
                container: m.name,
                container_type: m.container_type,
                data: m.workload,
            });
        }
    }
}

impl pod::MappedContainer {
    /// The workload without its labels: replicas differ only there.
    fn data_without_labels(&self) -> Workload {
        Workload { labels: BTreeMap::new(), ..self.workload.clone() }
    }
}

fn signature(w: &Workload) -> blake3::Hash {
    blake3::hash(serde_json::to_string(w).unwrap_or_default().as_bytes())
}

/// A datastore anywhere in the pod makes it one (Redis with a metrics
/// sidecar is still Redis); then a proxy; then an app.
fn stronger(a: Role, b: Role) -> Role {
    let rank = |r: Role| match r {
        Role::Datastore => 2,
        Role::Proxy => 1,
        Role::App => 0,
    };
    if rank(b) > rank(a) {
        b
    } else {
        a
    }
}

/// The role of an image, counting ingress controllers (whose images are
/// often just `.../ingress-nginx/controller`) as reverse proxies.
pub fn role_of(image: &ImageRef) -> Role {
    match Role::of_image(image) {
        Role::App if image.repository.to_ascii_lowercase().contains("ingress") => Role::Proxy,
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(name: &str, rs: &str, image: &str, extra_label: &str) -> Pod {
        serde_json::from_value(serde_json::json!({
            "metadata": {"name": name, "namespace": "shop", "uid": name,
                         "labels": {"app": "redis", "pod-template-hash": extra_label},
                         "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": rs, "uid": "u", "controller": true}]},
            "spec": {"containers": [{"name": "redis", "image": image, "ports": [{"containerPort": 6379}]}]},
            "status": {"phase": "Running"}
        }))
        .unwrap()
    }

    #[test]
    fn replicas_become_one_group_and_one_fact() {
        let detector = Detector::builtin();
        let owners = Owners::default();
        let mut inv = Inventory::default();
        inv.add_pods(
            vec![
                pod("a", "redis-1", "redis:7", "h1"),
                pod("b", "redis-1", "redis:7", "h2"),
                pod("a", "redis-1", "redis:7", "h1"),
            ],
            &owners,
            &detector,
        );
        assert_eq!(inv.groups.len(), 1);
        let group = inv.groups.values().next().unwrap();
        assert_eq!((group.pods, group.role, group.workload.as_str()), (2, Role::Datastore, "ReplicaSet/redis-1"));
        assert_eq!(group.ports.iter().copied().collect::<Vec<_>>(), [6379]);
        assert_eq!(inv.containers.len(), 1, "replicas differing only in per-pod labels are one fact");
        // A rollout: the new image is a second variant of the same subject.
        inv.add_pods(vec![pod("c", "redis-1", "redis:7.2", "h3")], &owners, &detector);
        assert_eq!(inv.containers.len(), 2);
    }

    #[test]
    fn ingress_controllers_are_proxies() {
        assert_eq!(role_of(&ImageRef::parse("registry.k8s.io/ingress-nginx/controller:v1.11.2")), Role::Proxy);
        assert_eq!(role_of(&ImageRef::parse("ghcr.io/acme/api:2")), Role::App);
    }
}
