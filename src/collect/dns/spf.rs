//! SPF records (RFC 7208): which TXT records are SPF, their terms, and how
//! many DNS lookups a receiver makes evaluating them, counted through
//! `include:` and `redirect=` as checkdmarc does.

use std::collections::HashMap;

use futures::future::{join_all, BoxFuture, FutureExt};
use hickory_resolver::proto::rr::{Name, RecordType};

use super::book::Book;
use super::names::{display, parse_full};
use super::records::txt_string;
use crate::facts::dns::{DnsStatus, SpfCheck, SpfInclude, SpfTerm};

/// Include nesting followed; deeper trees are already far over the limit.
const MAX_DEPTH: i64 = 10;
/// Records fetched for one domain's tree.
const MAX_RECORDS: usize = 40;

/// A TXT record is SPF when it starts with `v=spf1` followed by a space or
/// nothing (case-insensitive).
pub fn is_spf(text: &str) -> bool {
    // Bytes, not string slices: a TXT record may hold any UTF-8 (or not).
    let t = text.trim_start().as_bytes();
    t.get(..6).is_some_and(|p| p.eq_ignore_ascii_case(b"v=spf1")) && t.get(6).is_none_or(|&c| c == b' ')
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct SpfRecord {
    pub terms: Vec<SpfTerm>,
    pub problems: Vec<String>,
}

impl SpfRecord {
    pub fn parse(text: &str) -> Self {
        let mut record = SpfRecord::default();
        for raw in text.split_ascii_whitespace().skip(1) {
            match parse_term(raw) {
                Ok(term) => record.terms.push(term),
                Err(problem) => record.problems.push(problem),
            }
        }
        record
    }

    fn mechanism(&self, name: &str) -> Option<&SpfTerm> {
        self.terms.iter().find(|t| !t.qualifier.is_empty() && t.mechanism == name)
    }

    /// The qualifier of `all`, if the record has one.
    pub fn all(&self) -> Option<String> {
        self.mechanism("all").map(|t| t.qualifier.clone())
    }

    /// `redirect=` applies only when the record has no `all` (RFC 7208 §6.1).
    pub fn redirect(&self) -> Option<String> {
        if self.all().is_some() {
            return None;
        }
        self.terms.iter().find(|t| t.qualifier.is_empty() && t.mechanism == "redirect").and_then(|t| t.value.clone())
    }

    pub fn includes(&self) -> impl Iterator<Item = &str> {
        self.terms
            .iter()
            .filter(|t| t.mechanism == "include" && !t.qualifier.is_empty())
            .filter_map(|t| t.value.as_deref())
    }

    /// Lookup terms in this record alone.
    pub fn direct_lookups(&self) -> i64 {
        let mechanisms = self
            .terms
            .iter()
            .filter(|t| {
                !t.qualifier.is_empty() && matches!(t.mechanism.as_str(), "include" | "a" | "mx" | "ptr" | "exists")
            })
            .count() as i64;
        mechanisms + i64::from(self.redirect().is_some())
    }
}

fn parse_term(raw: &str) -> Result<SpfTerm, String> {
    // A modifier is `name=value` with a name that starts with a letter.
    if let Some((name, value)) = raw.split_once('=') {
        let is_name = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if is_name && !name.contains(':') && !name.contains('/') {
            return Ok(SpfTerm {
                qualifier: String::new(),
                mechanism: name.to_ascii_lowercase(),
                value: Some(value.into()),
            });
        }
    }
    let (qualifier, rest) = match raw.strip_prefix(['+', '-', '~', '?']) {
        Some(rest) => (raw.chars().next().map(String::from).unwrap_or_default(), rest),
        None => ("+".to_string(), raw),
    };
    // `name:value` drops the colon, `name/len` keeps the slash in the value.
    let (name, value) = match rest.find([':', '/']).and_then(|i| rest.split_at_checked(i)) {
        Some((name, tail)) => (name, Some(tail.strip_prefix(':').unwrap_or(tail).to_string())),
        None => (rest, None),
    };

    let mechanism = name.to_ascii_lowercase();
    let known = matches!(mechanism.as_str(), "all" | "include" | "a" | "mx" | "ptr" | "ip4" | "ip6" | "exists");
    if !known {
        return Err(format!("unknown term {raw:?}"));
    }
    if matches!(mechanism.as_str(), "include" | "exists" | "ip4" | "ip6") && value.as_deref().is_none_or(str::is_empty)
    {
        return Err(format!("{mechanism} needs a value: {raw:?}"));
    }
    Ok(SpfTerm { qualifier, mechanism, value })
}

/// The SPF check for a domain, given the TXT records at it.
pub async fn check(book: &Book<'_>, domain: &Name, txt_status: DnsStatus, txt: &[String]) -> SpfCheck {
    let records: Vec<String> = txt.iter().filter(|t| is_spf(t)).cloned().collect();
    let mut out = SpfCheck { determined: txt_status.is_answer(), records: records.clone(), ..SpfCheck::default() };
    let Some(first) = records.first() else {
        return out;
    };
    let record = SpfRecord::parse(first);
    out.terms = record.terms.clone();
    out.problems = record.problems.clone();
    out.redirect = record.redirect();

    let mut walk = Walk { book, fetched: HashMap::new(), includes: Vec::new(), complete: true, problems: Vec::new() };
    let mut path = vec![domain.clone()];
    out.lookup_count = walk.count(&record, 0, &mut path).await;
    out.all = match record.all() {
        Some(q) => Some(q),
        None => walk.redirect_all(&record).await,
    };
    out.lookup_count_complete = walk.complete;
    out.includes = walk.includes;
    out.problems.extend(walk.problems);
    out
}

/// Walks an SPF tree, fetching each include target once.
struct Walk<'b, 'q> {
    book: &'b Book<'q>,
    fetched: HashMap<Name, Fetched>,
    includes: Vec<SpfInclude>,
    complete: bool,
    problems: Vec<String>,
}

#[derive(Clone)]
struct Fetched {
    status: DnsStatus,
    record: Option<(String, SpfRecord)>,
}

impl<'b, 'q> Walk<'b, 'q> {
    /// Lookup terms of `record` plus those of everything it includes.
    fn count<'a>(&'a mut self, record: &'a SpfRecord, depth: i64, path: &'a mut Vec<Name>) -> BoxFuture<'a, i64> {
        async move {
            let mut total = record.direct_lookups();
            let mut targets: Vec<(String, String)> =
                record.includes().map(|d| ("include".to_string(), d.to_string())).collect();
            if let Some(redirect) = record.redirect() {
                targets.push(("redirect".to_string(), redirect));
            }
            if targets.is_empty() {
                return total;
            }
            if depth >= MAX_DEPTH {
                self.complete = false;
                self.problems.push(format!("includes nested deeper than {MAX_DEPTH}; not followed further"));
                return total;
            }
            let names: Vec<(String, Option<Name>)> = targets
                .iter()
                .map(|(via, spec)| {
                    let name = if spec.contains('%') { None } else { parse_full(spec).ok() };
                    if name.is_none() {
                        self.problems.push(format!(
                            "{via} target {spec:?} uses a macro or is not a domain name; its lookups are not counted"
                        ));
                    }
                    (via.clone(), name)
                })
                .collect();
            self.fetch(names.iter().filter_map(|(_, n)| n.clone()).collect()).await;
            for (via, name) in names {
                let Some(name) = name else { continue };
                let fetched = self.fetched.get(&name).cloned();
                let mut entry = SpfInclude {
                    domain: display(&name),
                    via: via.clone(),
                    depth: depth + 1,
                    status: fetched.as_ref().map_or(DnsStatus::NotQueried, |f| f.status),
                    ..SpfInclude::default()
                };
                let Some(Fetched { status, record: Some((text, child)) }) = fetched else {
                    self.includes.push(entry);
                    match self.fetched.get(&name).map(|f| f.status) {
                        Some(s) if s.is_answer() => self.problems.push(format!(
                            "{via} target {} has no SPF record (receivers return permerror)",
                            display(&name)
                        )),
                        _ => self.complete = false,
                    }
                    continue;
                };
                entry.status = status;
                entry.record = Some(text);
                entry.lookups = child.direct_lookups();
                self.includes.push(entry);
                if path.contains(&name) {
                    self.problems.push(format!("{via} loop through {}", display(&name)));
                    self.complete = false;
                    continue;
                }
                path.push(name);
                total += self.count(&child, depth + 1, path).await;
                path.pop();
            }
            total
        }
        .boxed()
    }

    /// Fetches the SPF records of `names` not fetched yet, concurrently.
    async fn fetch(&mut self, names: Vec<Name>) {
        let mut wanted: Vec<Name> = Vec::new();
        for name in names {
            if !self.fetched.contains_key(&name) && !wanted.contains(&name) {
                wanted.push(name);
            }
        }
        if self.fetched.len() + wanted.len() > MAX_RECORDS {
            self.complete = false;
            self.problems.push(format!("more than {MAX_RECORDS} SPF records in the tree; not followed further"));
            wanted.truncate(MAX_RECORDS.saturating_sub(self.fetched.len()));
        }
        let book = self.book;
        let answers = join_all(wanted.iter().map(|name| book.ask(name, RecordType::TXT))).await;
        for (name, answer) in wanted.into_iter().zip(answers) {
            let spf: Vec<String> = answer
                .records_of(RecordType::TXT)
                .filter(|r| r.name == name)
                .filter_map(|r| txt_string(&r.data))
                .filter(|t| is_spf(t))
                .collect();
            if spf.len() > 1 {
                self.problems.push(format!("{} has {} SPF records (permerror)", display(&name), spf.len()));
            }
            let record = spf.into_iter().next().map(|text| {
                let parsed = SpfRecord::parse(&text);
                (text, parsed)
            });
            self.fetched.insert(name, Fetched { status: answer.status, record });
        }
    }

    /// The `all` qualifier reached through `redirect=` chains (fetched
    /// already by `count`).
    async fn redirect_all(&mut self, record: &SpfRecord) -> Option<String> {
        let mut current = record.clone();
        for _ in 0..MAX_DEPTH {
            let name = parse_full(&current.redirect()?).ok()?;
            let (_, next) = self.fetched.get(&name)?.record.clone()?;
            if let Some(q) = next.all() {
                return Some(q);
            }
            current = next;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spf_records_are_recognised() {
        assert!(is_spf("v=spf1 -all"));
        assert!(is_spf("V=SPF1 include:x.test ~all"));
        assert!(is_spf("v=spf1"));
        assert!(!is_spf("v=spf10 -all"));
        assert!(!is_spf("google-site-verification=abc"));
        assert!(!is_spf("v=spé1 -all"), "multi-byte text near the prefix must not panic");
        assert!(!is_spf("v=sp"));
    }

    #[test]
    fn terms_qualifiers_and_modifiers_parse() {
        let r = SpfRecord::parse("v=spf1 ip4:192.0.2.0/24 a mx/24 -include:_spf.x.test ~all exp=explain.x.test");
        let got: Vec<(&str, &str, Option<&str>)> =
            r.terms.iter().map(|t| (t.qualifier.as_str(), t.mechanism.as_str(), t.value.as_deref())).collect();
        assert_eq!(
            got,
            [
                ("+", "ip4", Some("192.0.2.0/24")),
                ("+", "a", None),
                ("+", "mx", Some("/24")),
                ("-", "include", Some("_spf.x.test")),
                ("~", "all", None),
                ("", "exp", Some("explain.x.test")),
            ]
        );
        assert_eq!(r.all().as_deref(), Some("~"));
        assert!(r.problems.is_empty());
    }

    #[test]
    fn lookup_terms_are_counted_and_redirect_only_without_all() {
        let r =
            SpfRecord::parse("v=spf1 a mx ptr exists:%{i}.x.test include:a.test ip4:192.0.2.1 ip6:2001:db8::1 -all");
        assert_eq!(r.direct_lookups(), 5);
        assert_eq!(SpfRecord::parse("v=spf1 a redirect=_spf.x.test").direct_lookups(), 2);
        assert_eq!(SpfRecord::parse("v=spf1 a redirect=_spf.x.test -all").direct_lookups(), 1);
        assert_eq!(SpfRecord::parse("v=spf1 all").all().as_deref(), Some("+"));
    }

    #[test]
    fn bad_terms_are_problems_not_panics() {
        let r = SpfRecord::parse("v=spf1 include: foo:bar ip4 +all");
        assert_eq!(r.problems.len(), 3, "{:?}", r.problems);
        assert_eq!(r.all().as_deref(), Some("+"));
    }
}
