//! One target from start to fact: resolve, probe the versions, enumerate
//! the suites of each accepted one, read and judge the certificate chain.

use std::sync::Arc;
use std::time::Duration;

use futures::future::join_all;
use rustls::RootCertStore;
use tokio::sync::Semaphore;

use super::probe::{Prober, VersionProbe};
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
    roots: Result<Arc<RootCertStore>, String>,
    permits: Arc<Semaphore>,
    timeout: Duration,
    now: i64,
) -> Collected {
    let mut out = Collected::default();
    let name = t.target.trim().to_string();
    let error = |kind: ErrorKind, message: String| {
        let e = ScanError::new("tls", &name, kind, message);
        match &declared_in {
            Some(l) => e.at(l.clone()),
            None => e,
        }
    };
    let (host, port) = match target::split(&name) {
        Ok(hp) => hp,
        Err(e) => {
            out.error(error(ErrorKind::Config, format!("not HOST:PORT: {e}")));
            return out;
        }
    };
    let roots = match roots {
        Ok(r) => r,
        Err(e) => {
            out.error(error(ErrorKind::Config, e));
            return out;
        }
    };
    let addr = match target::resolve(&host, port, timeout).await {
        Ok(a) => a,
        Err(e) => {
            out.error(error(ErrorKind::Unreachable, e));
            return out;
        }
    };
    let sni = t.sni.clone().filter(|s| !s.trim().is_empty()).unwrap_or_else(|| host.clone());
    let prober = Prober { addr, sni: Some(sni.clone()), timeout, permits };

    let probes = prober.versions().await;
    if let Some((kind, message)) = unusable(&probes, timeout) {
        out.error(error(kind, message));
        return out;
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
    let enumerations = join_all(accepted.iter().map(|(v, first)| prober.suites(*v, *first))).await;

    let mut fact =
        TlsEndpoint { target: name.clone(), address: addr.to_string(), sni: sni.clone(), ..Default::default() };
    let mut all_suites: Vec<u16> = Vec::new();
    for p in &probes {
        let position = accepted.iter().position(|(v, _)| *v == p.version);
        let answer = match &p.result {
            Ok(ex) => match ex.answer {
                Answer::Hello { version, .. } if version == p.version.wire() => "server_hello".to_string(),
                Answer::Hello { version, .. } => {
                    format!("other_version {}", super::version::wire_name(version))
                }
                ref other => other.describe(),
            },
            Err(e) => format!("error: {e}"),
        };
        let enumeration = position.and_then(|i| enumerations.get(i));
        let suites_found = enumeration.map(|e| e.suites.clone()).unwrap_or_default();
        if let Some(reason) = enumeration.and_then(|e| e.incomplete.clone()) {
            out.error(error(
                ErrorKind::Timeout,
                format!("{} cipher suite list is incomplete: {reason}", p.version.name()),
            ));
        }
        all_suites.extend(&suites_found);
        fact.protocols.push(ProtocolResult {
            version: p.version.name().to_string(),
            accepted: position.is_some(),
            answer,
            suites: suites_found.iter().map(|s| suites::name(*s)).collect(),
        });
    }
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

    // The chain from the highest clear-text handshake, else over TLS 1.3.
    let clear_chain = probes
        .iter()
        .rev()
        .filter(|p| p.accepted_suite().is_some())
        .filter_map(|p| p.result.as_ref().ok())
        .find(|ex| !ex.chain.is_empty())
        .map(|ex| ex.chain.clone());
    let chain = match clear_chain {
        Some(c) => Some(c),
        None if accepted.iter().any(|(v, _)| *v == Version::Tls13) => match chain13::fetch(addr, &sni, timeout).await {
            Ok(c) => Some(c),
            Err(e) => {
                out.error(error(ErrorKind::Malformed, format!("certificate chain not read: {e}")));
                None
            }
        },
        None => None,
    };
    if let Some(chain) = chain {
        let (certs, status, problem) = cert::analyse(&chain, &sni, &roots, now);
        fact.certificates = certs;
        fact.certificate = status;
        if let Some(p) = problem {
            out.error(error(ErrorKind::Malformed, p));
        }
    }

    let subject = Subject::new(FactKind::TlsEndpoint, &name).with_label("sni", &sni);
    let mut f = Fact::new(subject, FactData::TlsEndpoint(fact));
    f.declare_in(declared_in, &FIELDS);
    out.facts.push(f);
    out
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
