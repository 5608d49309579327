//! Unanswered queries become one scan error per domain: the checks that
//! depended on them are incomplete, which is not a finding about the domain.

use crate::diagnostics::{ErrorKind, ScanError};
use crate::facts::dns::{DnsDomain, DnsStatus};
use crate::facts::Location;

/// Failed lookups listed in the message before "and N more".
const LISTED: usize = 4;

pub fn for_domain(fact: &DnsDomain, declared_in: Option<&Location>) -> Option<ScanError> {
    let failed: Vec<_> = fact.lookups.iter().filter(|l| l.status.is_failure()).collect();
    if failed.is_empty() {
        return None;
    }
    let kind = [
        (DnsStatus::Timeout, ErrorKind::Timeout),
        (DnsStatus::Unreachable, ErrorKind::Unreachable),
        (DnsStatus::ServFail, ErrorKind::Unreachable),
        (DnsStatus::Refused, ErrorKind::Denied),
    ]
    .into_iter()
    .find(|(status, _)| failed.iter().any(|l| l.status == *status))
    .map_or(ErrorKind::Malformed, |(_, kind)| kind);
    let mut parts: Vec<String> = failed
        .iter()
        .take(LISTED)
        .map(|l| {
            let detail = match (&l.error, l.status) {
                (Some(e), DnsStatus::Failed) => e.clone(),
                (Some(e), s) if !e.contains(s.as_str()) => format!("{} ({e})", s.as_str()),
                (_, s) => s.as_str().to_string(),
            };
            format!("{} {}: {detail}", l.record_type, l.name)
        })
        .collect();
    if failed.len() > LISTED {
        parts.push(format!("and {} more", failed.len() - LISTED));
    }
    let message = format!(
        "{} of {} queries to {} went unanswered; the checks depending on them are incomplete: {}",
        failed.len(),
        fact.lookups.len(),
        fact.nameservers.join(", "),
        parts.join("; ")
    );
    let error = ScanError::new("dns", &fact.domain, kind, message);
    Some(error.at_declared(declared_in))
}
