use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A URL whose HTTP behaviour (HSTS, redirects, headers) to check.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct HttpTarget {
    pub url: String,
    /// PEM bundle of CAs trusted in addition to the system roots.
    pub ca_bundle: Option<String>,
    /// Request timeout in milliseconds.
    pub timeout_ms: Option<u64>,
}
