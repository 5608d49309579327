use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Live Kubernetes clusters, through the API server (read-only: get and
/// list only).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct KubernetesConfig {
    /// Audit live clusters (`--kubernetes`).
    pub enabled: bool,
    /// Kubeconfig file(s); empty = `KUBECONFIG` (colon-separated), else
    /// `~/.kube/config`. Relative to this config file.
    pub kubeconfig: Option<String>,
    /// Contexts to audit, concurrently (`--context`); empty = the current
    /// context, or the pod's service account when running in a cluster.
    pub contexts: Vec<String>,
    /// Use the pod's service-account credentials even if a kubeconfig exists.
    pub in_cluster: bool,
    /// Where a pod's service-account token, CA and namespace are mounted.
    pub service_account_dir: String,
    /// Only these namespaces; empty = every namespace the account may list.
    pub namespaces: Vec<String>,
    pub exclude_namespaces: Vec<String>,
    /// Also audit the pods of `kube-system`, `kube-public` and
    /// `kube-node-lease`: the cluster's own components, which need host
    /// access by design and which the provider manages.
    pub include_system_namespaces: bool,
    /// Time limit for the whole audit of one cluster, in seconds.
    pub timeout_secs: u64,
    /// Objects per list page (`limit`): memory is bounded by one page.
    pub page_size: u32,
    /// List requests in flight per cluster.
    pub concurrency: usize,
    /// Largest API response read, in bytes.
    pub max_response_bytes: u64,
}

impl Default for KubernetesConfig {
    fn default() -> Self {
        Self {
            enabled: false,
            kubeconfig: None,
            contexts: Vec::new(),
            in_cluster: false,
            service_account_dir: "/var/run/secrets/kubernetes.io/serviceaccount".into(),
            namespaces: Vec::new(),
            exclude_namespaces: Vec::new(),
            include_system_namespaces: false,
            timeout_secs: 60,
            page_size: 500,
            concurrency: 8,
            max_response_bytes: 64 * 1024 * 1024,
        }
    }
}
