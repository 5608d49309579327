//! DNSSEC presence: a DNSKEY at the zone apex, a DS for it at the parent,
//! RRSIGs on answers asked with the DO bit. Validation is the resolver's job;
//! its verdict (the AD flag) is recorded, not recomputed.

use hickory_resolver::proto::rr::{Name, RecordType};

use super::book::Book;
use crate::facts::dns::DnssecCheck;

pub async fn check(book: &Book<'_>, domain: &Name, zone: Option<&Name>, required: bool) -> DnssecCheck {
    let mut out = DnssecCheck { required, ..DnssecCheck::default() };
    let Some(zone) = zone else {
        return out;
    };
    let (soa, address, dnskey) = futures::join!(
        book.ask(domain, RecordType::SOA),
        book.ask(domain, RecordType::A),
        book.ask(zone, RecordType::DNSKEY)
    );
    out.dnskey = dnskey.records_of(RecordType::DNSKEY).next().is_some();
    out.signed = [&soa, &address, &dnskey].iter().any(|a| a.signed());
    out.authenticated = [&soa, &address, &dnskey].iter().any(|a| a.authenticated);
    out.determined = dnskey.status.is_answer();
    // DS only matters for a signed zone; asking it of an unsigned one would
    // only add a query an authoritative-only server may refuse.
    if out.dnskey {
        let ds = book.ask(zone, RecordType::DS).await;
        out.ds = ds.records_of(RecordType::DS).next().is_some();
        out.authenticated |= ds.authenticated;
        out.determined &= ds.status.is_answer();
    }
    for (present, what) in [(out.dnskey, "DNSKEY"), (out.signed, "RRSIG"), (out.ds, "DS")] {
        if !present {
            out.missing.push(what.to_string());
        }
    }
    out
}
