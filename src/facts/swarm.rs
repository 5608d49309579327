//! A Docker Swarm as its manager reports it: cluster-wide settings of CIS
//! Docker Benchmark v1.6.0 sections 5.1 and 7. One fact per audited manager.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Swarm {
    /// The Docker host URI of the manager audited.
    pub host: String,
    pub cluster_id: Option<String>,
    pub node_id: Option<String>,
    pub managers: i64,
    pub workers: i64,
    /// Services deployed on the swarm.
    pub services: i64,
    /// Swarm secrets defined (names only are ever read).
    pub secrets: i64,
    /// `[docker] swarm_intended` from the config, when set.
    pub intended: Option<bool>,
    /// Managers need the unlock key after a restart (`--autolock`).
    pub autolock: bool,
    /// `CAConfig.NodeCertExpiry`, in hours.
    pub node_cert_expiry_hours: Option<i64>,
    /// Days since the swarm's root CA certificate was issued.
    pub ca_age_days: Option<i64>,
    pub overlay_networks: Vec<OverlayNetwork>,
    /// Addresses the manager's control port (2377) listens on, read from the
    /// host's socket table when stackaudit runs on the manager itself; empty
    /// when that could not be read (`listen_known = false`).
    pub management_listen: Vec<String>,
    pub listen_known: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct OverlayNetwork {
    pub name: String,
    /// `--opt encrypted`: IPsec between nodes.
    pub encrypted: bool,
    /// The routing mesh's `ingress` network.
    pub ingress: bool,
}
