//! One target from start to fact: resolve, probe the versions, enumerate
//! the suites of each accepted one, read and judge the certificate chain.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use futures::future::join_all;
use futures::FutureExt;
use rustls::RootCertStore;

use super::probe::{Enumeration, Limits, Prober, VersionProbe};
use super::version::Version;
use super::wire::{Answer, WireError};
use super::{cert, chain13, suites, target};
use crate::collect::Collected;
use crate::config::TlsTarget;
use crate::diagnostics::{ErrorKind, ScanError};
use crate::facts::tls::{ProtocolResult, TlsEndpoint, WeakSuiteClass};
use crate::facts::{Fact, FactData, FactKind, Location, Subject};

/// Location keys rules point at; for a target from the config they all lead
/// to its `[[tls]]` entry.
const FIELDS: [&str; 3] = ["protocols", "ciphers", "certificate"];

pub async fn audit(
    t: &TlsTarget,
    declared_in: Option<Location>,
    roots: impl Future<Output = Result<Arc<RootCertStore>, String>>,
    limits: Limits,
    now: i64,
) -> Collected {
    let name = t.target.trim().to_string();
    let error = |kind: ErrorKind, message: String| {
        let e = ScanError::new("tls", &name, kind, message);
        e.at_declared(declared_in.as_ref())
    };
    let (host, port) = match target::split(&name) {
        Ok(hp) => hp,
        Err(e) => {
            let mut out = Collected::default();
            out.error(error(ErrorKind::Config, format!("not HOST:PORT: {e}")));
            return out;
        }
    };
    let sni = t.sni.clone().filter(|s| !s.trim().is_empty()).unwrap_or_else(|| host.clone());
    // The trust store loads while the endpoint is probed: only the chain
    // check needs it. A CA bundle that cannot be used is a config error and
    // the endpoint's only result, as when the store was read first; probes
    // still in flight are dropped.
    let probing = probe(&name, &host, port, &sni, limits, &error).map(Ok);
    let (roots, Probed { mut out, found }) = match futures::future::try_join(roots, probing).await {
        Ok(both) => both,
        Err(e) => {
            let mut out = Collected::default();
            out.error(error(ErrorKind::Config, e));
            return out;
        }
    };
    let Some((mut fact, chain)) = found else { return out };
    if let Some(chain) = chain {
        if let Some(p) = judge_chain(&mut fact, chain, &sni, &roots, now).await {
            out.error(error(ErrorKind::Malformed, p));
        }
    }

    let subject = Subject::new(FactKind::TlsEndpoint, &name).with_label("sni", &sni);
    let mut f = Fact::new(subject, FactData::TlsEndpoint(fact));
    f.declare_in(declared_in, &FIELDS);
    out.facts.push(f);
    out
}

/// The certificates and the chain's verdict into `fact`; the problem that
/// kept the chain from being read fully, if any.
async fn judge_chain(
    fact: &mut TlsEndpoint,
    chain: Vec<Vec<u8>>,
    sni: &str,
    roots: &Arc<RootCertStore>,
    now: i64,
) -> Option<String> {
    // Path building and signature checks are CPU work: off the async
    // workers, so other targets' handshakes keep their deadlines.
    let (sni, roots) = (sni.to_string(), roots.clone());
    let analysed = tokio::task::spawn_blocking(move || cert::analyse(&chain, &sni, &roots, now)).await;
    let (certs, status, problem) = match analysed {
        Ok(result) => result,
        Err(e) => std::panic::resume_unwind(e.into_panic()),
    };
    fact.certificates = certs;
    fact.certificate = status;
    problem
}

/// What the probes found: the errors so far and, unless the endpoint
/// could not be audited, its fact without the certificate verdicts and
/// the chain to judge.
struct Probed {
    out: Collected,
    found: Option<(TlsEndpoint, Option<Vec<Vec<u8>>>)>,
}

/// Resolves, probes the versions, enumerates the suites of each accepted
/// one (reading the chain meanwhile) and classifies what was accepted.
async fn probe(
    name: &str,
    host: &str,
    port: u16,
    sni: &str,
    limits: Limits,
    error: &(dyn Fn(ErrorKind, String) -> ScanError + Sync),
) -> Probed {
    let mut out = Collected::default();
    let timeout = limits.timeout;
    let addr = match target::resolve(host, port, timeout).await {
        Ok(a) => a,
        Err(e) => {
            out.error(error(ErrorKind::Unreachable, e));
            return Probed { out, found: None };
        }
    };
    let prober = Prober { addr, sni: Some(sni.to_string()), limits };

    let probes = prober.versions().await;
    if let Some((kind, message)) = unusable(&probes, timeout) {
        out.error(error(kind, message));
        return Probed { out, found: None };
    }
    // A version whose probe broke the protocol is not accepted, and the
    // scan says so: the verdict for it is unknown, not "off".
    for p in &probes {
        if let Err(e) = &p.result {
            out.error(error(ErrorKind::Malformed, format!("{} probe: {e}", p.version.name())));
        }
    }

    let accepted: Vec<(Version, u16)> =
        probes.iter().filter_map(|p| p.accepted_suite().map(|s| (p.version, s))).collect();
    let (enumerations, chain) = enumerate(&prober, &probes, &accepted, sni).await;

    let mut fact =
        TlsEndpoint { target: name.to_string(), address: addr.to_string(), sni: sni.to_string(), ..Default::default() };
    let all_suites = protocols(&mut fact, &probes, &accepted, &enumerations, &mut |version, reason| {
        out.error(error(ErrorKind::Timeout, format!("{} cipher suite list is incomplete: {reason}", version.name())));
    });
    classify(&mut fact, &accepted, all_suites);

    let chain = chain.unwrap_or_else(|e| {
        out.error(error(ErrorKind::Malformed, format!("certificate chain not read: {e}")));
        None
    });
    Probed { out, found: Some((fact, chain)) }
}

/// The suites of each accepted version, in `accepted`'s order, and the
/// certificate chain, fetched while the suites are enumerated: from the
/// highest clear-text handshake, else over TLS 1.3.
async fn enumerate(
    prober: &Prober,
    probes: &[VersionProbe],
    accepted: &[(Version, u16)],
    sni: &str,
) -> (Vec<Enumeration>, Result<Option<Vec<Vec<u8>>>, String>) {
    let clear_chain = probes
        .iter()
        .rev()
        .filter(|p| p.accepted_suite().is_some())
        .filter_map(|p| p.result.as_ref().ok())
        .find(|ex| !ex.chain.is_empty())
        .map(|ex| ex.chain.clone());
    let tls13 = accepted.iter().any(|(v, _)| *v == Version::Tls13);
    let chain = async {
        match clear_chain {
            Some(c) => Ok(Some(c)),
            None if tls13 => chain13::fetch(prober.addr, sni, prober.limits.timeout).await.map(Some),
            None => Ok(None),
        }
    };
    let suites = join_all(accepted.iter().map(|(v, first)| prober.suites(*v, *first)));
    futures::future::join(suites, chain).await
}

/// One result per probed version, in version order, into `fact`; every
/// suite accepted under any version is returned. A version whose suite
/// list stopped early is passed to `incomplete` with the reason.
fn protocols(
    fact: &mut TlsEndpoint,
    probes: &[VersionProbe],
    accepted: &[(Version, u16)],
    enumerations: &[Enumeration],
    incomplete: &mut dyn FnMut(Version, String),
) -> Vec<u16> {
    let mut all_suites: Vec<u16> = Vec::new();
    for p in probes {
        let position = accepted.iter().position(|(v, _)| *v == p.version);
        let enumeration = position.and_then(|i| enumerations.get(i));
        let suites_found = enumeration.map(|e| e.suites.clone()).unwrap_or_default();
        if let Some(reason) = enumeration.and_then(|e| e.incomplete.clone()) {
            incomplete(p.version, reason);
        }
        all_suites.extend(&suites_found);
        fact.protocols.push(ProtocolResult {
            version: p.version.name().to_string(),
            accepted: position.is_some(),
            answer: answer(p),
            suites: suites_found.iter().map(|s| suites::name(*s)).collect(),
        });
    }
    all_suites
}

/// What the server answered a version's ClientHello with.
fn answer(p: &VersionProbe) -> String {
    match &p.result {
        Ok(ex) => match ex.answer {
            Answer::Hello { version, .. } if version == p.version.wire() => "server_hello".to_string(),
            Answer::Hello { version, .. } => format!("other_version {}", super::version::wire_name(version)),
            ref other => other.describe(),
        },
        Err(e) => format!("error: {e}"),
    }
}

/// The verdict inputs: accepted and legacy versions, weak suite classes,
/// forward secrecy, CBC only.
fn classify(fact: &mut TlsEndpoint, accepted: &[(Version, u16)], mut all_suites: Vec<u16>) {
    fact.accepted_protocols = accepted.iter().map(|(v, _)| v.name().to_string()).collect();
    fact.legacy_protocols = accepted.iter().filter(|(v, _)| v.legacy()).map(|(v, _)| v.name().to_string()).collect();
    all_suites.sort_unstable();
    all_suites.dedup();
    for class in suites::WEAK_CLASSES {
        let members: Vec<String> =
            all_suites.iter().filter(|s| suites::in_weak_class(**s, class)).map(|s| suites::name(*s)).collect();
        if !members.is_empty() {
            fact.weak_ciphers.push(WeakSuiteClass { class: class.to_string(), suites: members });
        }
    }
    fact.forward_secrecy = all_suites.iter().any(|s| suites::forward_secret(*s));
    fact.non_forward_secret_suites =
        all_suites.iter().filter(|s| !suites::forward_secret(**s)).map(|s| suites::name(*s)).collect();
    fact.cbc_only = !all_suites.iter().any(|s| suites::aead(*s)) && all_suites.iter().any(|s| suites::cbc(*s));
}

/// When no version probe got a TLS answer at all, the endpoint is not a
/// TLS server we can judge: say why, as one error.
fn unusable(probes: &[VersionProbe], timeout: Duration) -> Option<(ErrorKind, String)> {
    let answered = probes
        .iter()
        .any(|p| matches!(&p.result, Ok(ex) if matches!(ex.answer, Answer::Hello { .. } | Answer::Alert(_))));
    if answered {
        return None;
    }
    // The first failure in version order speaks for all.
    for p in probes {
        match &p.result {
            Err(WireError::Connect { kind, message, addr }) => {
                let kind = match kind {
                    std::io::ErrorKind::PermissionDenied => ErrorKind::Denied,
                    _ => ErrorKind::Unreachable,
                };
                return Some((kind, format!("cannot connect to {addr}: {message}")));
            }
            Err(e @ WireError::ConnectTimeout(_)) => return Some((ErrorKind::Timeout, e.to_string())),
            Err(e) => return Some((ErrorKind::Malformed, e.to_string())),
            Ok(_) => {}
        }
    }
    let answers: Vec<&Answer> = probes.iter().filter_map(|p| p.result.as_ref().ok().map(|ex| &ex.answer)).collect();
    if answers.iter().all(|a| **a == Answer::Timeout) {
        return Some((
            ErrorKind::Timeout,
            format!("accepted the connection but sent nothing within {} ms to any ClientHello", timeout.as_millis()),
        ));
    }
    let resets = answers.iter().filter(|a| ***a == Answer::Reset).count();
    Some((
        ErrorKind::Unreachable,
        if resets > 0 {
            format!("reset the connection during the handshake ({resets} of {} ClientHellos)", answers.len())
        } else {
            "closed the connection without a TLS answer to every ClientHello".to_string()
        },
    ))
}
