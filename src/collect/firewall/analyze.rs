//! Ruleset → [`Firewall`] fact: the input path's decision for every port,
//! grouped into ranges that share a decision, and the ports published by
//! DNAT with what the forward path does to them.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

use ipnet::IpNet;

use super::eval::{rule_ref, source_texts, End, Evaluator, Outcome};
use super::model::{Family, Ruleset, SetElem, Test};
use crate::config::Policy;
use crate::facts::firewall::{BaseChain, Firewall, PortDecision, PublishedPort};

pub const SSH_PORT: u16 = 22;

/// The ruleset's verdicts, or why it cannot be judged (too costly to walk).
pub fn analyze(ruleset: &Ruleset, source: &str, policy: &Policy) -> Result<Firewall, String> {
    let eval = Evaluator::new(ruleset);
    let ssh_allowed: Vec<IpNet> = policy.ssh_allowed_sources.iter().filter_map(|s| parse_net(s)).collect();

    let mut input_chains = Vec::new();
    let mut seen = BTreeSet::new();
    for family in &ruleset.families {
        for (table, chain) in eval.base_chains("input", *family) {
            if seen.insert((table.label(), chain.name.clone())) {
                let base = chain.base.as_ref();
                input_chains.push(BaseChain {
                    table: table.label(),
                    chain: chain.name.clone(),
                    priority: base.map_or(0, |b| b.priority),
                    policy: if base.is_none_or(|b| b.accept_policy) { "accept" } else { "drop" }.into(),
                    rules: chain.rules.len() as i64,
                });
            }
        }
    }
    let input_filtering = input_chains.iter().any(|c| c.rules > 0 || c.policy != "accept");

    // Policy ports are always listed on their own.
    let pinned: BTreeSet<u16> = policy
        .allowed_inbound_ports
        .iter()
        .chain(&policy.internal_ports)
        .filter_map(|p| u16::try_from(*p).ok())
        .chain([SSH_PORT])
        .filter(|p| *p > 0)
        .collect();

    let intervals = intervals(ruleset, &pinned);
    let mut decided: Vec<(u16, u16, PortDecision)> = Vec::with_capacity(intervals.len());
    for &(a, b) in &intervals {
        decided.push((a, b, decide(&eval, &ruleset.families, a, b, &ssh_allowed)));
        if eval.exhausted() {
            return Err(too_complex());
        }
    }

    // The fate most ports share is the default.
    let mut weight: BTreeMap<String, u32> = BTreeMap::new();
    for (a, b, d) in &decided {
        *weight.entry(signature(d)).or_default() += u32::from(*b) - u32::from(*a) + 1;
    }
    let default_sig = weight.iter().max_by_key(|(_, w)| **w).map(|(s, _)| s.clone()).unwrap_or_default();
    let default_inbound = decided
        .iter()
        .find(|(_, _, d)| signature(d) == default_sig)
        .map(|(_, _, d)| PortDecision { port: 0, port_end: 0, ..d.clone() })
        .unwrap_or_default();

    let mut ports: Vec<PortDecision> = Vec::new();
    for (a, b, d) in decided {
        let is_pinned = a == b && pinned.contains(&a);
        if !is_pinned && signature(&d) == default_sig {
            continue;
        }
        let is_pinned_entry = |p: &PortDecision| p.port == p.port_end && pinned.contains(&(p.port as u16));
        match ports.last_mut() {
            Some(last)
                if !is_pinned
                    && !is_pinned_entry(last)
                    && last.port_end + 1 == i64::from(a)
                    && signature(last) == signature(&d) =>
            {
                last.port_end = i64::from(b);
            }
            _ => ports.push(d),
        }
    }

    let published = published(ruleset, &eval);
    if eval.exhausted() {
        return Err(too_complex());
    }
    let assumptions: Vec<String> = eval.assumptions.borrow().iter().cloned().collect();
    Ok(Firewall {
        backend: ruleset.backend.clone(),
        source: source.to_string(),
        input_filtering,
        input_chains,
        default_inbound,
        ports,
        published,
        assumptions,
    })
}

fn too_complex() -> String {
    format!(
        "the ruleset needs more than {} rule visits to decide one port (jumps that branch into chains that \
         branch again); not judged",
        super::eval::MAX_VISITS
    )
}

/// Ranges of ports that no rule tells apart: split wherever a port match
/// (or a set of ports) starts or ends, and around the policy's ports.
fn intervals(ruleset: &Ruleset, pinned: &BTreeSet<u16>) -> Vec<(u16, u16)> {
    let mut cuts: BTreeSet<u32> = BTreeSet::from([1, 65536]);
    let mut add = |a: u16, b: u16| {
        cuts.insert(u32::from(a).max(1));
        cuts.insert(u32::from(b) + 1);
    };
    for table in &ruleset.tables {
        for chain in table.chains.values() {
            for rule in &chain.rules {
                for m in &rule.matches {
                    if let Test::DPort(ranges) = &m.test {
                        ranges.iter().for_each(|(a, b)| add(*a, *b));
                    }
                }
            }
        }
        for elems in table.sets.values() {
            for e in elems {
                if let SetElem::Ports(a, b) = e {
                    add(*a, *b);
                }
            }
        }
    }
    for p in pinned {
        add(*p, *p);
    }
    let cuts: Vec<u32> = cuts.into_iter().filter(|c| (1..=65536).contains(c)).collect();
    cuts.iter().zip(cuts.iter().skip(1)).map(|(a, b)| (*a as u16, (b - 1) as u16)).collect()
}

fn decide(eval: &Evaluator<'_>, families: &[Family], a: u16, b: u16, ssh_allowed: &[IpNet]) -> PortDecision {
    let per_family: Vec<(Family, Vec<Outcome>)> = families.iter().map(|f| (*f, eval.probe("input", *f, a))).collect();
    let mut open_families = Vec::new();
    let mut sources = BTreeSet::new();
    let mut unauthorised = BTreeSet::new();
    let mut chosen: Option<&Outcome> = None;
    for (family, outcomes) in &per_family {
        let world = outcomes.iter().find(|o| o.is_world());
        if let Some(w) = world {
            if w.end == End::Accept {
                open_families.push(family.as_str().to_string());
            }
            // The most open family speaks for the port.
            if chosen.is_none_or(|c| rank(w.end) > rank(c.end)) {
                chosen = Some(w);
            }
        }
        for o in outcomes.iter().filter(|o| o.end == End::Accept && !o.is_world()) {
            sources.extend(source_texts(&o.inside));
            for (label, nets) in &o.inside {
                match nets {
                    Some(nets) => unauthorised.extend(
                        nets.iter().filter(|n| !ssh_allowed.iter().any(|a| a.contains(*n))).map(super::model::net_text),
                    ),
                    None => {
                        unauthorised.insert(label.clone());
                    }
                }
            }
        }
    }
    let status = if !open_families.is_empty() {
        "open"
    } else if !sources.is_empty() {
        "restricted"
    } else {
        "closed"
    };
    if status == "open" {
        sources.clear();
        unauthorised.clear();
    }
    let chosen = chosen.cloned();
    PortDecision {
        port: i64::from(a),
        port_end: i64::from(b),
        status: status.into(),
        verdict: chosen.as_ref().map_or("accept", |c| c.end.as_str()).into(),
        open_families,
        sources: sources.into_iter().collect(),
        unauthorised_sources: unauthorised.into_iter().collect(),
        decided_by: chosen.as_ref().and_then(|c| c.decided_by.clone()),
        path: chosen.map(|c| c.path).unwrap_or_default(),
    }
}

fn rank(end: End) -> u8 {
    match end {
        End::Accept => 2,
        End::Reject => 1,
        End::Drop => 0,
    }
}

fn signature(d: &PortDecision) -> String {
    format!(
        "{}|{}|{:?}|{:?}|{:?}|{:?}",
        d.status,
        d.verdict,
        d.open_families,
        d.sources,
        d.decided_by.as_ref().map(|r| (&r.table, &r.chain, r.handle, r.line)),
        d.path
    )
}

/// DNAT rules with a fixed destination port match: Docker's published
/// ports. Loopback-only ones (`-d 127.0.0.1`) are not reachable from outside.
fn published(ruleset: &Ruleset, eval: &Evaluator<'_>) -> Vec<PublishedPort> {
    let mut out = Vec::new();
    for table in &ruleset.tables {
        for chain in table.chains.values() {
            for rule in &chain.rules {
                let Some((dest, to_port)) = &rule.dnat else { continue };
                let loopback_only = rule.matches.iter().any(|m| {
                    !m.negated && matches!(&m.test, Test::DAddr(n) if !n.is_empty() && n.iter().all(|n| n.addr().is_loopback()))
                });
                if loopback_only {
                    continue;
                }
                let ports = rule.matches.iter().filter(|m| !m.negated).find_map(|m| match &m.test {
                    Test::DPort(r) => Some(r.clone()),
                    _ => None,
                });
                for (a, b) in ports.unwrap_or_default() {
                    if b.saturating_sub(a) > 1024 {
                        continue;
                    }
                    for port in a..=b {
                        let forward = eval.probe("forward", Family::V4, to_port.unwrap_or(port));
                        let world = forward.iter().find(|o| o.is_world()).map_or(End::Accept, |o| o.end);
                        out.push(PublishedPort {
                            port: i64::from(port),
                            destination: dest.clone(),
                            rule: rule_ref(table, chain, rule),
                            forward_verdict: world.as_str().into(),
                        });
                    }
                }
            }
        }
    }
    out.sort_by(|a, b| (a.port, &a.destination).cmp(&(b.port, &b.destination)));
    out.dedup_by(|a, b| a.port == b.port && a.destination == b.destination);
    out
}

fn parse_net(s: &str) -> Option<IpNet> {
    s.parse::<IpNet>().map(|n| n.trunc()).ok().or_else(|| s.parse::<IpAddr>().ok().map(IpNet::from))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collect::firewall::iptables;

    fn run(text: &str, policy: &Policy) -> Firewall {
        analyze(&iptables::parse(text).expect("valid iptables-save"), "test.rules", policy).expect("judged")
    }

    #[test]
    fn jumps_that_branch_exponentially_are_refused_within_the_visit_budget() {
        // C0 jumps twice to C1, which jumps twice to C2, ...: 2^30 walks.
        let mut text = String::from("*filter\n:INPUT DROP [0:0]\n");
        for i in 0..=30 {
            text.push_str(&format!(":C{i} - [0:0]\n"));
        }
        text.push_str("-A INPUT -p tcp -j C0\n");
        for i in 0..30 {
            text.push_str(&format!("-A C{i} -p tcp -j C{n}\n-A C{i} -p tcp -j C{n}\n", n = i + 1));
        }
        text.push_str("-A C30 -p tcp --dport 443 -j ACCEPT\nCOMMIT\n");
        let started = std::time::Instant::now();
        let err = analyze(&iptables::parse(&text).unwrap(), "branchy.rules", &Policy::default()).unwrap_err();
        assert!(err.contains("rule visits"), "{err}");
        // Not a timing assertion on the result, a guard against a hang:
        // before the budget this walk did not end.
        assert!(started.elapsed() < std::time::Duration::from_secs(60));
    }

    fn port(fw: &Firewall, p: i64) -> &PortDecision {
        fw.ports.iter().find(|d| d.port <= p && p <= d.port_end).unwrap_or(&fw.default_inbound)
    }

    #[test]
    fn goto_does_not_come_back_and_return_does() {
        let fw = run(
            "*filter\n:INPUT DROP [0:0]\n:A - [0:0]\n:B - [0:0]\n\
             -A INPUT -p tcp -g A\n-A INPUT -p tcp --dport 25 -j ACCEPT\n\
             -A A -p tcp --dport 80 -j ACCEPT\n-A A -j B\n-A A -p tcp --dport 81 -j ACCEPT\n\
             -A B -p tcp --dport 81 -j REJECT\n-A B -j RETURN\nCOMMIT\n",
            &Policy::default(),
        );
        assert_eq!(port(&fw, 80).status, "open");
        assert_eq!(port(&fw, 81).verdict, "reject");
        // The goto never returns to INPUT, so its 25 rule is never reached.
        assert_eq!(port(&fw, 25).status, "closed");
        assert_eq!(fw.default_inbound.verdict, "drop");
    }

    #[test]
    fn negated_source_and_ranges() {
        let fw = run(
            "*filter\n:INPUT ACCEPT [0:0]\n\
             -A INPUT ! -s 10.0.0.0/8 -p tcp --dport 6000:6010 -j DROP\n\
             -A INPUT -s 0.0.0.0/0 -p tcp --dport 7000 -j DROP\nCOMMIT\n",
            &Policy::default(),
        );
        let x = port(&fw, 6005);
        assert_eq!((x.status.as_str(), x.port, x.port_end), ("restricted", 6000, 6010));
        assert_eq!(x.sources, vec!["10.0.0.0/8"]);
        assert_eq!(port(&fw, 7000).status, "closed");
        assert_eq!(fw.default_inbound.status, "open");
        assert!(fw.input_filtering);
    }

    #[test]
    fn jump_loops_end() {
        let fw = run("*filter\n:INPUT DROP [0:0]\n:A - [0:0]\n-A INPUT -j A\n-A A -j A\nCOMMIT\n", &Policy::default());
        assert_eq!(fw.default_inbound.verdict, "drop");
        assert!(fw.assumptions.iter().any(|a| a.contains("loop")), "{:?}", fw.assumptions);
    }

    #[test]
    fn empty_input_chain_is_no_filtering() {
        let fw = run("*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\nCOMMIT\n", &Policy::default());
        assert!(!fw.input_filtering);
        assert_eq!(fw.default_inbound.status, "open");
    }
}
