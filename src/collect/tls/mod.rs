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
use tokio::sync::Semaphore;

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
    // parsing: done on the blocking pool, not on an async worker.
    let bundles: Vec<Option<std::path::PathBuf>> =
        config.tls.iter().map(|t| t.ca_bundle.as_ref().map(|p| config.resolve_path(p))).collect();
    let stores = tokio::task::spawn_blocking(move || {
        let system = Arc::new(roots::system());
        bundles
            .iter()
            .map(|b| match b {
                Some(path) => roots::with_bundle(&system, path),
                None => Ok(system.clone()),
            })
            .collect::<Vec<_>>()
    })
    .await;
    let mut stores = match stores {
        Ok(s) => s.into_iter(),
        Err(e) => std::panic::resume_unwind(e.into_panic()),
    };
    let permits = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let now = chrono::Utc::now().timestamp();
    let results = join_all(config.tls.iter().enumerate().map(|(index, t)| {
        let declared_in = config.target_lines.tls.get(index).and_then(|l| config.declared_at(Some(*l)));
        let roots = stores.next().unwrap_or_else(|| Err("no trust store".to_string()));
        let timeout = Duration::from_millis(t.timeout_ms.unwrap_or(DEFAULT_TIMEOUT_MS).max(1));
        let audit = endpoint::audit(t, declared_in, roots, permits.clone(), timeout, now);
        super::contained_future("tls", t.target.trim(), audit)
    }))
    .await;
    for part in results {
        out.merge(part);
    }
    out
}
