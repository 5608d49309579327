//! TLS collector: for each `[[tls]]` target (and `--tls`), what the server
//! accepts on the wire — protocol versions, cipher suites per version — and
//! the certificate chain it sends. Versions and suites are probed with
//! hand-built ClientHellos (see `hello`), so SSLv3 to TLS 1.3 are observed
//! alike; the chain comes from the clear-text TLS 1.2 handshake, or from a
//! rustls TLS 1.3 handshake when the server speaks nothing older.
//!
//! An endpoint that cannot be reached or does not speak TLS is a scan error
//! naming the target, never a finding; the other targets go on.

pub(crate) mod cert;
mod chain13;
mod endpoint;
mod hello;
mod probe;
mod roots;
mod suites;
mod target;
mod version;
pub(crate) mod wire;

use std::sync::Arc;
use std::time::Duration;

use futures::future::join_all;
use tokio::sync::{oneshot, Semaphore};

use super::{CollectContext, Collected};

/// Default per-connection deadline (connect, hello, answer).
pub const DEFAULT_TIMEOUT_MS: u64 = 5_000;
/// Probe connections in flight over all targets: enough for a hundred
/// endpoints at once, few enough not to exhaust file descriptors or look
/// like a flood to the servers.
const MAX_CONNECTIONS: usize = 256;

pub async fn collect(ctx: &CollectContext<'_>) -> Collected {
    let config = ctx.config;
    let mut out = Collected::default();
    if config.tls.is_empty() {
        return out;
    }
    // Reading the system trust store and the CA bundles is file I/O and
    // parsing: done on the blocking pool, not on an async worker, and while
    // the probes run (only the chain check needs it). Each target gets its
    // store through its own channel.
    let bundles: Vec<Option<std::path::PathBuf>> =
        config.tls.iter().map(|t| t.ca_bundle.as_ref().map(|p| config.resolve_path(p))).collect();
    let (senders, receivers): (Vec<_>, Vec<_>) = config.tls.iter().map(|_| oneshot::channel()).unzip();
    let loading = tokio::task::spawn_blocking(move || {
        let system = Arc::new(roots::system());
        for (bundle, sender) in bundles.iter().zip(senders) {
            let store = match bundle {
                Some(path) => roots::with_bundle(&system, path),
                None => Ok(system.clone()),
            };
            // A target that already ended (its host did not parse) no longer listens.
            let _ = sender.send(store);
        }
    });
    let permits = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let max_splits = probe::splits_for(config.tls.len());
    let now = chrono::Utc::now().timestamp();
    let results = join_all(config.tls.iter().zip(receivers).enumerate().map(|(index, (t, receiver))| {
        let declared_in = config.target_lines.tls.get(index).and_then(|l| config.declared_at(Some(*l)));
        let roots = async move {
            // Dropped unsent only when the loading task panicked: re-raised below.
            receiver.await.unwrap_or_else(|_| Err("no trust store".to_string()))
        };
        let timeout = Duration::from_millis(t.timeout_ms.unwrap_or(DEFAULT_TIMEOUT_MS).max(1));
        let limits = probe::Limits { timeout, permits: permits.clone(), max_splits };
        let audit = endpoint::audit(t, declared_in, roots, limits, now);
        super::contained_future("tls", t.target.trim(), audit)
    }))
    .await;
    if let Err(e) = loading.await {
        if e.is_panic() {
            std::panic::resume_unwind(e.into_panic());
        }
    }
    out.extend(results);
    out
}
