//! Probing one endpoint: which versions it accepts (one hello per version,
//! concurrently) and which suites it accepts with each (offer a list, note
//! the pick, remove it, offer again until the server refuses).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures::future::join_all;
use tokio::sync::Semaphore;

use super::hello::client_hello;
use super::suites;
use super::version::Version;
use super::wire::{self, Answer, Exchange, WireError};

/// Suite lists enumerated side by side for one version. Each list finds its
/// own accepted suites, so the union is the server's set; two lists halve
/// the sequential round trips for servers that accept many suites.
const LEGACY_LISTS: usize = 2;

pub struct Prober {
    pub addr: SocketAddr,
    pub sni: Option<String>,
    pub timeout: Duration,
    /// Connections in flight over every endpoint of the scan.
    pub permits: Arc<Semaphore>,
}

/// What one version probe found.
#[derive(Debug, Clone)]
pub struct VersionProbe {
    pub version: Version,
    pub result: Result<Exchange, WireError>,
}

impl VersionProbe {
    /// The suite the server picked when it accepted this very version.
    pub fn accepted_suite(&self) -> Option<u16> {
        match &self.result {
            Ok(Exchange { answer: Answer::Hello { version, suite }, .. }) if *version == self.version.wire() => {
                Some(*suite)
            }
            _ => None,
        }
    }
}

/// The outcome of enumerating one version's suites.
#[derive(Debug, Clone, Default)]
pub struct Enumeration {
    pub suites: Vec<u16>,
    /// Why enumeration stopped early (timeout, reset), if it did.
    pub incomplete: Option<String>,
}

impl Prober {
    async fn send(&self, version: Version, offer: &[u16], want_chain: bool) -> Result<Exchange, WireError> {
        // A closed semaphore cannot happen (it is never closed); proceed
        // without a permit rather than panic if it ever did.
        let _permit = self.permits.acquire().await.ok();
        let hello = client_hello(version, offer, self.sni.as_deref(), random());
        wire::exchange(self.addr, &hello, want_chain, self.timeout).await
    }

    /// One hello per version, all at once. The TLS 1.2-and-earlier probes
    /// also read the certificate chain, which is clear text there.
    pub async fn versions(&self) -> Vec<VersionProbe> {
        join_all(Version::ALL.into_iter().map(|version| async move {
            let offer =
                if version == Version::Tls13 { suites::tls13_candidates() } else { suites::legacy_candidates() };
            let result = self.send(version, offer, version != Version::Tls13).await;
            VersionProbe { version, result }
        }))
        .await
    }

    /// Every suite the server accepts with `version`, starting from the one
    /// it picked in the version probe.
    pub async fn suites(&self, version: Version, first: u16) -> Enumeration {
        let all = if version == Version::Tls13 { suites::tls13_candidates() } else { suites::legacy_candidates() };
        let rest: Vec<u16> = all.iter().copied().filter(|s| *s != first).collect();
        let lists = if version == Version::Tls13 { 1 } else { LEGACY_LISTS };
        let size = rest.len().div_ceil(lists).max(1);
        let parts = join_all(rest.chunks(size).map(|chunk| self.drain(version, chunk.to_vec()))).await;
        let mut out = Enumeration { suites: vec![first], incomplete: None };
        for part in parts {
            out.suites.extend(part.suites);
            out.incomplete = out.incomplete.or(part.incomplete);
        }
        // Registry order, so two runs report the same list.
        out.suites.sort_by_key(|s| all.iter().position(|c| c == s).unwrap_or(usize::MAX));
        out
    }

    async fn drain(&self, version: Version, mut offer: Vec<u16>) -> Enumeration {
        let mut out = Enumeration::default();
        // At most one round per offered suite, whatever the server does.
        for _ in 0..offer.len() {
            if offer.is_empty() {
                break;
            }
            match self.send(version, &offer, false).await {
                Ok(Exchange { answer: Answer::Hello { version: v, suite }, .. }) if v == version.wire() => {
                    if let Some(i) = offer.iter().position(|s| *s == suite) {
                        offer.remove(i);
                        out.suites.push(suite);
                    } else {
                        out.incomplete =
                            Some(format!("the server picked {} which was not offered", suites::name(suite)));
                        break;
                    }
                }
                // A refusal (alert, other version) means none of the rest.
                Ok(Exchange { answer: Answer::Alert(_) | Answer::Hello { .. } | Answer::Closed, .. }) => break,
                Ok(Exchange { answer, .. }) => {
                    out.incomplete = Some(answer.describe());
                    break;
                }
                Err(e) => {
                    out.incomplete = Some(e.to_string());
                    break;
                }
            }
        }
        out
    }
}

/// Client random bytes: unique per hello, not secret (the handshake is
/// abandoned before any key is derived).
fn random() -> [u8; 32] {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    let mut hasher = blake3::Hasher::new();
    hasher.update(&n.to_le_bytes());
    hasher.update(&nanos.to_le_bytes());
    *hasher.finalize().as_bytes()
}
