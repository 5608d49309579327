use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Resolver settings shared by every `[[dns]]` entry (`[resolver]`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct DnsConfig {
    /// Name servers to ask, `ip`, `ip:port` or `[ipv6]:port` (UDP, then TCP
    /// for truncated answers); empty = the system resolver.
    pub nameservers: Vec<String>,
    /// Per-query timeout in milliseconds [default: 2000].
    pub timeout_ms: Option<u64>,
    /// Queries in flight at once, over all domains [default: 64].
    pub concurrency: Option<usize>,
}

impl DnsConfig {
    pub const DEFAULT_TIMEOUT_MS: u64 = 2000;
    pub const DEFAULT_CONCURRENCY: usize = 64;

    pub fn timeout(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.timeout_ms.unwrap_or(Self::DEFAULT_TIMEOUT_MS).max(1))
    }

    pub fn concurrency(&self) -> usize {
        self.concurrency.unwrap_or(Self::DEFAULT_CONCURRENCY).clamp(1, 4096)
    }
}

/// A domain and the records it should have. Names may be written relative to
/// the domain (`www`, `@` for the domain itself) or in full; case and a
/// trailing dot do not matter.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct DnsExpectation {
    pub domain: String,
    /// Name servers for this domain only (overrides `[resolver]`).
    pub nameservers: Vec<String>,
    /// Expected A addresses of the domain itself (exactly these).
    pub a: Vec<String>,
    /// Expected AAAA addresses of the domain itself (exactly these).
    pub aaaa: Vec<String>,
    /// Name (`www`, `api`, or a full name) → expected CNAME target. A target
    /// without a dot is relative to the domain.
    pub cname: BTreeMap<String, String>,
    /// TXT values that must be present at the domain.
    pub txt: Vec<String>,
    /// Expected MX hosts of the domain (exactly these; preferences ignored).
    pub mx: Vec<String>,
    /// Other names to inspect without an expected value: their CNAME chains
    /// are followed and a dangling target reported.
    pub subdomains: Vec<String>,
    /// Check SPF and DMARC. Unset: checked when `mx` is set or the domain
    /// publishes MX records.
    pub email: Option<bool>,
    /// Require a CAA record at the domain or a name above it, up to the zone
    /// apex [default: true].
    pub require_caa: bool,
    /// Require DNSSEC: DNSKEY at the zone apex, DS at the parent and signed
    /// answers [default: false].
    pub require_dnssec: bool,
}

impl Default for DnsExpectation {
    fn default() -> Self {
        Self {
            domain: String::new(),
            nameservers: Vec::new(),
            a: Vec::new(),
            aaaa: Vec::new(),
            cname: BTreeMap::new(),
            txt: Vec::new(),
            mx: Vec::new(),
            subdomains: Vec::new(),
            email: None,
            require_caa: true,
            require_dnssec: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    /// The example in docs/dns.md is what users copy: it must parse.
    #[test]
    fn the_documented_example_parses() {
        let doc = include_str!("../../docs/dns.md");
        let start = doc.find("```toml\n# stackaudit.toml").expect("docs/dns.md has the config example");
        let body = &doc[start + 8..];
        let example = &body[..body.find("```").unwrap()];
        let config = Config::parse(example, "docs/dns.md", &crate::collect::source_names()).unwrap();
        assert_eq!(config.dns.len(), 2);
        assert_eq!(config.resolver.concurrency(), 64);
        assert_eq!(config.dns[0].cname.len(), 2);
        assert!(config.dns[1].require_caa, "require_caa defaults to true");
        assert_eq!(config.dns[1].email, Some(false));
    }

    #[test]
    fn resolver_defaults_and_bounds() {
        let resolver = DnsConfig::default();
        assert_eq!(resolver.timeout(), std::time::Duration::from_millis(2000));
        assert_eq!(DnsConfig { concurrency: Some(0), ..DnsConfig::default() }.concurrency(), 1);
        assert!(DnsExpectation::default().require_caa && !DnsExpectation::default().require_dnssec);
    }
}
