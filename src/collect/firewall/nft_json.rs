//! `nft -j list ruleset` → [`Ruleset`]. Only what decides a new inbound TCP
//! connection is kept; anything else in a rule becomes an `Unknown` match
//! (assumed to match, reported) so nothing is silently dropped.

use std::collections::BTreeMap;
use std::net::IpAddr;

use ipnet::IpNet;
use serde_json::Value;

use super::model::{AddrSet, BaseHook, Family, Match, Rule, Ruleset, SetElem, Table, Test, Verdict};

#[derive(Debug, thiserror::Error)]
pub enum NftJsonError {
    #[error("not JSON at line {line}, column {column}: {message}")]
    Syntax { line: usize, column: usize, message: String },
    #[error("not an nft JSON ruleset: {0}")]
    Shape(String),
}

pub fn parse(text: &str) -> Result<Ruleset, NftJsonError> {
    let doc: Value = serde_json::from_str(text).map_err(|e| NftJsonError::Syntax {
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    })?;
    let items = doc
        .get("nftables")
        .and_then(Value::as_array)
        .ok_or_else(|| NftJsonError::Shape("no top-level \"nftables\" array".into()))?;

    let mut tables: BTreeMap<(String, String), Table> = BTreeMap::new();
    // Sets first, then chains, then rules: `nft -j` lists them in that order,
    // but a hand-written file need not.
    for item in items {
        let Some((kind, body)) = item.as_object().and_then(|o| o.iter().next()) else {
            return Err(NftJsonError::Shape(format!("entry is not an object: {}", short(item))));
        };
        let family = str_field(body, "family");
        match kind.as_str() {
            "table" => {
                let name = str_field(body, "name");
                table_mut(&mut tables, &family, &name);
            }
            "set" | "map" => {
                let table = str_field(body, "table");
                let name = str_field(body, "name");
                let elems = body.get("elem").map(elements).unwrap_or_default();
                table_mut(&mut tables, &family, &table).sets.insert(name, elems);
            }
            "chain" => {
                let table = str_field(body, "table");
                let name = str_field(body, "name");
                let base = body.get("hook").and_then(Value::as_str).map(|hook| BaseHook {
                    hook: hook.to_string(),
                    kind: body.get("type").and_then(Value::as_str).unwrap_or("filter").to_string(),
                    priority: body.get("prio").and_then(Value::as_i64).unwrap_or(0),
                    accept_policy: body.get("policy").and_then(Value::as_str) != Some("drop"),
                });
                let chain = table_mut(&mut tables, &family, &table).chains.entry(name.clone()).or_default();
                chain.name = name;
                chain.base = base;
            }
            _ => {}
        }
    }
    for item in items {
        let Some(body) = item.get("rule") else { continue };
        let family = str_field(body, "family");
        let table_name = str_field(body, "table");
        let chain_name = str_field(body, "chain");
        let table = table_mut(&mut tables, &family, &table_name);
        let exprs = body.get("expr").and_then(Value::as_array).cloned().unwrap_or_default();
        let handle = body.get("handle").and_then(Value::as_i64);
        let rules = rules_of(&exprs, &table.sets, handle);
        let chain = table.chains.entry(chain_name.clone()).or_default();
        chain.name = chain_name;
        chain.rules.extend(rules);
    }
    Ok(Ruleset {
        backend: "nftables".into(),
        tables: tables.into_values().collect(),
        families: vec![Family::V4, Family::V6],
    })
}

fn table_mut<'a>(tables: &'a mut BTreeMap<(String, String), Table>, family: &str, name: &str) -> &'a mut Table {
    tables.entry((family.to_string(), name.to_string())).or_insert_with(|| Table {
        family: family.to_string(),
        name: name.to_string(),
        ..Default::default()
    })
}

fn str_field(v: &Value, key: &str) -> String {
    v.get(key).and_then(Value::as_str).unwrap_or_default().to_string()
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 80 {
        format!("{}…", s.chars().take(80).collect::<String>())
    } else {
        s
    }
}

/// One rule, or several when it ends in a verdict map (`tcp dport vmap
/// { 22 : accept, 80 : accept }` is one rule per entry).
fn rules_of(exprs: &[Value], sets: &BTreeMap<String, Vec<SetElem>>, handle: Option<i64>) -> Vec<Rule> {
    let mut rule = Rule { handle, ..Default::default() };
    let mut words = Vec::new();
    for expr in exprs {
        let Some((kind, body)) = expr.as_object().and_then(|o| o.iter().next()) else { continue };
        match kind.as_str() {
            "match" => {
                let op = body.get("op").and_then(Value::as_str).unwrap_or("==");
                let left = body.get("left").unwrap_or(&Value::Null);
                let right = body.get("right").unwrap_or(&Value::Null);
                words.push(format!(
                    "{} {}{}",
                    left_text(left),
                    if op == "==" || op == "in" { String::new() } else { format!("{op} ") },
                    right_text(right)
                ));
                rule.matches.extend(matches_of(op, left, right, sets));
            }
            "accept" => rule.verdict = Verdict::Accept,
            "drop" => rule.verdict = Verdict::Drop,
            "reject" => rule.verdict = Verdict::Reject,
            "return" => rule.verdict = Verdict::Return,
            "jump" | "goto" => {
                let target = body.get("target").and_then(Value::as_str).unwrap_or_default().to_string();
                rule.verdict = if kind == "jump" { Verdict::Jump(target) } else { Verdict::Goto(target) };
            }
            "dnat" => {
                let addr = body.get("addr").map(right_text).unwrap_or_default();
                let port = body.get("port").and_then(Value::as_u64).and_then(|p| u16::try_from(p).ok());
                let dest = match port {
                    Some(p) => format!("{addr}:{p}"),
                    None => addr,
                };
                rule.dnat = Some((dest, port));
                rule.verdict = Verdict::Accept;
            }
            "vmap" => {
                let key = body.get("key").unwrap_or(&Value::Null);
                let pairs = body.get("data").and_then(|d| d.get("set")).and_then(Value::as_array);
                let mut out = Vec::new();
                for pair in pairs.into_iter().flatten() {
                    let (Some(elem), Some(verdict)) = (pair.get(0), pair.get(1)) else { continue };
                    let mut r = rule.clone();
                    r.matches.extend(matches_of("==", key, elem, sets));
                    r.verdict = verdict_of(verdict);
                    let mut w = words.clone();
                    w.push(format!("{} {} : {}", left_text(key), right_text(elem), verdict_text(&r.verdict)));
                    r.text = format!("{} (vmap)", w.join(" "));
                    out.push(r);
                }
                return out;
            }
            "limit" | "quota" | "xt" => {
                let text = format!("{kind} {}", short(body));
                words.push(text.clone());
                rule.matches.push(Match { negated: false, test: Test::Unknown(text) });
            }
            // Statements that do not change the verdict: counters, logs,
            // marks, notrack, masquerade/snat (nat on the way out).
            _ => {}
        }
    }
    words.push(verdict_text(&rule.verdict));
    if let Some((dest, _)) = &rule.dnat {
        words.pop();
        words.push(format!("dnat to {dest}"));
    }
    rule.text = words.into_iter().filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ");
    vec![rule]
}

fn verdict_of(v: &Value) -> Verdict {
    let Some((kind, body)) = v.as_object().and_then(|o| o.iter().next()) else { return Verdict::Continue };
    let target = || body.get("target").and_then(Value::as_str).unwrap_or_default().to_string();
    match kind.as_str() {
        "accept" => Verdict::Accept,
        "drop" => Verdict::Drop,
        "reject" => Verdict::Reject,
        "return" => Verdict::Return,
        "jump" => Verdict::Jump(target()),
        "goto" => Verdict::Goto(target()),
        _ => Verdict::Continue,
    }
}

pub fn verdict_text(v: &Verdict) -> String {
    match v {
        Verdict::Continue => String::new(),
        Verdict::Accept => "accept".into(),
        Verdict::Drop => "drop".into(),
        Verdict::Reject => "reject".into(),
        Verdict::Return => "return".into(),
        Verdict::Jump(t) => format!("jump {t}"),
        Verdict::Goto(t) => format!("goto {t}"),
    }
}

fn left_text(left: &Value) -> String {
    if let Some(p) = left.get("payload") {
        return format!("{} {}", str_field(p, "protocol"), str_field(p, "field"));
    }
    if let Some(m) = left.get("meta") {
        return format!("meta {}", str_field(m, "key"));
    }
    if let Some(c) = left.get("ct") {
        return format!("ct {}", str_field(c, "key"));
    }
    short(left)
}

fn right_text(right: &Value) -> String {
    match right {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Array(a) => a.iter().map(right_text).collect::<Vec<_>>().join(","),
        Value::Object(o) => {
            if let Some(set) = o.get("set").and_then(Value::as_array) {
                format!("{{ {} }}", set.iter().map(right_text).collect::<Vec<_>>().join(", "))
            } else if let Some(r) = o.get("range").and_then(Value::as_array) {
                r.iter().map(right_text).collect::<Vec<_>>().join("-")
            } else if let Some(p) = o.get("prefix") {
                format!(
                    "{}/{}",
                    p.get("addr").map(right_text).unwrap_or_default(),
                    p.get("len").map(right_text).unwrap_or_default()
                )
            } else if let Some(e) = o.get("elem") {
                e.get("val").map(right_text).unwrap_or_default()
            } else {
                short(right)
            }
        }
        other => short(other),
    }
}

fn matches_of(op: &str, left: &Value, right: &Value, sets: &BTreeMap<String, Vec<SetElem>>) -> Vec<Match> {
    let negated = op == "!=";
    let unknown = || {
        vec![Match { negated: false, test: Test::Unknown(format!("{} {op} {}", left_text(left), right_text(right))) }]
    };
    let elems = || match right.as_str().and_then(|s| s.strip_prefix('@')) {
        Some(name) => sets.get(name).cloned().unwrap_or_default(),
        None => elements(right),
    };
    if let Some(p) = left.get("payload") {
        let protocol = str_field(p, "protocol");
        let field = str_field(p, "field");
        return match (protocol.as_str(), field.as_str()) {
            ("tcp" | "th", "dport") => {
                let ranges = match op {
                    "<" | "<=" | ">" | ">=" => match right.as_u64().and_then(|n| u16::try_from(n).ok()) {
                        Some(n) => vec![match op {
                            "<" => (0, n.saturating_sub(1)),
                            "<=" => (0, n),
                            ">" => (n.saturating_add(1), u16::MAX),
                            _ => (n, u16::MAX),
                        }],
                        None => return unknown(),
                    },
                    _ => elems()
                        .into_iter()
                        .filter_map(|e| match e {
                            SetElem::Ports(a, b) => Some((a, b)),
                            _ => None,
                        })
                        .collect(),
                };
                let mut out = Vec::new();
                if protocol == "tcp" {
                    out.push(Match { negated: false, test: Test::Proto(vec!["tcp".into()]) });
                }
                out.push(Match {
                    negated: negated && !matches!(op, "<" | "<=" | ">" | ">="),
                    test: Test::DPort(ranges),
                });
                out
            }
            ("udp" | "sctp" | "dccp" | "icmp" | "icmpv6" | "udplite", _) => {
                // Implies the protocol whatever the comparison: never TCP.
                vec![Match { negated: false, test: Test::Proto(vec![protocol]) }]
            }
            ("ip" | "ip6", "saddr") => {
                let family = if protocol == "ip" { Family::V4 } else { Family::V6 };
                let set = match right.as_str().and_then(|s| s.strip_prefix('@')) {
                    Some(name) => AddrSet::Named(name.to_string(), sets.get(name).map(|e| nets_of(e))),
                    None => AddrSet::Nets(nets_of(&elements(right))),
                };
                vec![Match { negated, test: Test::SAddr { family: Some(family), set } }]
            }
            ("ip" | "ip6", "daddr") => {
                let family = if protocol == "ip" { Family::V4 } else { Family::V6 };
                vec![
                    Match { negated: false, test: Test::Family(family) },
                    Match { negated, test: Test::DAddr(nets_of(&elements(right))) },
                ]
            }
            ("ip", _) => {
                let mut m = vec![Match { negated: false, test: Test::Family(Family::V4) }];
                if field == "protocol" {
                    m.push(Match { negated, test: Test::Proto(strings(right)) });
                } else {
                    m.extend(unknown());
                }
                m
            }
            ("ip6", _) => {
                let mut m = vec![Match { negated: false, test: Test::Family(Family::V6) }];
                if field == "nexthdr" {
                    m.push(Match { negated, test: Test::Proto(strings(right)) });
                } else {
                    m.extend(unknown());
                }
                m
            }
            ("tcp", _) => {
                let mut m = vec![Match { negated: false, test: Test::Proto(vec!["tcp".into()]) }];
                m.extend(unknown());
                m
            }
            _ => unknown(),
        };
    }
    if let Some(m) = left.get("meta") {
        return match str_field(m, "key").as_str() {
            "l4proto" => vec![Match { negated, test: Test::Proto(strings(right)) }],
            "iif" | "iifname" => vec![Match { negated, test: Test::Iif(strings(right)) }],
            "nfproto" => match strings(right).first().map(String::as_str) {
                Some("ipv4") => vec![Match { negated, test: Test::Family(Family::V4) }],
                Some("ipv6") => vec![Match { negated, test: Test::Family(Family::V6) }],
                _ => unknown(),
            },
            _ => unknown(),
        };
    }
    if let Some(c) = left.get("ct") {
        if str_field(c, "key") == "state" {
            return vec![Match { negated, test: Test::CtState(strings(right)) }];
        }
    }
    unknown()
}

/// Flat strings of a right-hand side (`"tcp"`, `["established","related"]`,
/// `{ "set": ["lo", "eth0"] }`).
fn strings(right: &Value) -> Vec<String> {
    match right {
        Value::String(s) => vec![s.clone()],
        Value::Number(n) => vec![n.to_string()],
        Value::Array(a) => a.iter().flat_map(strings).collect(),
        Value::Object(o) => o.get("set").map(strings).unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// Elements of a set literal, a named set's `elem`, or a single value.
fn elements(v: &Value) -> Vec<SetElem> {
    match v {
        Value::Number(n) => {
            n.as_u64().and_then(|n| u16::try_from(n).ok()).map(|p| vec![SetElem::Ports(p, p)]).unwrap_or_default()
        }
        Value::String(s) => match s.parse::<IpAddr>() {
            Ok(ip) => vec![SetElem::Net(IpNet::from(ip))],
            Err(_) => match s.parse::<IpNet>() {
                Ok(net) => vec![SetElem::Net(net)],
                Err(_) => vec![SetElem::Other],
            },
        },
        Value::Array(a) => a.iter().flat_map(elements).collect(),
        Value::Object(o) => {
            if let Some(set) = o.get("set") {
                elements(set)
            } else if let Some(e) = o.get("elem") {
                e.get("val").map(elements).unwrap_or_default()
            } else if let Some(p) = o.get("prefix") {
                let addr = p.get("addr").and_then(Value::as_str).and_then(|a| a.parse::<IpAddr>().ok());
                let len = p.get("len").and_then(Value::as_u64).and_then(|l| u8::try_from(l).ok());
                match (addr, len) {
                    (Some(a), Some(l)) => IpNet::new(a, l).map(|n| vec![SetElem::Net(n.trunc())]).unwrap_or_default(),
                    _ => Vec::new(),
                }
            } else if let Some(r) = o.get("range").and_then(Value::as_array) {
                range_elems(r.first(), r.get(1))
            } else {
                vec![SetElem::Other]
            }
        }
        _ => Vec::new(),
    }
}

fn range_elems(a: Option<&Value>, b: Option<&Value>) -> Vec<SetElem> {
    let port = |v: Option<&Value>| v.and_then(Value::as_u64).and_then(|n| u16::try_from(n).ok());
    if let (Some(x), Some(y)) = (port(a), port(b)) {
        return vec![SetElem::Ports(x.min(y), x.max(y))];
    }
    let ip = |v: Option<&Value>| v.and_then(Value::as_str).and_then(|s| s.parse::<IpAddr>().ok());
    match (ip(a), ip(b)) {
        (Some(IpAddr::V4(x)), Some(IpAddr::V4(y))) => {
            ipnet::Ipv4Subnets::new(x, y, 0).map(|n| SetElem::Net(IpNet::V4(n))).collect()
        }
        (Some(IpAddr::V6(x)), Some(IpAddr::V6(y))) => {
            ipnet::Ipv6Subnets::new(x, y, 0).map(|n| SetElem::Net(IpNet::V6(n))).collect()
        }
        _ => Vec::new(),
    }
}

fn nets_of(elems: &[SetElem]) -> Vec<IpNet> {
    elems
        .iter()
        .filter_map(|e| match e {
            SetElem::Net(n) => Some(*n),
            _ => None,
        })
        .collect()
}
