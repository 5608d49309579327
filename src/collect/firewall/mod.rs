//! Firewall collector: the host's ruleset evaluated as the kernel would for
//! a new inbound TCP connection (`[firewall] host_rules`, `ruleset_file`),
//! and TCP connect scans of the hosts named in `[[firewall.scan]]`.
//!
//! Both, because either alone misleads: rules can look right while Docker's
//! published ports bypass the input chain, and a closed port today says
//! nothing about the rules. Nothing is probed that the config does not name.

mod analyze;
mod eval;
pub(crate) mod iptables;
mod model;
pub(crate) mod nft_json;
pub mod ports;
mod rawscan;
mod scan;
mod source;

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use ipnet::IpNet;

use super::{CollectContext, Collected};
use crate::config::PortScanTarget;
use crate::diagnostics::{ErrorKind, ScanError};
use crate::facts::firewall::Firewall;
use crate::facts::port_scan::PortScan;
use crate::facts::{Fact, FactData, FactKind, Location, Subject};

pub use analyze::analyze;

const SOURCE: &str = "firewall";
/// A CIDR target larger than this is a typo, not a scan plan.
const MAX_HOSTS: u64 = 256;
const RESOLVE_TIMEOUT: Duration = Duration::from_secs(5);

pub async fn collect(ctx: &CollectContext<'_>) -> Collected {
    let fw = &ctx.config.firewall;
    let mut out = Collected::default();
    let declared = ctx.config.declared_at(ctx.config.target_lines.firewall);
    let with_place = |e: ScanError| e.at_declared(declared.as_ref());

    let mut loaded = Vec::new();
    if let Some(file) = &fw.ruleset_file {
        let path = ctx.config.resolve_path(file);
        let display = path.display().to_string();
        // A saved ruleset is a file read: on the blocking pool.
        let read = tokio::task::spawn_blocking(move || source::file(&path, &display)).await;
        loaded.push(read.unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic())).map(|l| (l, true)));
    }
    if fw.host_rules {
        loaded.push(source::host().await.map(|l| (l, false)));
    }
    for result in loaded {
        match result {
            Ok((l, from_file)) => {
                // Evaluating the chains walks every path: CPU work, on the
                // blocking pool; a fault in it costs this ruleset.
                let (ruleset, shown, policy) = (l.ruleset, l.source.clone(), ctx.config.policy.clone());
                let analysed = tokio::task::spawn_blocking(move || {
                    crate::contain::catch(|| {
                        crate::contain::test_trigger(&shown);
                        analyze(&ruleset, &shown, &policy)
                    })
                })
                .await
                .unwrap_or_else(|e| Err(e.to_string()));
                match analysed {
                    Ok(Ok(data)) => out.facts.push(ruleset_fact(data, from_file, declared.clone())),
                    Ok(Err(message)) => out.error(with_place(ScanError::new(
                        "firewall",
                        &l.source,
                        crate::diagnostics::ErrorKind::Unsupported,
                        message,
                    ))),
                    Err(description) => out.merge(super::panicked(SOURCE, &l.source, &description)),
                }
            }
            Err(e) => out.error(with_place(e)),
        }
    }

    for target in &fw.scan {
        let host = target.host.trim();
        let scan = async {
            crate::contain::test_trigger(host);
            scan_target(target, declared.as_ref()).await
        };
        match crate::contain::catch_future(scan).await {
            Ok((facts, errors)) => {
                out.facts.extend(facts);
                out.errors.extend(errors.into_iter().map(with_place));
            }
            Err(description) => out.merge(super::panicked(SOURCE, host, &description)),
        }
    }
    out
}

fn ruleset_fact(data: Firewall, from_file: bool, declared: Option<Location>) -> Fact {
    let subject = Subject::new(FactKind::Firewall, data.source.clone()).with_label("backend", data.backend.clone());
    let mut locations = std::collections::BTreeMap::new();
    let shared: std::sync::Arc<str> = std::sync::Arc::from(data.source.as_str());
    if from_file {
        for p in &data.ports {
            if let Some(line) = p.decided_by.as_ref().and_then(|r| r.line) {
                locations
                    .insert(format!("ports.{}", port_key(p.port, p.port_end)), Location::line(&shared, line as u32));
            }
        }
        for p in &data.published {
            if let Some(line) = p.rule.line {
                locations.insert(format!("published.{}", p.port), Location::line(&shared, line as u32));
            }
        }
    }
    let origin = from_file.then(|| Location::file(&shared));
    let mut fact = Fact::new(subject, FactData::Firewall(data));
    fact.origin = origin;
    fact.declared_in = declared;
    fact.locations = locations;
    fact
}

/// `22` or `8000-8080`: the key rules use for a port decision.
pub fn port_key(a: i64, b: i64) -> String {
    if a == b {
        a.to_string()
    } else {
        format!("{a}-{b}")
    }
}

async fn scan_target(target: &PortScanTarget, declared: Option<&Location>) -> (Vec<Fact>, Vec<ScanError>) {
    let host = target.host.trim();
    let err =
        |kind, msg: String| ScanError::new(SOURCE, if host.is_empty() { "[[firewall.scan]]" } else { host }, kind, msg);
    let ports = match crate::config::ports::parse(target.ports_spec()) {
        Ok(p) => Arc::new(p),
        Err(e) => return (Vec::new(), vec![err(ErrorKind::Config, format!("ports: {e}"))]),
    };
    let addrs = match addresses(host).await {
        Ok(a) => a,
        Err((kind, msg)) => return (Vec::new(), vec![err(kind, msg)]),
    };
    let timeout = target.timeout();
    let concurrency =
        scan::fitting_concurrency(target.concurrency.unwrap_or(PortScanTarget::DEFAULT_CONCURRENCY).max(1));
    let mut facts = Vec::new();
    let mut errors = Vec::new();
    for addr in addrs {
        let name = if host == addr.to_string() { host.to_string() } else { format!("{host} ({addr})") };
        let result = scan::scan_on_own_thread(addr, ports.clone(), timeout, concurrency).await;
        let target_err = |kind, msg: String| ScanError::new(SOURCE, &name, kind, msg);
        if let Some(why) = &result.unreachable {
            errors.push(target_err(ErrorKind::Unreachable, format!("no route to the host: {why}")));
            continue;
        }
        if result.open.is_empty() && result.closed.is_empty() && !result.filtered.is_empty() {
            errors.push(target_err(
                ErrorKind::Timeout,
                format!(
                    "none of {} ports answered within {} ms: the host is down or drops everything, \
                     so nothing can be said about what it exposes",
                    result.filtered.len(),
                    timeout.as_millis()
                ),
            ));
        }
        if let Some((port, why)) = result.failures.first() {
            errors.push(target_err(
                ErrorKind::Io,
                format!(
                    "{} ports could not be probed (first: {port}: {why}); they are missing from the results",
                    result.failures.len()
                ),
            ));
        }
        let data = PortScan {
            host: host.to_string(),
            address: addr.to_string(),
            ports: target.ports_spec().to_string(),
            scanned: ports.len() as i64,
            open: result.open.iter().map(|p| i64::from(*p)).collect(),
            closed: ports::ranges(&result.closed),
            closed_count: result.closed.len() as i64,
            filtered: ports::ranges(&result.filtered),
            filtered_count: result.filtered.len() as i64,
            expect_open: target.expect_open.iter().map(|p| i64::from(*p)).collect(),
            timeout_ms: timeout.as_millis() as i64,
            concurrency: concurrency as i64,
        };
        let mut fact = Fact::new(Subject::new(FactKind::PortScan, name), FactData::PortScan(data));
        fact.declared_in = declared.cloned();
        facts.push(fact);
    }
    (facts, errors)
}

/// The addresses a scan target names: one address, a CIDR range, or a
/// name's first address (IPv4 preferred, as nmap does).
async fn addresses(host: &str) -> Result<Vec<IpAddr>, (ErrorKind, String)> {
    if host.is_empty() {
        return Err((ErrorKind::Config, "a scan target needs a host".into()));
    }
    if let Ok(ip) = host.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>() {
        return Ok(vec![ip]);
    }
    if let Ok(net) = host.parse::<IpNet>() {
        let size = 1u128 << u32::from(net.max_prefix_len() - net.prefix_len()).min(127);
        if size > u128::from(MAX_HOSTS) {
            return Err((ErrorKind::Config, format!("{host} spans {size} addresses; at most {MAX_HOSTS} are scanned")));
        }
        return Ok(if net.prefix_len() == net.max_prefix_len() { vec![net.addr()] } else { net.hosts().collect() });
    }
    match tokio::time::timeout(RESOLVE_TIMEOUT, tokio::net::lookup_host((host, 0))).await {
        Err(_) => Err((ErrorKind::Timeout, format!("name did not resolve within {} s", RESOLVE_TIMEOUT.as_secs()))),
        Ok(Err(e)) => Err((ErrorKind::Unreachable, format!("name does not resolve: {e}"))),
        Ok(Ok(found)) => {
            let all: Vec<IpAddr> = found.map(|a| a.ip()).collect();
            let first = all.iter().find(|a| a.is_ipv4()).or(all.first()).copied();
            first.map(|a| vec![a]).ok_or((ErrorKind::Unreachable, "name has no address".into()))
        }
    }
}
