//! A Service of a live Kubernetes cluster and what backs it, for the check
//! that node ports and load balancers do not expose internal ports.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::role::Role;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct KubernetesService {
    pub cluster: String,
    pub namespace: String,
    pub name: String,
    /// `ClusterIP`, `NodePort`, `LoadBalancer` or `ExternalName`.
    pub service_type: String,
    pub ports: Vec<ServicePort>,
    /// The workloads (`Deployment/redis`) whose pods the selector matches.
    pub backends: Vec<String>,
    /// The most internal role among the backends: a datastore if any backend
    /// is one, then an app, then a proxy; `app` when nothing matches.
    pub backend_role: Role,
    /// A reverse proxy (an ingress controller, nginx) runs in the cluster, so
    /// apps are meant to be reached through it rather than directly.
    pub behind_proxy: bool,
    /// `loadBalancerSourceRanges`: who the cloud load balancer lets in.
    pub source_ranges: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ServicePort {
    pub name: Option<String>,
    pub port: i64,
    /// `targetPort` as written: a number or a container port's name; the
    /// service port when not set.
    pub target_port: String,
    /// The backend container port the target resolves to, when known.
    pub container_port: Option<i64>,
    /// The port opened on every node (`NodePort` and `LoadBalancer`).
    pub node_port: Option<i64>,
    pub protocol: String,
}
