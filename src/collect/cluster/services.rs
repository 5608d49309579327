//! Services that open a port on every node (`NodePort`, `LoadBalancer`), with
//! what backs them, for the check that internal ports stay internal.
//! `ClusterIP` Services are reachable from inside the cluster only and are
//! not reported.

use k8s_openapi::api::core::v1::Service;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::inventory::Group;
use crate::facts::kubernetes_service::{KubernetesService, ServicePort};
use crate::facts::role::Role;

pub fn exposed(service: &Service) -> bool {
    let kind = service.spec.as_ref().and_then(|s| s.type_.as_deref()).unwrap_or("ClusterIP");
    kind == "NodePort" || kind == "LoadBalancer"
}

pub fn service_fact(cluster: &str, service: &Service, groups: &[&Group], proxy_in_cluster: bool) -> KubernetesService {
    let spec = service.spec.clone().unwrap_or_default();
    let namespace = service.metadata.namespace.clone().unwrap_or_default();
    // A Service without a selector has its endpoints managed by hand.
    let backends: Vec<&Group> = match &spec.selector {
        Some(selector) if !selector.is_empty() => groups
            .iter()
            .copied()
            .filter(|g| g.namespace == namespace && selector.iter().all(|(k, v)| g.labels.get(k) == Some(v)))
            .collect(),
        _ => Vec::new(),
    };
    let rank = |r: Role| match r {
        Role::Datastore => 2,
        Role::App => 1,
        Role::Proxy => 0,
    };
    let backend_role = backends.iter().map(|g| g.role).max_by_key(|r| rank(*r)).unwrap_or(Role::App);
    let ports = spec
        .ports
        .as_deref()
        .unwrap_or_default()
        .iter()
        .map(|p| {
            let (target_port, container_port) = match &p.target_port {
                None => (p.port.to_string(), Some(i64::from(p.port))),
                Some(IntOrString::Int(n)) => (n.to_string(), Some(i64::from(*n))),
                Some(IntOrString::String(name)) => {
                    (name.clone(), backends.iter().find_map(|g| g.named_ports.get(name).copied()))
                }
            };
            ServicePort {
                name: p.name.clone(),
                port: i64::from(p.port),
                target_port,
                container_port,
                node_port: p.node_port.map(i64::from),
                protocol: p.protocol.as_deref().unwrap_or("TCP").to_ascii_lowercase(),
            }
        })
        .collect();
    KubernetesService {
        cluster: cluster.to_string(),
        namespace,
        name: service.metadata.name.clone().unwrap_or_default(),
        service_type: spec.type_.clone().unwrap_or_else(|| "ClusterIP".into()),
        ports,
        backends: backends.iter().map(|g| g.workload.clone()).collect(),
        backend_role,
        behind_proxy: proxy_in_cluster && backend_role == Role::App,
        source_ranges: spec.load_balancer_source_ranges.clone().unwrap_or_default(),
    }
}
