//! Runs a new inbound TCP connection through a ruleset as the kernel would:
//! the hook's base chains by priority, rule by rule, jumps, gotos and
//! returns, chain policies. The source address is symbolic: a rule that
//! matches on it splits the walk in two (source inside the set, outside it),
//! so one walk tells "accepted from anywhere" from "accepted only from
//! these networks".

use std::collections::BTreeSet;

use ipnet::IpNet;

use super::model::{net_text, AddrSet, Chain, Family, Rule, Ruleset, Table, Test, Verdict};
use crate::facts::firewall::RuleRef;

/// Jumps deeper than this are a loop (the kernel refuses more than 16).
const MAX_DEPTH: usize = 32;
/// Walks per probe before source matches stop splitting.
const MAX_BRANCHES: usize = 512;
/// Rules visited per probe. Jumps that branch (a chain jumping twice into a
/// chain that jumps twice into ...) make the walk exponential without any
/// source match; real rulesets need a few thousand visits per port.
pub const MAX_VISITS: usize = 200_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    Accept,
    Drop,
    Reject,
}

impl End {
    pub fn as_str(self) -> &'static str {
        match self {
            End::Accept => "accept",
            End::Drop => "drop",
            End::Reject => "reject",
        }
    }
}

/// "The source is (not) in this set", one per source match on the way.
#[derive(Debug, Clone)]
struct Cond {
    label: String,
    nets: Option<Vec<IpNet>>,
    member: bool,
}

#[derive(Debug, Clone, Default)]
struct Branch {
    conds: Vec<Cond>,
    path: Vec<String>,
    decider: Option<RuleRef>,
}

/// One way a connection can go, and the source addresses that take it.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub end: End,
    /// Sets the source is inside; empty for "from anywhere".
    pub inside: Vec<(String, Option<Vec<IpNet>>)>,
    pub decided_by: Option<RuleRef>,
    pub path: Vec<String>,
}

impl Outcome {
    /// Any source outside every set named on the way: the internet.
    pub fn is_world(&self) -> bool {
        self.inside.is_empty()
    }
}

enum ChainEnd {
    Final(End),
    Return,
}

pub struct Evaluator<'a> {
    ruleset: &'a Ruleset,
    branches: std::cell::Cell<usize>,
    visits: std::cell::Cell<usize>,
    exhausted: std::cell::Cell<bool>,
    pub assumptions: std::cell::RefCell<BTreeSet<String>>,
}

impl<'a> Evaluator<'a> {
    pub fn new(ruleset: &'a Ruleset) -> Self {
        Self {
            ruleset,
            branches: Default::default(),
            visits: Default::default(),
            exhausted: Default::default(),
            assumptions: Default::default(),
        }
    }

    /// Some probe needed more than [`MAX_VISITS`] rule visits: its outcomes
    /// are incomplete and the ruleset must not be judged.
    pub fn exhausted(&self) -> bool {
        self.exhausted.get()
    }

    /// Base filter chains on `hook` that see `family`, in priority order.
    pub fn base_chains(&self, hook: &str, family: Family) -> Vec<(&'a Table, &'a Chain)> {
        let mut out: Vec<(&Table, &Chain)> = self
            .ruleset
            .tables
            .iter()
            .filter(|t| t.sees(family))
            .flat_map(|t| t.chains.values().map(move |c| (t, c)))
            .filter(|(_, c)| c.base.as_ref().is_some_and(|b| b.hook == hook && b.kind == "filter"))
            .collect();
        out.sort_by_key(|(t, c)| (c.base.as_ref().map_or(0, |b| b.priority), t.label(), c.name.clone()));
        out
    }

    /// Every outcome of a new TCP connection to `port` on `hook`.
    pub fn probe(&self, hook: &str, family: Family, port: u16) -> Vec<Outcome> {
        self.branches.set(1);
        self.visits.set(0);
        let chains = self.base_chains(hook, family);
        let mut start = Branch::default();
        if chains.is_empty() {
            start.path.push(format!("no {hook} chain: accepted"));
        }
        let mut live = vec![start];
        let mut done = Vec::new();

        for (table, chain) in chains {
            let accept_policy = chain.base.as_ref().is_none_or(|b| b.accept_policy);
            let mut next = Vec::new();
            for mut branch in live {
                branch.path.push(format!("{} {}", table.label(), chain.name));
                for (end, mut b) in self.run(table, chain, 0, family, port, branch, 0) {
                    match end {
                        ChainEnd::Final(End::Accept) => next.push(b),
                        ChainEnd::Final(e) => done.push(finish(e, b)),
                        ChainEnd::Return if accept_policy => {
                            b.path.push("policy accept".into());
                            b.decider = None;
                            next.push(b);
                        }
                        ChainEnd::Return => {
                            b.path.push("policy drop".into());
                            b.decider = None;
                            done.push(finish(End::Drop, b));
                        }
                    }
                }
            }
            live = next;
        }
        done.extend(live.into_iter().map(|b| finish(End::Accept, b)));
        done
    }

    #[allow(clippy::too_many_arguments)]
    fn run(
        &self,
        table: &'a Table,
        chain: &'a Chain,
        start: usize,
        family: Family,
        port: u16,
        branch: Branch,
        depth: usize,
    ) -> Vec<(ChainEnd, Branch)> {
        if depth > MAX_DEPTH {
            self.assume(format!(
                "chain {} nested deeper than {MAX_DEPTH} jumps (a loop): treated as return",
                chain.name
            ));
            return vec![(ChainEnd::Return, branch)];
        }
        for (idx, rule) in chain.rules.iter().enumerate().skip(start) {
            self.visits.set(self.visits.get() + 1);
            if self.visits.get() > MAX_VISITS {
                self.exhausted.set(true);
                return vec![(ChainEnd::Return, branch)];
            }
            match self.test(rule, family, port, &branch) {
                Decision::No => continue,
                Decision::Yes => return self.apply(table, chain, idx, rule, family, port, branch, depth),
                Decision::Fork(conds) => {
                    let mut matched = branch.clone();
                    matched.conds.extend(conds.iter().cloned());
                    let mut unmatched = branch;
                    if let [only] = conds.as_slice() {
                        unmatched.conds.push(Cond { member: !only.member, ..only.clone() });
                    }
                    self.branches.set(self.branches.get() + 1);
                    let mut out = self.apply(table, chain, idx, rule, family, port, matched, depth);
                    out.extend(self.run(table, chain, idx + 1, family, port, unmatched, depth));
                    return out;
                }
            }
        }
        vec![(ChainEnd::Return, branch)]
    }

    #[allow(clippy::too_many_arguments)]
    fn apply(
        &self,
        table: &'a Table,
        chain: &'a Chain,
        idx: usize,
        rule: &'a Rule,
        family: Family,
        port: u16,
        mut branch: Branch,
        depth: usize,
    ) -> Vec<(ChainEnd, Branch)> {
        let decided = |mut b: Branch| {
            b.decider = Some(rule_ref(table, chain, rule));
            b
        };
        match &rule.verdict {
            Verdict::Continue => self.run(table, chain, idx + 1, family, port, branch, depth),
            Verdict::Accept => vec![(ChainEnd::Final(End::Accept), decided(branch))],
            Verdict::Drop => vec![(ChainEnd::Final(End::Drop), decided(branch))],
            Verdict::Reject => vec![(ChainEnd::Final(End::Reject), decided(branch))],
            Verdict::Return => vec![(ChainEnd::Return, branch)],
            Verdict::Jump(target) | Verdict::Goto(target) => {
                let Some(sub) = table.chains.get(target) else {
                    self.assume(format!("{} jumps to missing chain {target}: treated as no-op", chain.name));
                    return self.run(table, chain, idx + 1, family, port, branch, depth);
                };
                let is_jump = matches!(rule.verdict, Verdict::Jump(_));
                branch.path.push(format!("{} {target}", if is_jump { "jump" } else { "goto" }));
                let mut out = Vec::new();
                for (end, b) in self.run(table, sub, 0, family, port, branch, depth + 1) {
                    match end {
                        ChainEnd::Return if is_jump => {
                            out.extend(self.run(table, chain, idx + 1, family, port, b, depth))
                        }
                        other => out.push((other, b)),
                    }
                }
                out
            }
        }
    }

    fn test(&self, rule: &Rule, family: Family, port: u16, branch: &Branch) -> Decision {
        let mut forks = Vec::new();
        for m in &rule.matches {
            let inside = match &m.test {
                Test::DPort(ranges) => ranges.iter().any(|(a, b)| (*a..=*b).contains(&port)),
                Test::Proto(names) => names.iter().any(|n| n == "tcp" || n == "6" || n == "all"),
                Test::Family(f) => *f == family,
                Test::Iif(names) => names.iter().any(|n| could_be_external(n)),
                Test::CtState(states) => states.iter().any(|s| s == "new"),
                Test::DAddr(_) => !m.negated,
                Test::Unknown(text) => {
                    self.assume(format!("`{text}` assumed to match"));
                    !m.negated
                }
                Test::SAddr { family: Some(f), .. } if *f != family => return Decision::No,
                Test::SAddr { set, .. } if set.is_universal(family) => true,
                Test::SAddr { set, .. } => {
                    let label = set.describe().join(", ");
                    let member = !m.negated;
                    // Already decided on this walk: the same set again.
                    if let Some(c) = branch.conds.iter().find(|c| c.label == label) {
                        if c.member != member {
                            return Decision::No;
                        }
                        continue;
                    }
                    if self.branches.get() >= MAX_BRANCHES {
                        self.assume(format!("too many source matches: `saddr {label}` taken as not matching"));
                        return Decision::No;
                    }
                    let nets = match set {
                        AddrSet::Nets(n) => Some(n.clone()),
                        AddrSet::Named(_, n) => n.clone(),
                    };
                    forks.push(Cond { label, nets, member });
                    continue;
                }
            };
            if inside == m.negated {
                return Decision::No;
            }
        }
        if forks.is_empty() {
            Decision::Yes
        } else {
            Decision::Fork(forks)
        }
    }

    fn assume(&self, text: String) {
        self.assumptions.borrow_mut().insert(text);
    }
}

enum Decision {
    No,
    Yes,
    Fork(Vec<Cond>),
}

fn finish(end: End, mut b: Branch) -> Outcome {
    b.path.push(match &b.decider {
        Some(r) => format!("{} ({})", end.as_str(), r.text),
        None => end.as_str().to_string(),
    });
    Outcome {
        end,
        inside: b.conds.into_iter().filter(|c| c.member).map(|c| (c.label, c.nets)).collect(),
        decided_by: b.decider,
        path: b.path,
    }
}

pub fn rule_ref(table: &Table, chain: &Chain, rule: &Rule) -> RuleRef {
    RuleRef {
        table: table.label(),
        chain: chain.name.clone(),
        handle: rule.handle,
        line: rule.line.map(i64::from),
        text: rule.text.clone(),
    }
}

/// Source networks of an accepting outcome, for the report.
pub fn source_texts(inside: &[(String, Option<Vec<IpNet>>)]) -> Vec<String> {
    inside
        .iter()
        .flat_map(|(label, nets)| match nets {
            Some(n) if !label.starts_with('@') => n.iter().map(net_text).collect::<Vec<_>>(),
            Some(n) => vec![format!("{label} ({})", n.iter().map(net_text).collect::<Vec<_>>().join(", "))],
            None => vec![label.clone()],
        })
        .collect()
}

/// Whether a connection from outside could arrive on an interface of this
/// name. Loopback and the bridges/veths containers sit behind cannot:
/// Docker's isolation chains match `-i docker0` and must not be taken for
/// rules about the public interface.
fn could_be_external(name: &str) -> bool {
    const INTERNAL: &[&str] = &["lo", "docker", "br-", "veth", "virbr", "cni", "flannel", "cali", "kube-"];
    !INTERNAL.iter().any(|p| if *p == "lo" { name == "lo" } else { name.starts_with(p) })
}
