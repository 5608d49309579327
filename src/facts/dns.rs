//! A domain's records as resolved, side by side with what the config expects.
//!
//! Every query the collector made is kept in `lookups` with the response it
//! got, so a report shows exactly what the name servers said. The other
//! fields digest those answers for rules: expectations compared, CNAME chains
//! followed, the CAA search, SPF and DMARC parsed, DNSSEC presence. A check
//! whose lookups failed says so (`determined = false`, verdict `unknown`):
//! rules never judge what could not be observed, and the collector reports
//! the failure as a scan error instead.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct DnsDomain {
    /// The domain, lowercase, without the trailing dot.
    pub domain: String,
    /// The name servers asked (`ip:port`); `system` resolvers are listed as
    /// read from the system configuration.
    pub nameservers: Vec<String>,
    /// The apex of the zone the domain belongs to (owner of its SOA), when
    /// the servers said.
    pub zone: Option<String>,
    /// Every query made for this domain, in the order they were issued.
    pub lookups: Vec<DnsLookup>,
    /// Each expected record compared with what was found.
    pub records: Vec<RecordCheck>,
    /// CNAME chains met at the checked names, and where they end.
    pub cnames: Vec<CnameChain>,
    pub caa: CaaCheck,
    pub email: EmailCheck,
    pub dnssec: DnssecCheck,
}

/// One query and its response.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct DnsLookup {
    pub name: String,
    /// `A`, `AAAA`, `CNAME`, `TXT`, `MX`, `CAA`, `SOA`, `DNSKEY`, `DS`.
    pub record_type: String,
    pub status: DnsStatus,
    /// The answer section, one record per line: `owner TYPE data`.
    pub answers: Vec<String>,
    /// RRSIG records came with the answer (asked with the DO bit).
    pub signed: bool,
    /// The resolver set the AD flag: it validated the answer with DNSSEC.
    pub authenticated: bool,
    /// Why the lookup failed, for failed lookups.
    pub error: Option<String>,
}

/// What a query came back with. `noerror`, `nodata` and `nxdomain` are
/// answers; the others mean the question went unanswered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
pub enum DnsStatus {
    /// Not asked (the check did not apply, or an earlier lookup failed).
    #[default]
    #[serde(rename = "not_queried")]
    NotQueried,
    /// NOERROR with records in the answer section.
    #[serde(rename = "noerror")]
    NoError,
    /// NOERROR without records of the type asked: the name exists (NODATA).
    #[serde(rename = "nodata")]
    NoData,
    /// The name does not exist.
    #[serde(rename = "nxdomain")]
    NxDomain,
    /// The server failed to answer (SERVFAIL).
    #[serde(rename = "servfail")]
    ServFail,
    /// The server refused the query (REFUSED): not its zone, or a policy.
    #[serde(rename = "refused")]
    Refused,
    /// No response within the timeout.
    #[serde(rename = "timeout")]
    Timeout,
    /// The server could not be reached (connection refused, no route).
    #[serde(rename = "unreachable")]
    Unreachable,
    /// Any other failure: another response code, a malformed response.
    #[serde(rename = "failed")]
    Failed,
}

impl DnsStatus {
    /// The server answered the question (positively or negatively).
    pub fn is_answer(self) -> bool {
        matches!(self, DnsStatus::NoError | DnsStatus::NoData | DnsStatus::NxDomain)
    }

    /// The question was asked and not answered.
    pub fn is_failure(self) -> bool {
        !self.is_answer() && self != DnsStatus::NotQueried
    }

    pub fn as_str(self) -> &'static str {
        match self {
            DnsStatus::NotQueried => "not queried",
            DnsStatus::NoError => "NOERROR",
            DnsStatus::NoData => "NODATA",
            DnsStatus::NxDomain => "NXDOMAIN",
            DnsStatus::ServFail => "SERVFAIL",
            DnsStatus::Refused => "REFUSED",
            DnsStatus::Timeout => "timeout",
            DnsStatus::Unreachable => "unreachable",
            DnsStatus::Failed => "failed",
        }
    }
}

/// One expected record (or TXT value) and what was found in its place.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct RecordCheck {
    /// What findings name: `A your-domain.com`, `CNAME www.your-domain.com`,
    /// `TXT your-domain.com google-site-verification=...`.
    pub key: String,
    pub name: String,
    pub record_type: String,
    /// The configured values, normalised (names lowercase without the
    /// trailing dot, addresses in canonical form).
    pub expected: Vec<String>,
    /// What the name has: records of the type asked; for a CNAME
    /// expectation, the CNAME target or, without one, `A <address>` records.
    pub found: Vec<String>,
    /// The response at the name.
    pub status: DnsStatus,
    pub verdict: Verdict,
}

/// How a configured record compares with the live one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// As configured. Addresses and MX hosts must match as sets; TXT values
    /// must be present among the name's TXT records.
    Ok,
    /// No such records at the name (NXDOMAIN or NODATA), or the TXT value is
    /// absent.
    Missing,
    /// Records exist but differ from the configured ones.
    Mismatch,
    /// The lookup failed; nothing can be said.
    #[default]
    Unknown,
}

/// A name that is an alias, followed to its end.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct CnameChain {
    /// Where the chain starts.
    pub name: String,
    /// Each CNAME target in turn.
    pub chain: Vec<String>,
    /// The last target.
    pub target: String,
    /// The address lookup at the last target: `nxdomain` means the alias
    /// points at nothing (dangling).
    pub target_status: DnsStatus,
    /// A and AAAA addresses of the last target.
    pub target_addresses: Vec<String>,
    /// The chain loops or is longer than the resolver follows (8).
    pub loop_detected: bool,
}

/// The CAA search, climbing from the domain to the zone apex (RFC 8659).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct CaaCheck {
    /// The config requires a CAA record (`require_caa`).
    pub required: bool,
    /// Every label searched answered, so presence or absence is known.
    pub determined: bool,
    /// The names searched, from the domain up.
    pub searched: Vec<String>,
    /// The closest name with a CAA RRset.
    pub found_at: Option<String>,
    /// Its records: `0 issue "letsencrypt.org"`.
    pub records: Vec<String>,
    /// CAs allowed to issue (`issue` values).
    pub issuers: Vec<String>,
}

/// SPF and DMARC, when the domain handles email.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct EmailCheck {
    /// Email checks apply: the config says so (`email = true`), or it
    /// expects MX hosts, or the domain publishes MX records.
    pub applies: bool,
    /// Why they apply or not.
    pub reason: String,
    /// MX hosts found, `preference host`.
    pub mx: Vec<String>,
    pub spf: SpfCheck,
    pub dmarc: DmarcCheck,
}

/// The domain's SPF policy (RFC 7208).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct SpfCheck {
    /// The TXT lookup answered, so presence or absence is known.
    pub determined: bool,
    /// Every `v=spf1` TXT record at the domain (more than one is an error).
    pub records: Vec<String>,
    /// The terms of the first record.
    pub terms: Vec<SpfTerm>,
    /// Qualifier of the `all` mechanism (`+`, `-`, `~`, `?`), taken from
    /// the `redirect=` target when the record has none; absent when neither
    /// has one (the result then defaults to neutral).
    pub all: Option<String>,
    pub redirect: Option<String>,
    /// DNS-lookup terms (include, a, mx, ptr, exists, redirect) counted
    /// through includes and redirects, as a receiver evaluates them.
    pub lookup_count: i64,
    /// Every include and redirect target could be fetched, so
    /// `lookup_count` is exact rather than a lower bound.
    pub lookup_count_complete: bool,
    /// The records reached through include and redirect, depth first.
    pub includes: Vec<SpfInclude>,
    /// Syntax problems and includes that cannot be evaluated.
    pub problems: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct SpfTerm {
    /// `+`, `-`, `~` or `?` for mechanisms; empty for modifiers.
    pub qualifier: String,
    /// `all`, `include`, `a`, `mx`, `ptr`, `ip4`, `ip6`, `exists`, or a
    /// modifier name (`redirect`, `exp`).
    pub mechanism: String,
    pub value: Option<String>,
}

/// A record reached through `include:` or `redirect=`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct SpfInclude {
    pub domain: String,
    /// `include` or `redirect`.
    pub via: String,
    /// 1 for terms of the domain's own record.
    pub depth: i64,
    pub status: DnsStatus,
    pub record: Option<String>,
    /// DNS-lookup terms in this record alone.
    pub lookups: i64,
}

/// The domain's DMARC policy (RFC 7489).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct DmarcCheck {
    /// The lookups answered, so presence or absence is known.
    pub determined: bool,
    /// Where the policy was found: `_dmarc.<domain>`, or for a subdomain
    /// without its own, `_dmarc.<zone apex>`.
    pub found_at: Option<String>,
    /// Every `v=DMARC1` record at `found_at` (more than one is ignored by
    /// receivers).
    pub records: Vec<String>,
    /// The policy comes from the zone apex (`sp`, else `p`).
    pub inherited: bool,
    /// Exactly one record with a usable policy.
    pub valid: bool,
    /// The policy that applies to the domain: `none`, `quarantine`, `reject`.
    pub policy: Option<String>,
    /// `sp`: the policy for subdomains.
    pub subdomain_policy: Option<String>,
    pub pct: Option<i64>,
    pub rua: Vec<String>,
    pub ruf: Vec<String>,
    /// Every tag as written.
    pub tags: BTreeMap<String, String>,
    pub problems: Vec<String>,
}

/// DNSSEC presence at the zone apex. Presence, not validation: a validating
/// resolver's verdict is `authenticated`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct DnssecCheck {
    /// The config requires DNSSEC (`require_dnssec`).
    pub required: bool,
    pub determined: bool,
    /// A DNSKEY RRset at the zone apex.
    pub dnskey: bool,
    /// A DS RRset for the zone apex (the parent's link in the chain of trust).
    pub ds: bool,
    /// Answers asked with the DO bit came with RRSIG records.
    pub signed: bool,
    /// The resolver validated the answers (AD flag).
    pub authenticated: bool,
    /// What is absent of `DNSKEY`, `RRSIG` and `DS`.
    pub missing: Vec<String>,
}
