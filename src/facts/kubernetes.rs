//! A Kubernetes object as a whole: what matters about it beyond its
//! containers (those become `workload` facts). Replicas, autoscalers, service
//! account tokens and Secrets checked into the repository.
//!
//! Values that depend on other objects of the same scan (an autoscaler that
//! targets a Deployment, the ServiceAccount a pod runs as) are resolved by the
//! collector, so rules read one fact and need no joins.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::SecretRef;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct KubernetesObject {
    pub api_version: String,
    pub kind: String,
    pub name: String,
    /// `metadata.namespace` as written; `None` when the manifest leaves it to
    /// whoever applies it (`kubectl -n`, `helm --namespace`).
    pub namespace: Option<String>,
    /// `spec.replicas` of a Deployment, StatefulSet or ReplicaSet; `None`
    /// when not written (the API server then defaults it to 1).
    pub replicas: Option<i64>,
    /// Replicas that will actually run when nothing scales the object: the
    /// declared value, or 1.
    pub effective_replicas: Option<i64>,
    /// `Kind/name` of a HorizontalPodAutoscaler in the scan that targets this
    /// object: it, not `spec.replicas`, decides the replica count.
    pub autoscaled_by: Option<String>,
    /// For a HorizontalPodAutoscaler.
    pub autoscaler: Option<Autoscaler>,
    /// For objects that run pods (and for a ServiceAccount itself).
    pub service_account_token: Option<ServiceAccountToken>,
    /// For a Secret: each key written into the manifest with a value.
    pub secret_data: Vec<SecretEntry>,
    /// For a Secret: `type` (`Opaque`, `kubernetes.io/tls`, ...).
    pub secret_type: Option<String>,
    /// Template labels of the pods this object runs (or the Pod's labels).
    pub pod_labels: std::collections::BTreeMap<String, String>,
}

/// `spec` of a HorizontalPodAutoscaler.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Autoscaler {
    /// `spec.minReplicas`; `None` when not written (defaults to 1).
    pub min_replicas: Option<i64>,
    /// The declared value, or 1.
    pub effective_min_replicas: i64,
    pub max_replicas: Option<i64>,
    /// `scaleTargetRef` as `Kind/name`.
    pub target: Option<String>,
}

/// Whether pods get an API token mounted (`automountServiceAccountToken`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ServiceAccountToken {
    /// The service account the pods run as (`default` when not set).
    pub service_account: String,
    /// Whether the token ends up mounted: the pod spec's setting wins, then
    /// the ServiceAccount's (when it is in the scan), then Kubernetes'
    /// default, which mounts it.
    pub automounted: bool,
    /// Where that was decided: `pod`, `service_account` or `default`.
    pub source: String,
}

/// One key of a Secret's `data` or `stringData`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct SecretEntry {
    pub key: String,
    /// `data` (base64) or `stringData`.
    pub field: String,
    /// A value is written (not empty, not a `${VAR}`/`{{ }}` placeholder).
    /// Whether it is a credential is the secrets scan's verdict, on the
    /// decoded value (a `secret` fact).
    pub literal: bool,
    /// Earlier versions' verdicts on the value, no longer set: kept so that
    /// their reports still load as baselines and previous reports.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub public: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<SecretRef>,
}
