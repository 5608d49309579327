//! What a TLS endpoint accepted on the wire: the protocol versions it
//! negotiated, the cipher suites it picked for each, and the certificate
//! chain it sent. Collected with hand-built ClientHellos, so SSLv3 to TLS 1.3
//! are all observed the same way.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct TlsEndpoint {
    /// `host:port` as given.
    pub target: String,
    /// The address connected to.
    pub address: String,
    /// Server name sent in SNI and checked against the certificate.
    pub sni: String,
    /// One entry per version probed (`SSLv3`, `TLSv1`, `TLSv1.1`, `TLSv1.2`,
    /// `TLSv1.3`), accepted or not.
    pub protocols: Vec<ProtocolResult>,
    /// Names of the accepted versions (same spelling as nginx's
    /// `ssl_protocols`).
    pub accepted_protocols: Vec<String>,
    /// Accepted SSLv3, TLSv1, TLSv1.1.
    pub legacy_protocols: Vec<String>,
    /// Weak classes among the accepted suites (`NULL`, `aNULL`, `EXPORT`,
    /// `RC4`, `DES`, `3DES`, `MD5`), with the suites in each.
    pub weak_ciphers: Vec<WeakSuiteClass>,
    /// Some accepted suite has forward secrecy (ECDHE/DHE or TLS 1.3).
    pub forward_secrecy: bool,
    /// Accepted suites without forward secrecy (static RSA, DH, ECDH).
    pub non_forward_secret_suites: Vec<String>,
    /// Every accepted suite on TLS 1.2 and earlier is CBC (no AEAD).
    pub cbc_only: bool,
    /// The certificate chain as the server sent it, leaf first.
    pub certificates: Vec<Certificate>,
    /// Judgement of the leaf and chain; absent when no certificate was seen.
    pub certificate: Option<CertificateStatus>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ProtocolResult {
    /// `SSLv3`, `TLSv1`, `TLSv1.1`, `TLSv1.2`, `TLSv1.3`.
    pub version: String,
    pub accepted: bool,
    /// What the server answered: `server_hello`, `other_version TLSv1.2`,
    /// `alert protocol_version`, `closed`, `timeout`, `reset`.
    pub answer: String,
    /// Suites the server accepted with this version, in the order found,
    /// with IANA names.
    pub suites: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct WeakSuiteClass {
    pub class: String,
    pub suites: Vec<String>,
}

/// One certificate of the chain.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Certificate {
    pub subject: String,
    pub issuer: String,
    /// DNS names and IP addresses of the subjectAltName extension.
    pub san: Vec<String>,
    pub serial: String,
    /// RFC 3339.
    pub not_before: String,
    pub not_after: String,
    /// `RSA`, `EC`, `Ed25519`, `DSA`, ...
    pub key_type: String,
    pub key_bits: u32,
    /// `sha256WithRSAEncryption`, `ecdsa-with-SHA256`, `sha1WithRSAEncryption`, ...
    pub signature_algorithm: String,
    pub self_signed: bool,
    /// SHA-256 of the DER, hex.
    pub sha256: String,
}

/// What the collector concluded about the chain (rules compare these with
/// the policy).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct CertificateStatus {
    pub expired: bool,
    /// Whole days until the leaf expires (negative once expired).
    pub expires_in_days: i64,
    /// Days between notBefore and notAfter of the leaf.
    pub lifetime_days: i64,
    /// The leaf's SANs (or CN when there are none) cover `sni`.
    pub hostname_matches: bool,
    /// Chains to the system roots or the configured CA bundle.
    pub trusted: bool,
    /// Why not: `self-signed`, `unknown issuer`, `unsupported signature
    /// algorithm`, ...
    pub untrusted_reason: Option<String>,
    /// Certificates of the chain (by subject) with weak keys: RSA < 2048,
    /// EC < 256 bits.
    pub weak_keys: Vec<String>,
    /// Certificates of the chain (by subject) signed with SHA-1 or MD5.
    pub weak_signatures: Vec<String>,
}
