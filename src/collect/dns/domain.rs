//! Everything asked about one domain, in two rounds: what the config names
//! (SOA, addresses, MX, aliases), then what depends on those answers (the
//! zone apex for CAA and DNSSEC, MX for email, CNAME targets).

use futures::future::{join_all, OptionFuture};
use hickory_resolver::proto::rr::{Name, RecordType};

use super::book::Book;
use super::chase::{follow, Resolution};
use super::names::display;
use super::plan::Plan;
use super::query::{Answer, Querier};
use super::records::{address, txt_string};
use super::{caa, dmarc, dnssec, email, expect, spf};
use crate::facts::dns::{CnameChain, DmarcCheck, DnsDomain, DnsStatus, EmailCheck, SpfCheck};

pub async fn check(querier: &Querier, plan: &Plan) -> DnsDomain {
    let book = Book::new(querier, plan.domain.clone());
    let domain = &plan.domain;
    let aliases = plan.alias_candidates();
    let wants_mx = plan.email != Some(false) || !plan.mx.is_empty();

    let (soa, own_a, own_aaaa, mx, alias_resolutions) = futures::join!(
        book.ask(domain, RecordType::SOA),
        follow(&book, domain, RecordType::A),
        OptionFuture::from((!plan.aaaa.is_empty()).then(|| follow(&book, domain, RecordType::AAAA))),
        OptionFuture::from(wants_mx.then(|| book.ask(domain, RecordType::MX))),
        join_all(aliases.iter().map(|name| follow(&book, name, RecordType::A))),
    );

    let mut out = DnsDomain { domain: display(domain), nameservers: querier.servers.clone(), ..DnsDomain::default() };
    out.caa.required = plan.require_caa;
    out.dnssec.required = plan.require_dnssec;
    if soa.status.is_failure() && own_a.status.is_failure() {
        // The servers do not answer for this domain at all: everything else
        // would only wait for the same timeout again.
        out.email.reason = "not checked: the name servers did not answer".into();
        out.lookups = book.lookups();
        return out;
    }
    let zone = zone_apex(domain, &soa);
    out.zone = zone.as_ref().map(display);
    let email = email::applicability(domain, plan.email, !plan.mx.is_empty(), mx.as_deref());

    // SPF and DMARC are read whenever the config does not turn email checks
    // off: a published `+all` or `p=none` is a finding even on a domain
    // without MX records (spoofed mail does not need the domain to receive
    // any); only the "missing" checks depend on `applies`.
    let read_email = email.applies || plan.email != Some(false);
    let wants_txt = !plan.txt.is_empty() || read_email;
    let (txt, caa, dnssec, chains, email_check) = futures::join!(
        OptionFuture::from(wants_txt.then(|| book.ask(domain, RecordType::TXT))),
        OptionFuture::from(plan.require_caa.then(|| caa::check(&book, domain, zone.as_ref(), true))),
        OptionFuture::from(plan.require_dnssec.then(|| dnssec::check(&book, domain, zone.as_ref(), true))),
        join_all(
            std::iter::once((domain, &own_a))
                .chain(aliases.iter().zip(&alias_resolutions))
                .filter(|(_, r)| !r.chain.is_empty())
                .map(|(name, r)| cname_chain(&book, name, r))
        ),
        OptionFuture::from(read_email.then(|| email_checks(&book, domain, zone.as_ref()))),
    );
    if let Some(caa) = caa {
        out.caa = caa;
    }
    if let Some(dnssec) = dnssec {
        out.dnssec = dnssec;
    }
    out.cnames = chains;
    out.email = EmailCheck { applies: email.applies, reason: email.reason, mx: email.mx, ..EmailCheck::default() };
    if let Some((spf, dmarc)) = email_check {
        out.email.spf = spf;
        out.email.dmarc = dmarc;
    }

    out.records =
        expectations(plan, &own_a, own_aaaa.as_ref(), mx.as_deref(), txt.as_deref(), &aliases, &alias_resolutions);
    out.lookups = book.lookups();
    out
}

/// SPF from the domain's TXT records, DMARC from `_dmarc`, concurrently.
async fn email_checks(book: &Book<'_>, domain: &Name, zone: Option<&Name>) -> (SpfCheck, DmarcCheck) {
    let spf = async {
        let txt = book.ask(domain, RecordType::TXT).await;
        let values: Vec<String> =
            txt.records_of(RecordType::TXT).filter(|r| r.name == *domain).filter_map(|r| txt_string(&r.data)).collect();
        spf::check(book, domain, txt.status, &values).await
    };
    futures::join!(spf, dmarc::check(book, domain, zone))
}

fn expectations(
    plan: &Plan,
    own_a: &Resolution,
    own_aaaa: Option<&Resolution>,
    mx: Option<&Answer>,
    txt: Option<&Answer>,
    aliases: &[Name],
    alias_resolutions: &[Resolution],
) -> Vec<crate::facts::dns::RecordCheck> {
    let domain = &plan.domain;
    let mut records = Vec::new();
    if !plan.a.is_empty() {
        records.push(expect::addresses(domain, RecordType::A, &plan.a, own_a));
    }
    if let (false, Some(aaaa)) = (plan.aaaa.is_empty(), own_aaaa) {
        records.push(expect::addresses(domain, RecordType::AAAA, &plan.aaaa, aaaa));
    }
    for (owner, target) in &plan.cnames {
        let resolution = if owner == domain {
            Some(own_a)
        } else {
            aliases.iter().position(|n| n == owner).and_then(|i| alias_resolutions.get(i))
        };
        if let Some(resolution) = resolution {
            records.push(expect::cname(owner, target, resolution));
        }
    }
    if let (false, Some(txt)) = (plan.txt.is_empty(), txt) {
        records.extend(expect::txt(domain, &plan.txt, txt));
    }
    if let (false, Some(mx)) = (plan.mx.is_empty(), mx) {
        records.push(expect::mx(domain, &plan.mx, mx));
    }
    records
}

/// The chain at `name`, and whether its last target has an address. A
/// target without A records is asked for AAAA before it is called bare.
async fn cname_chain(book: &Book<'_>, name: &Name, resolution: &Resolution) -> CnameChain {
    let mut addresses: Vec<String> =
        resolution.records.iter().filter_map(|r| address(&r.data)).map(|ip| ip.to_string()).collect();
    let mut status = resolution.status;
    if status == DnsStatus::NoData {
        let aaaa = book.ask(&resolution.last, RecordType::AAAA).await;
        addresses.extend(
            aaaa.records_of(RecordType::AAAA)
                .filter(|r| r.name == resolution.last)
                .filter_map(|r| address(&r.data))
                .map(|ip| ip.to_string()),
        );
        if !addresses.is_empty() {
            status = DnsStatus::NoError;
        }
    }
    CnameChain {
        name: display(name),
        chain: resolution.chain.iter().map(display).collect(),
        target: display(&resolution.last),
        target_status: status,
        target_addresses: addresses,
        loop_detected: resolution.loop_detected,
    }
}

/// The owner of the SOA that covers `domain`: in the answer when the domain
/// is the apex, in the authority section otherwise.
fn zone_apex(domain: &Name, soa: &Answer) -> Option<Name> {
    soa.answers
        .iter()
        .chain(&soa.authorities)
        .filter(|r| r.record_type() == RecordType::SOA && r.name.zone_of(domain))
        .map(|r| r.name.to_lowercase())
        .max_by_key(|name| name.num_labels())
}
