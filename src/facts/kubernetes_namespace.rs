//! One namespace of a live Kubernetes cluster, for the checks that only the
//! namespace as a whole can answer (a default-deny NetworkPolicy).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct KubernetesNamespace {
    /// The kubeconfig context (or `in-cluster`) the cluster was reached with.
    pub cluster: String,
    pub name: String,
    /// `kube-system`, `kube-public`, `kube-node-lease`: run by the cluster
    /// itself, not by the team deploying the stack.
    pub system: bool,
    /// Pods running in the namespace when it was listed.
    pub pods: i64,
    /// `NetworkPolicy` names in the namespace.
    pub network_policies: Vec<String>,
    /// A policy selects every pod (`podSelector: {}`) for ingress and allows
    /// nothing in: traffic is denied unless another policy allows it.
    pub default_deny_ingress: bool,
    /// The same for egress.
    pub default_deny_egress: bool,
    /// Pods no controller owns (started by hand: `kubectl run`, a debug
    /// pod): nothing recreates them, and no manifest describes them.
    pub unowned_pods: Vec<String>,
}
