//! `iptables-save` text → [`Ruleset`]: the filter table's chains decide
//! (INPUT on the input hook, FORWARD on the forward hook), the nat table's
//! DNAT rules say which ports are published.

use std::net::IpAddr;

use ipnet::IpNet;

use super::model::{AddrSet, BaseHook, Chain, Family, Match, Rule, Ruleset, Table, Test, Verdict};

#[derive(Debug, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct IptablesError {
    pub line: u32,
    pub message: String,
}

pub fn parse(text: &str) -> Result<Ruleset, IptablesError> {
    let mut tables: Vec<Table> = Vec::new();
    let mut current: Option<Table> = None;
    let mut saw_table = false;
    for (i, raw) in text.lines().enumerate() {
        let line = i as u32 + 1;
        let err = |message: String| IptablesError { line, message };
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if let Some(name) = trimmed.strip_prefix('*') {
            if current.is_some() {
                return Err(err(format!("table *{name} starts before the previous table's COMMIT")));
            }
            saw_table = true;
            current = Some(Table { family: "ip".into(), name: name.trim().to_string(), ..Default::default() });
            continue;
        }
        if trimmed == "COMMIT" {
            match current.take() {
                Some(t) => tables.push(t),
                None => return Err(err("COMMIT outside a table".into())),
            }
            continue;
        }
        let Some(table) = current.as_mut() else {
            return Err(err(format!("expected a table (*filter) before {:?}", clip(trimmed))));
        };
        if let Some(decl) = trimmed.strip_prefix(':') {
            let mut parts = decl.split_whitespace();
            let (Some(name), Some(policy)) = (parts.next(), parts.next()) else {
                return Err(err(format!("chain declaration {:?} lacks a policy", clip(trimmed))));
            };
            let base = builtin_hook(&table.name, name).map(|hook| BaseHook {
                hook: hook.to_string(),
                kind: if table.name == "filter" { "filter".into() } else { table.name.clone() },
                priority: 0,
                accept_policy: policy != "DROP",
            });
            if base.is_some() && !matches!(policy, "ACCEPT" | "DROP") {
                return Err(err(format!("built-in chain {name} has policy {policy:?}, not ACCEPT or DROP")));
            }
            table.chains.insert(name.to_string(), Chain { name: name.to_string(), base, rules: Vec::new() });
            continue;
        }
        let Some(rest) = trimmed.strip_prefix("-A ") else {
            return Err(err(format!("not an iptables-save line: {:?}", clip(trimmed))));
        };
        let words = split_words(rest).map_err(|m| err(m.to_string()))?;
        let Some((chain, args)) = words.split_first() else {
            return Err(err("-A without a chain".into()));
        };
        let mut rule = parse_rule(args).map_err(err)?;
        rule.line = Some(line);
        rule.text = trimmed.to_string();
        match table.chains.get_mut(chain.as_str()) {
            Some(c) => c.rules.push(rule),
            None => return Err(err(format!("rule for undeclared chain {chain}"))),
        }
    }
    if let Some(t) = current {
        return Err(IptablesError {
            line: text.lines().count() as u32,
            message: format!("table *{} has no COMMIT", t.name),
        });
    }
    if !saw_table {
        return Err(IptablesError { line: 1, message: "no table (*filter) in the input".into() });
    }
    Ok(Ruleset { backend: "iptables".into(), tables, families: vec![Family::V4] })
}

fn builtin_hook(table: &str, chain: &str) -> Option<&'static str> {
    match (table, chain) {
        (_, "INPUT") => Some("input"),
        (_, "FORWARD") => Some("forward"),
        (_, "OUTPUT") => Some("output"),
        (_, "PREROUTING") => Some("prerouting"),
        (_, "POSTROUTING") => Some("postrouting"),
        _ => None,
    }
}

fn clip(s: &str) -> String {
    s.chars().take(80).collect()
}

/// Words with iptables-save's double-quote quoting (comments).
fn split_words(s: &str) -> Result<Vec<String>, &'static str> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_quote = false;
    let mut has = false;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                in_quote = !in_quote;
                has = true;
            }
            '\\' if in_quote => {
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            c if c.is_whitespace() && !in_quote => {
                if has {
                    out.push(std::mem::take(&mut cur));
                    has = false;
                }
            }
            c => {
                cur.push(c);
                has = true;
            }
        }
    }
    if in_quote {
        return Err("unterminated quote");
    }
    if has {
        out.push(cur);
    }
    Ok(out)
}

fn parse_rule(args: &[String]) -> Result<Rule, String> {
    let mut rule = Rule::default();
    let mut i = 0;
    let mut negate = false;
    let value = |i: usize| {
        args.get(i + 1).cloned().ok_or_else(|| format!("{} needs a value", args.get(i).map_or("", String::as_str)))
    };
    while let Some(arg) = args.get(i) {
        let arg = arg.as_str();
        match arg {
            "!" => {
                negate = true;
                i += 1;
                continue;
            }
            "-p" | "--protocol" => {
                rule.matches.push(Match { negated: negate, test: Test::Proto(vec![value(i)?.to_lowercase()]) });
                i += 2;
            }
            "--dport" | "--destination-port" | "--dports" | "--destination-ports" | "--ports" => {
                let ranges = port_ranges(&value(i)?)?;
                rule.matches.push(Match { negated: negate, test: Test::DPort(ranges) });
                i += 2;
            }
            "-s" | "--source" | "--src-range" => {
                let v = value(i)?;
                let nets = if arg == "--src-range" { ip_range(&v)? } else { nets(&v)? };
                rule.matches
                    .push(Match { negated: negate, test: Test::SAddr { family: None, set: AddrSet::Nets(nets) } });
                i += 2;
            }
            "-i" | "--in-interface" => {
                rule.matches.push(Match { negated: negate, test: Test::Iif(vec![value(i)?]) });
                i += 2;
            }
            "--ctstate" | "--state" => {
                let states = value(i)?.split(',').map(|s| s.to_lowercase()).collect();
                rule.matches.push(Match { negated: negate, test: Test::CtState(states) });
                i += 2;
            }
            "--match-set" => {
                let name = value(i)?;
                let dir = args.get(i + 2).cloned().unwrap_or_default();
                let test = if dir.split(',').next() == Some("src") {
                    Test::SAddr { family: None, set: AddrSet::Named(format!("ipset:{name}"), None) }
                } else {
                    Test::Unknown(format!("--match-set {name} {dir}"))
                };
                rule.matches.push(Match { negated: negate, test });
                i += 3;
            }
            "-j" | "--jump" | "-g" | "--goto" => {
                let target = value(i)?;
                rule.verdict = match target.as_str() {
                    "ACCEPT" => Verdict::Accept,
                    "DROP" => Verdict::Drop,
                    "REJECT" => Verdict::Reject,
                    "RETURN" => Verdict::Return,
                    "DNAT" => Verdict::Accept,
                    // Targets that only observe or mark: the next rule runs.
                    "LOG" | "NFLOG" | "ULOG" | "MARK" | "CONNMARK" | "TRACE" | "CT" | "AUDIT" | "TCPMSS" | "SNAT"
                    | "MASQUERADE" | "REDIRECT" | "NOTRACK" | "TOS" | "DSCP" | "CHECKSUM" => Verdict::Continue,
                    other if arg == "-g" || arg == "--goto" => Verdict::Goto(other.to_string()),
                    other => Verdict::Jump(other.to_string()),
                };
                i += 2;
            }
            "--to-destination" => {
                let dest = value(i)?;
                let port = dest.rsplit_once(':').and_then(|(_, p)| p.split('-').next()?.parse().ok());
                rule.dnat = Some((dest, port));
                i += 2;
            }
            // Names a match module; its options follow and are handled above
            // or as unknown below.
            "-m" | "--match" => i += 2,
            "-d" | "--destination" => {
                rule.matches.push(Match { negated: negate, test: Test::DAddr(nets(&value(i)?)?) });
                i += 2;
            }
            "-o" | "--out-interface" => i += 2,
            "--comment" => i += 2,
            // A new connection's first packet is a SYN: these match it.
            "--syn" => i += 1,
            "--tcp-flags" => {
                rule.matches.push(Match {
                    negated: negate,
                    test: Test::Unknown(format!("--tcp-flags {} {}", value(i)?, value(i + 1)?)),
                });
                i += 3;
            }
            opt if opt.starts_with('-') => {
                // An option this evaluator does not model (`--sport`,
                // `--limit`, `--mark`...): assumed to match, with its value.
                // Target options (`--reject-with`, `--log-prefix`) only
                // shape the verdict.
                let option_value = args.get(i + 1).filter(|n| !n.starts_with('-') && *n != "!");
                let takes_value = option_value.is_some();
                let text = match option_value {
                    Some(v) => format!("{opt} {v}"),
                    None => opt.to_string(),
                };

                let target_option = rule.verdict != Verdict::Continue
                    || matches!(opt, "--reject-with" | "--log-prefix" | "--log-level" | "--set-mark" | "--to-source");
                if !target_option {
                    rule.matches.push(Match { negated: negate, test: Test::Unknown(text) });
                }
                i += if takes_value { 2 } else { 1 };
            }
            other => return Err(format!("unexpected word {other:?}")),
        }
        negate = false;
    }
    Ok(rule)
}

fn port_ranges(v: &str) -> Result<Vec<(u16, u16)>, String> {
    v.split(',')
        .map(|part| {
            let (a, b) = part.split_once(':').unwrap_or((part, part));
            let a: u16 = if a.is_empty() { 0 } else { a.parse().map_err(|_| format!("bad port {part:?}"))? };
            let b: u16 = if b.is_empty() { u16::MAX } else { b.parse().map_err(|_| format!("bad port {part:?}"))? };
            Ok((a.min(b), a.max(b)))
        })
        .collect()
}

fn nets(v: &str) -> Result<Vec<IpNet>, String> {
    v.split(',')
        .map(|part| {
            part.parse::<IpNet>()
                .map(|n| n.trunc())
                .or_else(|_| part.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| format!("bad address {part:?}"))
        })
        .collect()
}

fn ip_range(v: &str) -> Result<Vec<IpNet>, String> {
    let (a, b) = v.split_once('-').ok_or_else(|| format!("bad range {v:?}"))?;
    match (a.parse::<IpAddr>(), b.parse::<IpAddr>()) {
        (Ok(IpAddr::V4(x)), Ok(IpAddr::V4(y))) => Ok(ipnet::Ipv4Subnets::new(x, y, 0).map(IpNet::V4).collect()),
        (Ok(IpAddr::V6(x)), Ok(IpAddr::V6(y))) => Ok(ipnet::Ipv6Subnets::new(x, y, 0).map(IpNet::V6).collect()),
        _ => Err(format!("bad range {v:?}")),
    }
}
