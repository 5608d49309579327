//! Record data as text for facts, and the pieces checks read out of it.

use std::net::IpAddr;

use hickory_resolver::proto::rr::rdata::{CNAME, MX};
use hickory_resolver::proto::rr::{Name, RData, Record};

use super::names::display;

/// `owner TYPE data`, names without the trailing dot.
pub fn record_text(record: &Record) -> String {
    format!("{} {} {}", display(&record.name), record.record_type(), rdata_text(&record.data))
}

pub fn rdata_text(data: &RData) -> String {
    match data {
        RData::A(a) => a.0.to_string(),
        RData::AAAA(aaaa) => aaaa.0.to_string(),
        RData::CNAME(CNAME(target)) => display(target),
        RData::NS(ns) => display(&ns.0),
        RData::PTR(ptr) => display(&ptr.0),
        RData::MX(mx) => mx_text(mx),
        RData::TXT(_) => format!("{:?}", txt_string(data).unwrap_or_default()),
        RData::SOA(soa) => format!("{} {} {}", display(&soa.mname), display(&soa.rname), soa.serial),
        other => other.to_string(),
    }
}

pub fn mx_text(mx: &MX) -> String {
    format!("{} {}", mx.preference, display(&mx.exchange))
}

/// A TXT record's character-strings joined without separators, as SPF and
/// DMARC read them (RFC 7208 §3.3).
pub fn txt_string(data: &RData) -> Option<String> {
    match data {
        RData::TXT(txt) => Some(txt.txt_data.iter().map(|part| String::from_utf8_lossy(part)).collect()),
        _ => None,
    }
}

pub fn address(data: &RData) -> Option<IpAddr> {
    match data {
        RData::A(a) => Some(IpAddr::V4(a.0)),
        RData::AAAA(aaaa) => Some(IpAddr::V6(aaaa.0)),
        _ => None,
    }
}

pub fn cname_target(data: &RData) -> Option<&Name> {
    match data {
        RData::CNAME(CNAME(target)) => Some(target),
        _ => None,
    }
}
