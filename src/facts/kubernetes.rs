//! A Kubernetes object other than its containers (replicas, autoscalers, service accounts, Secrets). Filled in by the Kubernetes collector.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct KubernetesObject {}
