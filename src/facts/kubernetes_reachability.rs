//! Who can open a connection to a workload in a live Kubernetes cluster, as
//! its NetworkPolicies (and those of the would-be clients) allow. Filled in
//! for datastores, which the deployment guide says only the app may reach.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::role::Role;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct KubernetesReachability {
    pub cluster: String,
    pub namespace: String,
    /// The workload whose pods are the target (`StatefulSet/redis`).
    pub workload: String,
    pub role: Role,
    /// The container ports the pods listen on.
    pub ports: Vec<i64>,
    /// A NetworkPolicy selects these pods for ingress: only what some policy
    /// allows gets in.
    pub isolated: bool,
    /// The policies selecting the pods for ingress.
    pub policies: Vec<String>,
    /// An ingress rule lets in any pod of any namespace (no `from`, or an
    /// empty namespace selector) or any address (`0.0.0.0/0`).
    pub open_to_all: bool,
    /// What `open_to_all` comes from, for the evidence.
    pub open_reason: Option<String>,
    /// The other workloads of the cluster that can connect, given both the
    /// target's ingress and each client's egress policies.
    pub reachable_from: Vec<Peer>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Peer {
    pub namespace: String,
    pub workload: String,
    pub role: Role,
}
