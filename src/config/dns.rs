use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Resolver settings shared by every `[[dns]]` entry.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct DnsConfig {
    /// `ip:port` of name servers to ask; empty = the system resolver.
    pub nameservers: Vec<String>,
    /// Per-query timeout in milliseconds.
    pub timeout_ms: Option<u64>,
}

/// A domain and the records it should have.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct DnsExpectation {
    pub domain: String,
    /// Name servers for this domain only (overrides `[resolver]`).
    pub nameservers: Vec<String>,
    /// Expected A addresses of the domain itself.
    pub a: Vec<String>,
    pub aaaa: Vec<String>,
    /// Subdomain label (or full name) → expected CNAME target.
    pub cname: BTreeMap<String, String>,
    /// TXT values that must be present.
    pub txt: Vec<String>,
    /// Expected MX hosts.
    pub mx: Vec<String>,
    /// Check SPF and DMARC (on by default when `mx` is set).
    pub email: Option<bool>,
    /// Require a CAA record at or above the domain.
    pub require_caa: bool,
    /// Require DNSSEC (DNSKEY and signed answers).
    pub require_dnssec: bool,
}
