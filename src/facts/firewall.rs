//! A host's firewall ruleset as the kernel would apply it to a new inbound
//! TCP connection. Written by the firewall collector from `nft -j list
//! ruleset`, `iptables-save` or a saved copy of either.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Firewall {
    /// `nftables` or `iptables`.
    pub backend: String,
    /// Where the ruleset was read: `nft -j list ruleset`, `iptables-save` or a file.
    pub source: String,
    /// Whether anything filters the input path: a chain on the input hook
    /// (nftables) or an INPUT chain with rules or a non-ACCEPT policy.
    pub input_filtering: bool,
    /// The base chains on the input hook, in the order the kernel runs them.
    pub input_chains: Vec<BaseChain>,
    /// What happens to a new connection from an arbitrary address to a port
    /// no rule singles out (the fate most ports share).
    pub default_inbound: PortDecision,
    /// Ports whose fate differs from `default_inbound`, plus the policy's
    /// ports (allowed, internal, SSH), which are always listed.
    pub ports: Vec<PortDecision>,
    /// Ports published by DNAT (Docker's `-p`): these pass through the nat
    /// and forward chains and never reach the input chain.
    pub published: Vec<PublishedPort>,
    /// Matches the evaluator cannot decide for "any new TCP connection"
    /// (marks, rate limits, output interfaces...) and assumed to match.
    pub assumptions: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct BaseChain {
    /// `inet filter`, `ip filter`...
    pub table: String,
    pub chain: String,
    pub priority: i64,
    /// `accept` or `drop`.
    pub policy: String,
    pub rules: i64,
}

/// The input path's decision for a port (or a range sharing one decision).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct PortDecision {
    pub port: i64,
    /// Last port of the range (equal to `port` for a single port).
    pub port_end: i64,
    /// `open` (accepted from any address), `restricted` (accepted only from
    /// `sources`) or `closed`.
    pub status: String,
    /// The verdict for a connection from an arbitrary address: `accept`,
    /// `drop` (nmap: filtered) or `reject` (nmap: closed).
    pub verdict: String,
    /// IP families accepting the port from anywhere (`ipv4`, `ipv6`).
    pub open_families: Vec<String>,
    /// Source networks (or named sets) accepted when the port is restricted.
    pub sources: Vec<String>,
    /// `sources` not inside `policy.ssh_allowed_sources`.
    pub unauthorised_sources: Vec<String>,
    /// The rule that decides for a connection from anywhere; absent when a
    /// chain policy decides.
    pub decided_by: Option<RuleRef>,
    /// Chains traversed, ending with the decision (`inet filter input`,
    /// `jump svc`, `policy drop`).
    pub path: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct RuleRef {
    pub table: String,
    pub chain: String,
    /// nftables rule handle.
    pub handle: Option<i64>,
    /// Line in an iptables-save file.
    pub line: Option<i64>,
    /// The rule, in nft or iptables-save syntax.
    pub text: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct PublishedPort {
    /// The host port connections arrive on.
    pub port: i64,
    /// Where it is translated to (`172.17.0.2:6379`).
    pub destination: String,
    pub rule: RuleRef,
    /// The forward path's verdict for the translated connection.
    pub forward_verdict: String,
}
