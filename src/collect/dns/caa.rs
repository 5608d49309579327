//! The CAA search of RFC 8659 §3: the closest CAA RRset at the domain or a
//! name above it. The search stops at the zone apex: above it are public
//! suffixes the domain's owner does not control (and an authoritative-only
//! server would refuse to answer for).

use futures::future::join_all;
use hickory_resolver::proto::rr::{Name, RData, RecordType};

use super::book::Book;
use super::names::{climb, display};
use super::records::rdata_text;
use crate::facts::dns::CaaCheck;

pub async fn check(book: &Book<'_>, domain: &Name, zone: Option<&Name>, required: bool) -> CaaCheck {
    let mut out = CaaCheck { required, ..CaaCheck::default() };
    // Without the apex the search has no end; the SOA failure behind this is
    // already a scan error.
    let Some(zone) = zone else {
        return out;
    };
    let names = climb(domain, zone);
    out.searched = names.iter().map(display).collect();
    // CAs ask label by label; asking every label at once gives the same
    // answer in one round trip.
    let answers = join_all(names.iter().map(|name| book.ask(name, RecordType::CAA))).await;
    out.determined = true;
    for (name, answer) in names.iter().zip(answers) {
        if !answer.status.is_answer() {
            // Nothing above an unanswered label can be trusted to be the
            // closest.
            out.determined = false;
            return out;
        }
        let records: Vec<&RData> = answer.records_of(RecordType::CAA).map(|r| &r.data).collect();
        if records.is_empty() {
            continue;
        }
        out.found_at = Some(display(name));
        out.records = records.iter().map(|d| rdata_text(d)).collect();
        out.issuers = records
            .iter()
            .filter_map(|d| match d {
                RData::CAA(caa) if caa.tag.eq_ignore_ascii_case("issue") => {
                    Some(String::from_utf8_lossy(&caa.value).trim().to_string())
                }
                _ => None,
            })
            .collect();
        return out;
    }
    out
}
