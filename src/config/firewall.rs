use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Host firewall rules and port reachability.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct FirewallConfig {
    /// Read and evaluate this host's ruleset (`nft -j list ruleset`, or
    /// `iptables-save` where only legacy iptables exists).
    pub host_rules: bool,
    /// Evaluate a saved ruleset instead (nft JSON or iptables-save text).
    pub ruleset_file: Option<String>,
    /// TCP connect scans; only hosts named here are ever probed.
    pub scan: Vec<PortScanTarget>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct PortScanTarget {
    pub host: String,
    /// `1-65535` (default), `22,80,443`, `1-1024,6379`.
    pub ports: Option<String>,
    /// Per-port connect timeout in milliseconds.
    pub timeout_ms: Option<u64>,
    /// Connections in flight.
    pub concurrency: Option<usize>,
}
