//! DMARC records (RFC 7489): found at `_dmarc.<domain>`, or for a subdomain
//! without one, at the zone apex, whose `sp` (else `p`) then applies.

use std::collections::BTreeMap;

use hickory_resolver::proto::rr::{Name, RecordType};

use super::book::Book;
use super::names::display;
use super::records::txt_string;
use crate::facts::dns::DmarcCheck;

/// A TXT record is DMARC when its first tag is `v=DMARC1`.
pub fn is_dmarc(text: &str) -> bool {
    let first = text.split(';').next().unwrap_or("");
    match first.split_once('=') {
        Some((k, v)) => k.trim().eq_ignore_ascii_case("v") && v.trim().eq_ignore_ascii_case("DMARC1"),
        None => false,
    }
}

/// Tags of a record, names lowercased, values trimmed.
pub fn tags(text: &str) -> (BTreeMap<String, String>, Vec<String>) {
    let mut tags = BTreeMap::new();
    let mut problems = Vec::new();
    for part in text.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        match part.split_once('=') {
            Some((k, v)) => {
                let key = k.trim().to_ascii_lowercase();
                if tags.insert(key.clone(), v.trim().to_string()).is_some() {
                    problems.push(format!("tag {key:?} appears twice"));
                }
            }
            None => problems.push(format!("{part:?} is not a tag=value pair")),
        }
    }
    (tags, problems)
}

fn policy_value(value: Option<&String>) -> Result<Option<String>, String> {
    match value.map(|v| v.to_ascii_lowercase()) {
        None => Ok(None),
        Some(v) if matches!(v.as_str(), "none" | "quarantine" | "reject") => Ok(Some(v)),
        Some(v) => Err(v),
    }
}

fn uris(value: Option<&String>) -> Vec<String> {
    value.map(|v| v.split(',').map(|u| u.trim().to_string()).filter(|u| !u.is_empty()).collect()).unwrap_or_default()
}

/// Looks the policy up for `domain` (below `zone`, the zone apex).
pub async fn check(book: &Book<'_>, domain: &Name, zone: Option<&Name>) -> DmarcCheck {
    let own = dmarc_name(domain);
    let (mut determined, mut records) = fetch(book, &own).await;
    let mut found_at = own;
    let mut inherited = false;
    if determined && records.is_empty() {
        if let Some(zone) = zone.filter(|z| *z != domain) {
            let apex = dmarc_name(zone);
            let (d, r) = fetch(book, &apex).await;
            determined = d;
            if !r.is_empty() {
                records = r;
                found_at = apex;
                inherited = true;
            }
        }
    }
    let mut out = DmarcCheck { determined, records: records.clone(), inherited, ..DmarcCheck::default() };
    let Some(first) = records.first() else {
        return out;
    };
    out.found_at = Some(display(&found_at));
    let (tags, problems) = tags(first);
    out.problems = problems;
    if records.len() > 1 {
        out.problems.push(format!("{} DMARC records: receivers apply none of them", records.len()));
    }
    out.rua = uris(tags.get("rua"));
    out.ruf = uris(tags.get("ruf"));
    out.pct = tags.get("pct").and_then(|p| p.parse::<i64>().ok());
    let p = policy_value(tags.get("p"));
    let sp = policy_value(tags.get("sp"));
    if let Err(v) = &p {
        out.problems.push(format!("p={v} is not none, quarantine or reject"));
    }
    if let Err(v) = &sp {
        out.problems.push(format!("sp={v} is not none, quarantine or reject"));
    }
    let p = p.ok().flatten();
    out.subdomain_policy = sp.ok().flatten();
    // RFC 7489 §6.6.3: a record without a valid p but with a reporting
    // address is treated as p=none; without either it is no policy at all.
    let base = match p {
        Some(p) => Some(p),
        None if !out.rua.is_empty() => Some("none".to_string()),
        None => None,
    };
    out.policy = if inherited { out.subdomain_policy.clone().or(base) } else { base };
    out.valid = records.len() == 1 && out.policy.is_some();
    out.tags = tags;
    out
}

fn dmarc_name(domain: &Name) -> Name {
    Name::from_ascii("_dmarc").and_then(|label| label.append_domain(domain)).unwrap_or_else(|_| domain.clone())
}

/// DMARC records at `name`, and whether the lookup answered.
async fn fetch(book: &Book<'_>, name: &Name) -> (bool, Vec<String>) {
    let answer = book.ask(name, RecordType::TXT).await;
    let records = answer
        .records_of(RecordType::TXT)
        .filter(|r| r.name == *name)
        .filter_map(|r| txt_string(&r.data))
        .filter(|t| is_dmarc(t))
        .collect();
    (answer.status.is_answer(), records)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dmarc_records_are_recognised() {
        assert!(is_dmarc("v=DMARC1; p=reject"));
        assert!(is_dmarc("v = dmarc1;p=none"));
        assert!(!is_dmarc("p=reject; v=DMARC1"));
        assert!(!is_dmarc("v=spf1 -all"));
    }

    #[test]
    fn tags_parse_and_duplicates_are_reported() {
        let (tags, problems) = tags("v=DMARC1; p=Quarantine; rua=mailto:a@x.test, mailto:b@x.test; p=none; junk");
        assert_eq!(tags["p"], "none");
        assert_eq!(uris(tags.get("rua")), ["mailto:a@x.test", "mailto:b@x.test"]);
        assert_eq!(problems.len(), 2, "{problems:?}");
    }
}
