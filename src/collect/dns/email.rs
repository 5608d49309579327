//! Whether a domain handles email, and so whether SPF and DMARC matter.
//!
//! A domain is checked when the config says so (`email = true`), when it
//! expects MX hosts, or, with `email` unset, when the domain publishes MX
//! records: it receives mail, so mail claiming to come from it must be
//! checkable. A null MX (`0 .`, RFC 7505) declares the opposite and does not
//! count. `email = false` turns the checks off.

use hickory_resolver::proto::rr::Name;

use super::expect::mx_hosts;
use super::names::display;
use super::query::Answer;

pub struct Applicability {
    pub applies: bool,
    pub reason: String,
    /// `preference host` of the MX records found.
    pub mx: Vec<String>,
}

pub fn applicability(domain: &Name, email: Option<bool>, mx_expected: bool, mx: Option<&Answer>) -> Applicability {
    let hosts: Vec<(u16, Name)> = mx.map(|a| mx_hosts(domain, a)).unwrap_or_default();
    let listed = hosts.iter().map(|(pref, host)| format!("{pref} {}", display(host))).collect();
    let publishes = hosts.iter().any(|(_, host)| !host.is_root());
    let answered = mx.is_some_and(|a| a.status.is_answer());
    let (applies, reason) = match email {
        Some(true) => (true, "email = true in the config"),
        Some(false) => (false, "email = false in the config"),
        None if mx_expected => (true, "MX hosts are expected in the config"),
        None if publishes => (true, "the domain publishes MX records"),
        None if !hosts.is_empty() => (false, "null MX: the domain declares it receives no email"),
        None if answered => (false, "no MX records: the domain does not receive email"),
        None => (false, "the MX lookup failed, so whether the domain handles email is unknown"),
    };
    Applicability { applies, reason: reason.to_string(), mx: listed }
}
