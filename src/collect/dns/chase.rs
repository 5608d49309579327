//! Following CNAME chains ourselves, so the chain, where it ends and how the
//! last name answered are all visible. A recursive resolver returns the
//! whole chain in one answer; an authoritative server stops at the edge of
//! its zones, and the next hop is asked separately.

use std::collections::HashSet;

use hickory_resolver::proto::rr::{Name, Record, RecordType};

use super::book::Book;
use super::records::cname_target;
use crate::facts::dns::DnsStatus;

/// Hops followed before giving up, as hickory-resolver's own limit.
pub const MAX_HOPS: usize = 8;

/// Where a name leads for one record type.
#[derive(Debug, Clone)]
pub struct Resolution {
    /// Each CNAME target in turn (empty when the name is not an alias).
    pub chain: Vec<Name>,
    /// The last name reached: the start, or the last target.
    pub last: Name,
    /// How the last name answered for the type.
    pub status: DnsStatus,
    /// Records of the type at the last name.
    pub records: Vec<Record>,
    pub loop_detected: bool,
}

pub async fn follow(book: &Book<'_>, start: &Name, rtype: RecordType) -> Resolution {
    let mut out = Resolution {
        chain: Vec::new(),
        last: start.clone(),
        status: DnsStatus::NotQueried,
        records: Vec::new(),
        loop_detected: false,
    };
    let mut seen: HashSet<Name> = HashSet::from([start.clone()]);
    let mut current = start.clone();
    for _ in 0..=MAX_HOPS {
        let answer = book.ask(&current, rtype).await;
        out.last = current.clone();
        out.status = answer.status;
        if !answer.status.is_answer() {
            return out;
        }
        // Walk the part of the chain this response already carries.
        let mut name = current.clone();
        while let Some(target) =
            answer.answers.iter().filter(|r| r.name == name).find_map(|r| cname_target(&r.data)).map(Name::to_lowercase)
        {
            if !seen.insert(target.clone()) || out.chain.len() >= MAX_HOPS {
                out.loop_detected = true;
                out.last = name;
                out.status = DnsStatus::Failed;
                return out;
            }
            out.chain.push(target.clone());
            name = target;
        }
        out.last = name.clone();
        out.records = answer.records_of(rtype).filter(|r| r.name == name).cloned().collect();
        if !out.records.is_empty() {
            out.status = DnsStatus::NoError;
            return out;
        }
        if name == current {
            out.status = if answer.status == DnsStatus::NoError { DnsStatus::NoData } else { answer.status };
            return out;
        }
        if answer.status == DnsStatus::NxDomain {
            // RFC 6604: NXDOMAIN after a chain is about its last name.
            return out;
        }
        // The chain leaves what this server answered for: ask at its end.
        current = name;
    }
    out.loop_detected = true;
    out.status = DnsStatus::Failed;
    out
}
