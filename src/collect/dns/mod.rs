//! DNS collector: resolves each `[[dns]]` domain (and `--domain`) and
//! records what its records are next to what the config expects.
//!
//! Domains are checked concurrently; queries in flight are bounded over all
//! of them (`[resolver] concurrency`) and each has a timeout. Nothing is
//! cached between domains. A query that goes unanswered (timeout, SERVFAIL,
//! REFUSED, unreachable server) is a scan error for its domain, never a
//! finding.

mod book;
mod caa;
mod chase;
mod config_lines;
pub(crate) mod dmarc;
mod dnssec;
mod domain;
mod email;
mod errors;
mod expect;
mod names;
mod plan;
mod query;
mod records;
pub(crate) mod spf;

use std::collections::BTreeMap;
use std::sync::Arc;

use futures::stream::{self, StreamExt};
use tokio::sync::Semaphore;

use super::{CollectContext, Collected};
use crate::diagnostics::{ErrorKind, ScanError};
use crate::facts::{Fact, FactData, FactKind, Subject};
use config_lines::ConfigText;
use names::display;
use query::{Querier, Servers};

/// Why a domain has no fact.
enum Failure {
    /// Its resolvers could not be set up.
    Config(String),
    /// A contained fault while checking it (domain, description).
    Panicked(String, String),
}

pub async fn collect(ctx: &CollectContext<'_>) -> Collected {
    let config = ctx.config;
    let mut out = Collected::default();
    if config.dns.is_empty() {
        return out;
    }
    // A file read: on the blocking pool, not on an async worker.
    let text = match config.source.clone() {
        Some(source) => {
            let entries = config.target_lines.dns.clone();
            tokio::task::spawn_blocking(move || ConfigText::read(&source, entries)).await.ok().flatten()
        }
        None => None,
    };
    let mut plans = Vec::new();
    for (index, entry) in config.dns.iter().enumerate() {
        let lines = text.as_ref().and_then(|t| t.entry(index));
        match plan::build(config, index, entry, lines.as_ref()) {
            Ok(p) => plans.push(p),
            Err(problems) => {
                let target = if entry.domain.trim().is_empty() {
                    format!("[[dns]] entry {}", index + 1)
                } else {
                    entry.domain.clone()
                };
                let error = ScanError::new("dns", target, ErrorKind::Config, problems.join("; "));
                let declared = config.target_lines.dns.get(index).and_then(|l| config.declared_at(Some(*l)));
                out.error(error.at_declared(declared.as_ref()));
            }
        }
    }

    // One pool per set of servers, shared by the domains that use it.
    let concurrency = config.resolver.concurrency();
    let permits = Arc::new(Semaphore::new(concurrency));
    let mut queriers: BTreeMap<Servers, Result<Querier, String>> = BTreeMap::new();
    for plan in &plans {
        queriers
            .entry(plan.servers.clone())
            .or_insert_with(|| Querier::new(&plan.servers, config.resolver.timeout(), permits.clone()));
    }

    let queriers = &queriers;
    let plans = &plans;
    // Indices, not `&Plan` items: see `docker::swarm::service_images`.
    let results: Vec<_> = stream::iter(0..plans.len())
        .map(|i| async move {
            // Every index is one of `plans`; `None` cannot happen.
            let Some(plan) = plans.get(i) else { return Err(Failure::Config(String::new())) };
            match &queriers[&plan.servers] {
                Ok(querier) => {
                    let name = display(&plan.domain);
                    let check = async {
                        crate::contain::test_trigger(&name);
                        domain::check(querier, plan).await
                    };
                    crate::contain::catch_future(check).await.map_err(|d| Failure::Panicked(name, d))
                }
                Err(e) => Err(Failure::Config(e.clone())),
            }
        })
        .buffered(concurrency)
        .collect()
        .await;

    for (plan, result) in plans.iter().zip(results) {
        match result {
            Ok(data) => {
                out.errors.extend(errors::for_domain(&data, plan.declared_in.as_ref()));
                let subject = Subject::new(FactKind::DnsDomain, display(&plan.domain))
                    .with_label("nameservers", data.nameservers.join(", "));
                let mut fact = Fact::new(subject, FactData::DnsDomain(data));
                fact.locations = plan.locations.clone();
                // Checks without a setting of their own (CAA is on by
                // default, email follows MX) point at the entry itself.
                fact.declare_in(plan.declared_in.clone(), &["records", "cnames", "caa", "email", "dnssec"]);
                out.facts.push(fact);
            }
            Err(Failure::Config(message)) => {
                let error = ScanError::new("dns", display(&plan.domain), ErrorKind::Config, message);
                out.error(error.at_declared(plan.declared_in.as_ref()));
            }
            Err(Failure::Panicked(name, description)) => out.merge(super::panicked("dns", &name, &description)),
        }
    }
    out
}
