//! TCP connect scan, classified as nmap's `-sT` does: a completed handshake
//! is open, a refusal (RST, ICMP port unreachable) closed, no answer within
//! the timeout (or an ICMP "prohibited") filtered.
//!
//! At most `concurrency` sockets exist at once and the whole scan takes at
//! most ceil(ports / concurrency) timeouts (plus retries of local resource
//! exhaustion). The engine is in `rawscan.rs`.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PortState {
    Open,
    Closed,
    Filtered,
}

#[derive(Debug, Default)]
pub struct ScanResult {
    pub open: Vec<u16>,
    pub closed: Vec<u16>,
    pub filtered: Vec<u16>,
    /// Local failures that left a port unprobed (out of sockets...).
    pub failures: Vec<(u16, String)>,
    /// Network unreachable / no route for every probe.
    pub unreachable: Option<String>,
}

/// Runs the scan ([`super::rawscan`]: raw sockets and one epoll set) on a
/// blocking thread of its own: probes are syscall-bound and need no runtime.
pub async fn scan_on_own_thread(
    addr: IpAddr,
    ports: Arc<Vec<u16>>,
    timeout: Duration,
    concurrency: usize,
) -> ScanResult {
    let run = move || super::rawscan::scan(addr, &ports, timeout, concurrency);
    match tokio::task::spawn_blocking(run).await {
        Ok(result) => result,
        Err(_) => ScanResult { failures: vec![(0, "the scan thread crashed".into())], ..Default::default() },
    }
}

/// Local resource shortages retried this many times before giving up on a port.
pub(super) const RETRIES: u32 = 20;

pub(super) enum Failure {
    /// No route: the host cannot be reached at all from here.
    Unreachable(String),
    /// Our side failed (no sockets, no ephemeral ports left).
    Local(String),
}

/// What a failed connect means for the port.
pub(super) fn classify(e: std::io::Error) -> Result<PortState, Failure> {
    use std::io::ErrorKind as K;
    match e.kind() {
        K::ConnectionRefused | K::ConnectionReset => Ok(PortState::Closed),
        K::TimedOut => Ok(PortState::Filtered),
        // ICMP host/admin prohibited: nmap reports these filtered.
        K::HostUnreachable | K::PermissionDenied => Ok(PortState::Filtered),
        K::NetworkUnreachable => Err(Failure::Unreachable(e.to_string())),
        K::AddrNotAvailable | K::OutOfMemory => Err(Failure::Local(e.to_string())),
        _ => match e.raw_os_error() {
            // EMFILE, ENFILE, ENOBUFS: out of descriptors or buffers.
            Some(24 | 23 | 105) => Err(Failure::Local(e.to_string())),
            _ => Err(Failure::Unreachable(e.to_string())),
        },
    }
}

/// Connections in flight that fit under the open-file limit.
pub fn fitting_concurrency(wanted: usize) -> usize {
    let soft =
        crate::collect::text::read_text(std::path::Path::new("/proc/self/limits"), 64 * 1024).ok().and_then(|text| {
            text.lines()
                .find(|l| l.starts_with("Max open files"))
                .and_then(|l| l.split_whitespace().nth(3))
                .and_then(|v| v.parse::<usize>().ok())
        });
    match soft {
        Some(limit) => wanted.min(limit.saturating_sub(64).max(16)),
        None => wanted,
    }
}
