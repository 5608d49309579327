//! What a TCP connect scan of one configured host found, classified as nmap
//! does: open (handshake completed), closed (refused), filtered (no answer).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct PortScan {
    /// The host as written in the config.
    pub host: String,
    /// The address probed.
    pub address: String,
    /// The ports probed, as written (`1-65535`).
    pub ports: String,
    pub scanned: i64,
    pub open: Vec<i64>,
    /// Refused ports as ranges (`1-21,23-79`).
    pub closed: String,
    pub closed_count: i64,
    /// Ports that did not answer within the timeout, as ranges.
    pub filtered: String,
    pub filtered_count: i64,
    /// Ports the config expects open from where the scan runs (SSH from an
    /// admin network), on top of `policy.allowed_inbound_ports`.
    pub expect_open: Vec<i64>,
    pub timeout_ms: i64,
    pub concurrency: i64,
}
