//! Probing one endpoint: which versions it accepts (one hello per version,
//! concurrently) and which suites it accepts with each (offer a list, note
//! the pick, remove it, offer again until the server refuses).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures::future::{join_all, BoxFuture};
use futures::FutureExt;
use tokio::sync::Semaphore;

use super::hello::client_hello;
use super::suites;
use super::version::Version;
use super::wire::{self, Answer, Exchange, WireError};

/// One version's suite list is split in two each time the server accepts
/// a suite from it, up to 2^3 = 8 lists enumerated side by side: each list
/// finds its own accepted suites, so the union is the server's set whatever
/// the split, and each ends with one refusal (unless it runs empty). A
/// server that accepts many suites is then enumerated in a few rounds, one
/// that accepts a few costs few extra handshakes.
const MAX_SPLITS: u32 = 3;
/// Enumeration lists per protocol version over all targets that splitting
/// stays within. With many targets the connection limit and the servers'
/// CPU bound the time, not round trips: extra lists would only add
/// refusals, so each target gets fewer (8 lists up to 8 targets, 4 up to
/// 16, 2 up to 32, one beyond).
const LISTS_IN_FLIGHT: usize = 64;
/// The shortest list worth splitting: a split costs one more refusal, and
/// halves of one suite save no round.
const MIN_SPLIT: usize = 4;

/// How many times each version's suite list may be split when `targets`
/// endpoints are audited at once.
pub fn splits_for(targets: usize) -> u32 {
    let mut splits = MAX_SPLITS;
    while splits > 0 && targets.saturating_mul(1 << splits) > LISTS_IN_FLIGHT {
        splits -= 1;
    }
    splits
}

pub struct Prober {
    pub addr: SocketAddr,
    pub sni: Option<String>,
    pub limits: Limits,
}

/// What bounds one target's probes.
#[derive(Clone)]
pub struct Limits {
    /// Per connection: connect, hello, answer.
    pub timeout: Duration,
    /// Connections in flight over every endpoint of the scan.
    pub permits: Arc<Semaphore>,
    /// How many times a version's suite list may be split ([`splits_for`]).
    pub max_splits: u32,
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
        let _permit = self.limits.permits.acquire().await.ok();
        let hello = client_hello(version, offer, self.sni.as_deref(), random());
        wire::exchange(self.addr, &hello, want_chain, self.limits.timeout).await
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
        // The version probe's pick was an acceptance: split at once.
        let mut out = if self.limits.max_splits > 0 && rest.len() >= MIN_SPLIT {
            self.split(version, rest, 0).await
        } else {
            self.drain(version, rest, 0).await
        };
        out.suites.push(first);
        // Registry order, so two runs report the same list.
        out.suites.sort_by_key(|s| all.iter().position(|c| c == s).unwrap_or(usize::MAX));
        out
    }

    /// Enumerates the two halves of `offer` (alternate members, so the
    /// server's picks spread over both) side by side.
    fn split(&self, version: Version, offer: Vec<u16>, splits: u32) -> BoxFuture<'_, Enumeration> {
        async move {
            let left: Vec<u16> = offer.iter().step_by(2).copied().collect();
            let right: Vec<u16> = offer.iter().skip(1).step_by(2).copied().collect();
            let (a, b) =
                futures::future::join(self.drain(version, left, splits + 1), self.drain(version, right, splits + 1))
                    .await;
            let mut out = a;
            out.suites.extend(b.suites);
            out.incomplete = out.incomplete.or(b.incomplete);
            out
        }
        .boxed()
    }

    /// Offers `offer`, notes the pick, removes it and offers the rest again
    /// until the server refuses; after a pick, the rest is split while
    /// splits are left.
    fn drain(&self, version: Version, mut offer: Vec<u16>, splits: u32) -> BoxFuture<'_, Enumeration> {
        async move {
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
                            if splits < self.limits.max_splits && offer.len() >= MIN_SPLIT {
                                let rest = self.split(version, offer, splits).await;
                                out.suites.extend(rest.suites);
                                out.incomplete = rest.incomplete;
                                break;
                            }
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
        .boxed()
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

#[cfg(test)]
mod tests {
    use super::splits_for;

    #[test]
    fn fewer_lists_per_target_when_many_are_audited() {
        assert_eq!(splits_for(1), 3);
        assert_eq!(splits_for(8), 3);
        assert_eq!(splits_for(9), 2);
        assert_eq!(splits_for(16), 2);
        assert_eq!(splits_for(17), 1);
        assert_eq!(splits_for(32), 1);
        assert_eq!(splits_for(33), 0);
        assert_eq!(splits_for(100), 0);
    }
}
