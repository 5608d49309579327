//! A `[[dns]]` entry turned into what to ask and what to expect: names made
//! full, addresses parsed, servers chosen, config lines attached.

use std::collections::BTreeMap;
use std::net::IpAddr;

use hickory_resolver::proto::rr::Name;

use super::config_lines::EntryLines;
use super::names::{self, display};
use super::query::{parse_server, Servers};
use crate::config::{Config, DnsExpectation};
use crate::facts::Location;

pub struct Plan {
    pub domain: Name,
    pub servers: Servers,
    pub a: Vec<IpAddr>,
    pub aaaa: Vec<IpAddr>,
    /// Owner → expected target.
    pub cnames: Vec<(Name, Name)>,
    pub txt: Vec<String>,
    pub mx: Vec<Name>,
    pub subdomains: Vec<Name>,
    pub email: Option<bool>,
    pub require_caa: bool,
    pub require_dnssec: bool,
    pub declared_in: Option<Location>,
    /// Config lines keyed as the fact's `locations`.
    pub locations: BTreeMap<String, Location>,
}

impl Plan {
    /// Every name whose CNAME chain is worth following.
    pub fn alias_candidates(&self) -> Vec<Name> {
        let mut names: Vec<Name> = Vec::new();
        for name in self.cnames.iter().map(|(owner, _)| owner).chain(&self.subdomains) {
            if !names.contains(name) && *name != self.domain {
                names.push(name.clone());
            }
        }
        names
    }
}

/// Builds the plan of entry `index`; the problems found are config errors.
pub fn build(
    config: &Config,
    index: usize,
    entry: &DnsExpectation,
    lines: Option<&EntryLines>,
) -> Result<Plan, Vec<String>> {
    let mut problems = Vec::new();
    let domain = match names::parse_full(&entry.domain) {
        Ok(d) => d,
        Err(e) => return Err(vec![format!("domain: {e}")]),
    };
    let server_texts = if entry.nameservers.is_empty() { &config.resolver.nameservers } else { &entry.nameservers };
    let mut addrs = Vec::new();
    for text in server_texts {
        match parse_server(text) {
            Ok(addr) => addrs.push(addr),
            Err(e) => problems.push(e),
        }
    }
    let servers = if addrs.is_empty() { Servers::System } else { Servers::Explicit(addrs) };

    let mut addresses = |field: &str, values: &[String], v6: bool| -> Vec<IpAddr> {
        let mut out = Vec::new();
        for value in values {
            match value.trim().parse::<IpAddr>() {
                Ok(ip) if ip.is_ipv6() == v6 => out.push(ip),
                Ok(ip) => problems.push(format!("{field}: {ip} is not an IPv{} address", if v6 { 6 } else { 4 })),
                Err(_) => problems.push(format!("{field}: {value:?} is not an IP address")),
            }
        }
        out
    };
    let a = addresses("a", &entry.a, false);
    let aaaa = addresses("aaaa", &entry.aaaa, true);

    let mut cnames = Vec::new();
    for (owner, target) in &entry.cname {
        match (names::owner(&domain, owner), names::target(&domain, target)) {
            (Ok(o), Ok(t)) => cnames.push((o, t)),
            (Err(e), _) | (_, Err(e)) => problems.push(format!("cname.{owner}: {e}")),
        }
    }
    let mut mx = Vec::new();
    for host in &entry.mx {
        match names::target(&domain, host) {
            Ok(h) => mx.push(h),
            Err(e) => problems.push(format!("mx: {e}")),
        }
    }
    let mut subdomains = Vec::new();
    for name in &entry.subdomains {
        match names::owner(&domain, name) {
            Ok(n) => subdomains.push(n),
            Err(e) => problems.push(format!("subdomains: {e}")),
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }

    let mut plan = Plan {
        domain,
        servers,
        a,
        aaaa,
        cnames,
        txt: entry.txt.clone(),
        mx,
        subdomains,
        email: entry.email,
        require_caa: entry.require_caa,
        require_dnssec: entry.require_dnssec,
        // `--domain` entries come after the file's and have no line.
        declared_in: config.target_lines.dns.get(index).and_then(|line| config.declared_at(Some(*line))),
        locations: BTreeMap::new(),
    };
    if let Some(lines) = lines {
        plan.locations = locations(&plan, entry, lines);
    }
    Ok(plan)
}

/// Locations keyed as rules look them up: `records.<check key>`,
/// `cnames.<name>`, and the entry's switches.
fn locations(plan: &Plan, entry: &DnsExpectation, lines: &EntryLines) -> BTreeMap<String, Location> {
    let mut out = BTreeMap::new();
    let domain = display(&plan.domain);
    let mut put = |key: String, location: Option<Location>| {
        if let Some(location) = location {
            out.insert(key, location);
        }
    };
    put(format!("records.A {domain}"), lines.key("a"));
    put(format!("records.AAAA {domain}"), lines.key("aaaa"));
    put(format!("records.MX {domain}"), lines.key("mx"));
    for value in &entry.txt {
        put(format!("records.TXT {domain} {value}"), lines.value("txt", value));
    }
    for ((label, _), (owner, _)) in entry.cname.iter().zip(&plan.cnames) {
        let location = lines.table_key("cname", label);
        put(format!("records.CNAME {}", display(owner)), location.clone());
        put(format!("cnames.{}", display(owner)), location);
    }
    for (text, name) in entry.subdomains.iter().zip(&plan.subdomains) {
        if let Some(location) = lines.value("subdomains", text) {
            out.entry(format!("cnames.{}", display(name))).or_insert(location);
        }
    }
    for (field, key) in [("email", "email"), ("caa", "require_caa"), ("dnssec", "require_dnssec")] {
        if let Some(location) = lines.key(key) {
            out.insert(field.to_string(), location);
        }
    }
    out
}
