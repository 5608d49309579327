//! A ServiceAccount of a live Kubernetes cluster and the roles bound to it,
//! for the check that no service account holds cluster-admin or wildcard
//! rights.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct KubernetesServiceAccount {
    pub cluster: String,
    pub namespace: String,
    /// The account's name, or `*` for every account of the namespace (a
    /// binding to the group `system:serviceaccounts:<namespace>`), or of the
    /// cluster (`system:serviceaccounts`, namespace `*`).
    pub name: String,
    /// In `kube-system`, `kube-public` or `kube-node-lease`: the cluster's
    /// own controllers, which need their rights.
    pub system: bool,
    pub grants: Vec<RoleGrant>,
    /// The workloads whose pods run as this account.
    pub used_by: Vec<String>,
}

/// One binding of a role to the account.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct RoleGrant {
    /// `ClusterRoleBinding/name` or `RoleBinding/namespace/name`.
    pub binding: String,
    /// `ClusterRole/name` or `Role/namespace/name`.
    pub role: String,
    /// Granted in every namespace (a ClusterRoleBinding), not just one.
    pub cluster_wide: bool,
    /// The role is `cluster-admin`.
    pub cluster_admin: bool,
    /// A rule of the role allows every verb (`*`).
    pub wildcard_verbs: bool,
    /// A rule of the role allows every resource (`*`) of an API group.
    pub wildcard_resources: bool,
    /// The group the account got the role through, when not bound directly.
    pub via_group: Option<String>,
    /// The role does not exist (a dangling binding): nothing is granted yet,
    /// but creating the role later grants it.
    pub role_missing: bool,
}
