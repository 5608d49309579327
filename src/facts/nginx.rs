//! One nginx `server` block with the settings that really apply to it, after
//! nginx's inheritance from `http` and into each `location`.
//!
//! Judgements that need nginx's semantics (which cipher suites a cipher
//! string admits, whether a location's own `add_header` drops the inherited
//! HSTS header, whether a port-80 server redirects) are computed by the
//! collector; rules compare the results with the policy.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct NginxServer {
    /// File and line of the `server {` block.
    pub file: String,
    pub line: u32,
    pub server_names: Vec<String>,
    pub listen: Vec<Listen>,
    /// Some `listen` has `ssl` (or `quic`), or the old `ssl on;`.
    pub ssl: bool,
    /// Ports served over plain HTTP.
    pub plain_http_ports: Vec<u16>,
    pub tls: TlsSettings,
    /// Every distinct `Strict-Transport-Security` header that applies
    /// somewhere in the server.
    pub hsts_headers: Vec<HstsHeader>,
    /// Where requests get no HSTS header: `server` (requests no location
    /// matches) or `location <path>`.
    pub hsts_missing_in: Vec<String>,
    /// Locations whose own `add_header` silently drops an HSTS header set at
    /// an outer level.
    pub hsts_dropped_in: Vec<String>,
    pub plain_http: PlainHttp,
    /// Effective `server_tokens` (`on`, `off`, `build` or a string); `on`
    /// when never set, as in nginx.
    pub server_tokens: String,
    /// Locations that turn `server_tokens` back on.
    pub server_tokens_on_in: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Listen {
    /// `address:port`, `port`, `unix:...` as written.
    pub raw: String,
    pub port: Option<u16>,
    pub ssl: bool,
    pub http2: bool,
    pub quic: bool,
    pub default_server: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct TlsSettings {
    /// Effective `ssl_protocols`.
    pub protocols: Vec<String>,
    /// Where they come from: `server`, `http` or `default` (nginx 1.23.4+:
    /// TLSv1.2 TLSv1.3).
    pub protocols_source: String,
    /// SSLv2, SSLv3, TLSv1, TLSv1.1 among them.
    pub legacy_protocols: Vec<String>,
    /// Effective `ssl_ciphers` (default `HIGH:!aNULL:!MD5`).
    pub ciphers: String,
    pub ciphers_source: String,
    /// Weak classes the cipher string admits (`NULL`, `aNULL`, `EXPORT`,
    /// `RC4`, `DES`, `3DES`, `MD5`), each with example suites. Empty when
    /// only TLS 1.3 is enabled (its suites are not set by `ssl_ciphers`).
    pub weak_ciphers: Vec<WeakCipherClass>,
    /// Number of TLS 1.2-and-earlier suites the string admits.
    pub admitted_suites: usize,
    /// The string could not be evaluated (nginx would fail to start).
    pub cipher_error: Option<String>,
    pub prefer_server_ciphers: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct WeakCipherClass {
    pub class: String,
    /// OpenSSL names of the admitted suites in this class.
    pub suites: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct HstsHeader {
    /// The first place it applies: `server` or `location <path>`.
    pub scope: String,
    /// Every place it applies.
    pub applies_to: Vec<String>,
    /// The header value as written (quotes removed).
    pub value: String,
    /// `None` when missing or built from variables.
    pub max_age: Option<i64>,
    pub include_subdomains: bool,
    pub preload: bool,
    /// `add_header ... always`: also sent on error responses.
    pub always: bool,
    /// The value uses nginx variables, so it cannot be judged statically.
    pub dynamic: bool,
}

/// What a plain-HTTP listener does with requests.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct PlainHttp {
    /// Listens on port 80 without TLS.
    pub port_80: bool,
    /// `https_redirect` (every request is sent to https://), `refuses`
    /// (only error codes such as 444 or 403), `serves_content`, or `none`
    /// when the server has no plain listener.
    pub behaviour: String,
    /// Locations that serve content instead of redirecting.
    pub serving_locations: Vec<String>,
    /// Locations answered over plain HTTP by design, which do not count as
    /// serving content: the ACME HTTP-01 challenge, health checks and
    /// status endpoints.
    pub answered_locally: Vec<String>,
}
