//! Configured records compared with the live ones.

use std::collections::BTreeSet;
use std::net::IpAddr;

use hickory_resolver::proto::rr::{Name, RecordType};

use super::chase::Resolution;
use super::names::display;
use super::query::Answer;
use super::records::{address, txt_string};
use crate::facts::dns::{DnsStatus, RecordCheck, Verdict};

/// Exactly these addresses (A or AAAA) at the domain.
pub fn addresses(domain: &Name, rtype: RecordType, expected: &[IpAddr], found: &Resolution) -> RecordCheck {
    let found_set: BTreeSet<IpAddr> = found.records.iter().filter_map(|r| address(&r.data)).collect();
    let expected_set: BTreeSet<IpAddr> = expected.iter().copied().collect();
    let verdict = set_verdict(found.status, found_set.is_empty(), found_set == expected_set);
    check(domain, rtype, None, texts(&expected_set), texts(&found_set), found.status, verdict)
}

/// `owner` is an alias for `target` (its first CNAME hop).
pub fn cname(owner: &Name, target: &Name, found: &Resolution) -> RecordCheck {
    let expected = vec![display(target)];
    let (found_values, verdict) = match found.chain.first() {
        Some(first) => (vec![display(first)], if first == target { Verdict::Ok } else { Verdict::Mismatch }),
        None => match found.status {
            // Not an alias at all, but an address of its own.
            DnsStatus::NoError => (
                found.records.iter().filter_map(|r| address(&r.data)).map(|ip| format!("A {ip}")).collect(),
                Verdict::Mismatch,
            ),
            DnsStatus::NoData | DnsStatus::NxDomain => (Vec::new(), Verdict::Missing),
            _ => (Vec::new(), Verdict::Unknown),
        },
    };
    check(owner, RecordType::CNAME, None, expected, found_values, found.status, verdict)
}

/// Each required TXT value is one check: present among the domain's TXT
/// records, or missing.
pub fn txt(domain: &Name, required: &[String], answer: &Answer) -> Vec<RecordCheck> {
    let found: Vec<String> =
        answer.records_of(RecordType::TXT).filter(|r| r.name == *domain).filter_map(|r| txt_string(&r.data)).collect();
    required
        .iter()
        .map(|value| {
            let verdict = if !answer.status.is_answer() {
                Verdict::Unknown
            } else if found.iter().any(|f| f == value) {
                Verdict::Ok
            } else {
                Verdict::Missing
            };
            check(domain, RecordType::TXT, Some(value), vec![value.clone()], found.clone(), answer.status, verdict)
        })
        .collect()
}

/// Exactly these MX hosts (preferences aside).
pub fn mx(domain: &Name, expected: &[Name], answer: &Answer) -> RecordCheck {
    let found: BTreeSet<String> = mx_hosts(domain, answer).into_iter().map(|(_, host)| display(&host)).collect();
    let expected: BTreeSet<String> = expected.iter().map(display).collect();
    let verdict = set_verdict(answer.status, found.is_empty(), found == expected);
    check(
        domain,
        RecordType::MX,
        None,
        expected.into_iter().collect(),
        found.into_iter().collect(),
        answer.status,
        verdict,
    )
}

/// `(preference, host)` of the MX records at `domain`.
pub fn mx_hosts(domain: &Name, answer: &Answer) -> Vec<(u16, Name)> {
    answer
        .records_of(RecordType::MX)
        .filter(|r| r.name == *domain)
        .filter_map(|r| match &r.data {
            hickory_resolver::proto::rr::RData::MX(mx) => Some((mx.preference, mx.exchange.to_lowercase())),
            _ => None,
        })
        .collect()
}

fn set_verdict(status: DnsStatus, found_empty: bool, equal: bool) -> Verdict {
    if !status.is_answer() && found_empty {
        Verdict::Unknown
    } else if found_empty {
        Verdict::Missing
    } else if equal {
        Verdict::Ok
    } else {
        Verdict::Mismatch
    }
}

fn texts<T: ToString>(values: &BTreeSet<T>) -> Vec<String> {
    values.iter().map(ToString::to_string).collect()
}

fn check(
    name: &Name,
    rtype: RecordType,
    value: Option<&str>,
    expected: Vec<String>,
    found: Vec<String>,
    status: DnsStatus,
    verdict: Verdict,
) -> RecordCheck {
    let mut key = format!("{rtype} {}", display(name));
    if let Some(value) = value {
        key = format!("{key} {value}");
    }
    RecordCheck { key, name: display(name), record_type: rtype.to_string(), expected, found, status, verdict }
}
