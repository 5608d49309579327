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
    /// A name or address; a CIDR range (at most 256 addresses) scans each.
    pub host: String,
    /// `1-65535` (default), `22,80,443`, `1-1024,6379`.
    pub ports: Option<String>,
    /// Per-port connect timeout in milliseconds [default: 1000].
    pub timeout_ms: Option<u64>,
    /// Connections in flight [default: 1000, lowered to fit the open-file limit].
    pub concurrency: Option<usize>,
    /// Ports expected open from where the scan runs (SSH from an admin
    /// network), on top of `policy.allowed_inbound_ports`.
    pub expect_open: Vec<u16>,
}

impl PortScanTarget {
    pub const DEFAULT_TIMEOUT_MS: u64 = 1000;
    pub const DEFAULT_CONCURRENCY: usize = 1000;

    pub fn timeout(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.timeout_ms.unwrap_or(Self::DEFAULT_TIMEOUT_MS).max(1))
    }

    pub fn ports_spec(&self) -> &str {
        self.ports.as_deref().unwrap_or("1-65535")
    }
}
