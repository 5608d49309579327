//! A ruleset reduced to what decides the fate of a new inbound TCP
//! connection, whichever tool it was read from (nft JSON, iptables-save).

use std::collections::BTreeMap;

use ipnet::IpNet;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Family {
    V4,
    V6,
}

impl Family {
    pub fn as_str(self) -> &'static str {
        match self {
            Family::V4 => "ipv4",
            Family::V6 => "ipv6",
        }
    }
}

/// A table: nftables `inet filter`, or an iptables table (`ip filter`).
#[derive(Debug, Clone, Default)]
pub struct Table {
    /// `ip`, `ip6`, `inet`, `arp`, `bridge`, `netdev`.
    pub family: String,
    pub name: String,
    pub chains: BTreeMap<String, Chain>,
    pub sets: BTreeMap<String, Vec<SetElem>>,
}

impl Table {
    pub fn label(&self) -> String {
        format!("{} {}", self.family, self.name)
    }

    /// Whether the table sees packets of `family`.
    pub fn sees(&self, family: Family) -> bool {
        matches!((self.family.as_str(), family), ("inet", _) | ("ip", Family::V4) | ("ip6", Family::V6))
    }
}

#[derive(Debug, Clone, Default)]
pub struct Chain {
    pub name: String,
    pub base: Option<BaseHook>,
    pub rules: Vec<Rule>,
}

#[derive(Debug, Clone)]
pub struct BaseHook {
    /// `input`, `forward`, `prerouting`...
    pub hook: String,
    /// `filter`, `nat`, `route`: only filter chains decide.
    pub kind: String,
    pub priority: i64,
    pub accept_policy: bool,
}

#[derive(Debug, Clone, Default)]
pub struct Rule {
    pub matches: Vec<Match>,
    pub verdict: Verdict,
    pub handle: Option<i64>,
    pub line: Option<u32>,
    pub text: String,
    /// DNAT target (`172.17.0.2:6379`) and translated port, for published ports.
    pub dnat: Option<(String, Option<u16>)>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub enum Verdict {
    /// No verdict: the next rule runs (counters, logging, nat without verdict).
    #[default]
    Continue,
    Accept,
    Drop,
    Reject,
    Jump(String),
    Goto(String),
    Return,
}

#[derive(Debug, Clone)]
pub struct Match {
    pub negated: bool,
    pub test: Test,
}

#[derive(Debug, Clone)]
pub enum Test {
    /// TCP destination port in one of these inclusive ranges.
    DPort(Vec<(u16, u16)>),
    /// Source address in a set; `family` limits it (`ip saddr` is IPv4 only).
    SAddr { family: Option<Family>, set: AddrSet },
    /// Layer-4 protocol is one of these (`tcp`, `udp`, `6`).
    Proto(Vec<String>),
    /// Destination address (the host's own or a container's): assumed to
    /// match; kept to tell loopback-only published ports apart.
    DAddr(Vec<IpNet>),
    /// Packet family (`meta nfproto ipv4`, `ip daddr ...` implies IPv4).
    Family(Family),
    /// Input interface name is one of these.
    Iif(Vec<String>),
    /// Conntrack state is one of these.
    CtState(Vec<String>),
    /// Something the evaluator cannot decide for an arbitrary new TCP
    /// connection; assumed to match and reported.
    Unknown(String),
}

#[derive(Debug, Clone)]
pub enum AddrSet {
    Nets(Vec<IpNet>),
    /// A named set whose contents are known (nft) or not (ipset): the name
    /// and its networks.
    Named(String, Option<Vec<IpNet>>),
}

impl AddrSet {
    /// Whether the set holds every address of `family` (`0.0.0.0/0`).
    pub fn is_universal(&self, family: Family) -> bool {
        let nets = match self {
            AddrSet::Nets(n) => n,
            AddrSet::Named(_, Some(n)) => n,
            AddrSet::Named(_, None) => return false,
        };
        nets.iter().any(|n| {
            n.prefix_len() == 0 && matches!((n, family), (IpNet::V4(_), Family::V4) | (IpNet::V6(_), Family::V6))
        })
    }

    pub fn describe(&self) -> Vec<String> {
        match self {
            AddrSet::Nets(n) => n.iter().map(net_text).collect(),
            AddrSet::Named(name, _) => vec![format!("@{name}")],
        }
    }
}

/// `10.0.0.0/8`, or a bare address for a single host.
pub fn net_text(net: &IpNet) -> String {
    if net.prefix_len() == net.max_prefix_len() {
        net.addr().to_string()
    } else {
        net.to_string()
    }
}

#[derive(Debug, Clone)]
pub enum SetElem {
    Net(IpNet),
    Ports(u16, u16),
    /// Interface names, marks...: not needed to decide a TCP port.
    Other,
}

/// A whole ruleset.
#[derive(Debug, Clone, Default)]
pub struct Ruleset {
    /// `nftables` or `iptables`.
    pub backend: String,
    pub tables: Vec<Table>,
    /// Families the ruleset speaks for: iptables-save covers IPv4 only.
    pub families: Vec<Family>,
}
