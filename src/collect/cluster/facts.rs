//! The facts of one cluster, with their subjects: `<cluster>/<namespace>` as
//! the scope, so the same workload in two clusters (or namespaces) is two
//! subjects, and `Kind/name[/container]` as the name, as manifests name them.

use std::collections::HashMap;

use super::inventory::{ContainerFact, Group};
use super::pod::ContainerType;
use crate::facts::kubernetes::{KubernetesObject, ServiceAccountToken};
use crate::facts::kubernetes_namespace::KubernetesNamespace;
use crate::facts::kubernetes_reachability::KubernetesReachability;
use crate::facts::kubernetes_service::KubernetesService;
use crate::facts::kubernetes_service_account::KubernetesServiceAccount;
use crate::facts::{Fact, FactData, FactKind, Location, Subject};

/// The label every live-cluster subject carries: which cluster.
pub const CLUSTER_LABEL: &str = "cluster";

pub struct Builder<'a> {
    pub cluster: &'a str,
    /// The API server's version (`v1.33.1`), shown with every subject.
    pub version: &'a str,
    /// The config's `[kubernetes]` entry, for reports that need a file.
    pub declared_in: Option<Location>,
}

impl Builder<'_> {
    fn subject(&self, kind: FactKind, namespace: &str, name: impl Into<String>) -> Subject {
        Subject::scoped(kind, name, format!("{}/{namespace}", self.cluster))
            .with_label(CLUSTER_LABEL, self.cluster)
            .with_label("namespace", namespace)
            .with_label("server_version", self.version)
    }

    fn fact(&self, subject: Subject, data: FactData) -> Fact {
        let mut fact = Fact::new(subject, data);
        fact.declared_in = self.declared_in.clone();
        fact
    }

    pub fn workload(&self, c: &ContainerFact) -> Fact {
        let mut subject = self
            .subject(FactKind::Workload, &c.namespace, format!("{}/{}", c.workload, c.container))
            .with_label("image", c.data.image.as_ref().map(|i| i.raw.clone()).unwrap_or_default());
        if c.container_type != ContainerType::Container {
            subject = subject.with_label("container_type", c.container_type.label());
        }
        if c.workload.starts_with("Pod/") {
            subject = subject.with_label("owner", "none");
        }
        self.fact(subject, FactData::Workload(c.data.clone()))
    }

    /// The controller as a `kubernetes_object`, for the checks that are about
    /// the pod as a whole (its service account token).
    pub fn object(&self, g: &Group, accounts: &HashMap<(String, String), Option<bool>>) -> Fact {
        let (kind, name) = g.workload.split_once('/').unwrap_or(("Pod", g.workload.as_str()));
        let token =
            match (g.automount, accounts.get(&(g.namespace.clone(), g.service_account.clone())).copied().flatten()) {
                (Some(v), _) => ServiceAccountToken {
                    service_account: g.service_account.clone(),
                    automounted: v,
                    source: "pod".into(),
                },
                (None, Some(v)) => ServiceAccountToken {
                    service_account: g.service_account.clone(),
                    automounted: v,
                    source: "service_account".into(),
                },
                (None, None) => ServiceAccountToken {
                    service_account: g.service_account.clone(),
                    automounted: true,
                    source: "default".into(),
                },
            };
        let data = KubernetesObject {
            api_version: g.controller.as_ref().map(|c| c.api_version.clone()).unwrap_or_else(|| "v1".into()),
            kind: kind.to_string(),
            name: name.to_string(),
            namespace: Some(g.namespace.clone()),
            service_account_token: Some(token),
            pod_labels: g.labels.clone(),
            ..Default::default()
        };
        let subject =
            self.subject(FactKind::KubernetesObject, &g.namespace, &g.workload).with_label("pods", g.pods.to_string());
        self.fact(subject, FactData::KubernetesObject(data))
    }

    pub fn namespace(
        &self,
        ns: &str,
        pods: i64,
        network_policies: Vec<String>,
        default_deny_ingress: bool,
        default_deny_egress: bool,
        unowned_pods: Vec<String>,
    ) -> Fact {
        let data = KubernetesNamespace {
            cluster: self.cluster.to_string(),
            name: ns.to_string(),
            system: super::rbac::is_system_namespace(ns),
            pods,
            network_policies,
            default_deny_ingress,
            default_deny_egress,
            unowned_pods,
        };
        let subject = Subject::scoped(FactKind::KubernetesNamespace, ns, self.cluster)
            .with_label(CLUSTER_LABEL, self.cluster)
            .with_label("server_version", self.version);
        self.fact(subject, FactData::KubernetesNamespace(data))
    }

    pub fn reachability(&self, r: KubernetesReachability) -> Fact {
        let subject = self.subject(FactKind::KubernetesReachability, &r.namespace, &r.workload);
        self.fact(subject, FactData::KubernetesReachability(r))
    }

    pub fn service(&self, s: KubernetesService) -> Fact {
        let subject = self.subject(FactKind::KubernetesService, &s.namespace, format!("Service/{}", s.name));
        self.fact(subject, FactData::KubernetesService(s))
    }

    pub fn service_account(&self, a: KubernetesServiceAccount) -> Fact {
        let subject =
            self.subject(FactKind::KubernetesServiceAccount, &a.namespace, format!("ServiceAccount/{}", a.name));
        self.fact(subject, FactData::KubernetesServiceAccount(a))
    }
}
