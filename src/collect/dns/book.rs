//! The queries of one domain: each (name, type) is asked once per domain
//! and every answer is logged for the fact. Nothing is shared between
//! domains, so one domain's failure can never be replayed as another's.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use hickory_resolver::proto::rr::{Name, RecordType};

use super::names::display;
use super::query::{Answer, Querier};
use super::records::record_text;
use crate::facts::dns::{DnsLookup, DnsStatus};

/// More than any sane domain needs (a full SPF tree, CAA climb and CNAME
/// chains stay well below); stops a hostile zone from making a scan query
/// without end.
const MAX_QUERIES_PER_DOMAIN: usize = 256;

struct Entry {
    seq: usize,
    name: Name,
    rtype: RecordType,
    answer: Option<Arc<Answer>>,
}

pub struct Book<'q> {
    querier: &'q Querier,
    domain: Name,
    entries: Mutex<HashMap<(Name, RecordType), Entry>>,
}

impl<'q> Book<'q> {
    pub fn new(querier: &'q Querier, domain: Name) -> Self {
        Self { querier, domain, entries: Mutex::new(HashMap::new()) }
    }

    /// The answer for `name`/`rtype`, asking only the first time.
    pub async fn ask(&self, name: &Name, rtype: RecordType) -> Arc<Answer> {
        let key = (name.clone(), rtype);
        let first = {
            let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
            match entries.get(&key) {
                Some(Entry { answer: Some(answer), .. }) => return answer.clone(),
                // Asked concurrently by another check: the pool merges
                // identical in-flight queries, so asking again costs nothing.
                Some(_) => false,
                None if entries.len() >= MAX_QUERIES_PER_DOMAIN => {
                    return Arc::new(Answer {
                        status: DnsStatus::Failed,
                        error: Some(format!("more than {MAX_QUERIES_PER_DOMAIN} queries for one domain; stopped")),
                        ..Answer::default()
                    });
                }
                None => {
                    let seq = entries.len();
                    entries.insert(key.clone(), Entry { seq, name: name.clone(), rtype, answer: None });
                    true
                }
            }
        };
        let answer = Arc::new(self.querier.ask(name, rtype, self.wants_dnssec(name, rtype)).await);
        if first {
            let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(entry) = entries.get_mut(&key) {
                entry.answer = Some(answer.clone());
            }
        }
        answer
    }

    /// The DO bit goes on the questions whose RRSIGs tell whether the zone
    /// is signed; elsewhere it would only make answers bigger.
    fn wants_dnssec(&self, name: &Name, rtype: RecordType) -> bool {
        matches!(rtype, RecordType::SOA | RecordType::DNSKEY | RecordType::DS)
            || (rtype == RecordType::A && *name == self.domain)
    }

    /// Every query made, in the order they were issued.
    pub fn lookups(&self) -> Vec<DnsLookup> {
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        let mut ordered: Vec<&Entry> = entries.values().collect();
        ordered.sort_by_key(|e| e.seq);
        ordered
            .into_iter()
            .map(|e| {
                let answer = e.answer.as_deref();
                DnsLookup {
                    name: display(&e.name),
                    record_type: e.rtype.to_string(),
                    status: answer.map_or(DnsStatus::NotQueried, |a| a.status),
                    answers: answer.map(|a| a.answers.iter().map(record_text).collect()).unwrap_or_default(),
                    signed: answer.is_some_and(Answer::signed),
                    authenticated: answer.is_some_and(|a| a.authenticated),
                    error: answer.and_then(|a| a.error.clone()),
                }
            })
            .collect()
    }
}
