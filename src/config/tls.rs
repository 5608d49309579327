use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A TLS endpoint to probe on the wire.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct TlsTarget {
    /// `host:port`.
    pub target: String,
    /// Server name to send and to check the certificate against; defaults to
    /// the host part of `target`.
    pub sni: Option<String>,
    /// PEM bundle of CAs trusted in addition to the system roots.
    pub ca_bundle: Option<String>,
    /// Per-connection timeout in milliseconds.
    pub timeout_ms: Option<u64>,
}
