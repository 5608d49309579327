//! TCP connect scan, classified as nmap's `-sT` does: a completed handshake
//! is open, a refusal (RST, ICMP port unreachable) closed, no answer within
//! the timeout (or an ICMP "prohibited") filtered.
//!
//! Probes run on a fixed pool of tasks pulling the next port from a shared
//! counter, so at most `concurrency` sockets exist at once and the whole scan
//! takes at most ceil(ports / concurrency) timeouts (plus retries of local
//! resource exhaustion).

use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpSocket;

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

/// Runs [`scan`] on a single-threaded runtime of its own: probes are
/// syscall-bound, and keeping their wakeups on one thread (no work stealing,
/// no cross-thread notifications) costs less CPU than sharing the
/// collectors' runtime, which matters most on a busy machine.
pub async fn scan_on_own_thread(
    addr: IpAddr,
    ports: Arc<Vec<u16>>,
    timeout: Duration,
    concurrency: usize,
) -> ScanResult {
    let run = move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map(|runtime| runtime.block_on(scan(addr, ports, timeout, concurrency)))
    };
    match tokio::task::spawn_blocking(run).await {
        Ok(Ok(result)) => result,
        Ok(Err(e)) => {
            ScanResult { failures: vec![(0, format!("cannot start the scan runtime: {e}"))], ..Default::default() }
        }
        Err(_) => ScanResult { failures: vec![(0, "the scan thread crashed".into())], ..Default::default() },
    }
}

/// Local resource shortages retried this many times before giving up on a port.
const RETRIES: u32 = 20;

pub async fn scan(addr: IpAddr, ports: Arc<Vec<u16>>, timeout: Duration, concurrency: usize) -> ScanResult {
    let next = Arc::new(AtomicUsize::new(0));
    let workers = concurrency.clamp(1, ports.len().max(1));
    let mut tasks = Vec::with_capacity(workers);
    for _ in 0..workers {
        let next = next.clone();
        let ports = ports.clone();
        tasks.push(tokio::spawn(async move {
            let mut local = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(&port) = ports.get(i) else { break };
                local.push((port, probe(SocketAddr::new(addr, port), timeout).await));
            }
            local
        }));
    }
    let mut result = ScanResult::default();
    let mut unreachable = 0usize;
    let mut last_unreachable = String::new();
    for task in tasks {
        let Ok(local) = task.await else {
            result.failures.push((0, "a probe task crashed".into()));
            continue;
        };
        for (port, outcome) in local {
            match outcome {
                Ok(PortState::Open) => result.open.push(port),
                Ok(PortState::Closed) => result.closed.push(port),
                Ok(PortState::Filtered) => result.filtered.push(port),
                Err(Failure::Unreachable(m)) => {
                    unreachable += 1;
                    last_unreachable = m;
                    result.filtered.push(port);
                }
                Err(Failure::Local(m)) => result.failures.push((port, m)),
            }
        }
    }
    if unreachable > 0 && unreachable == ports.len() {
        result.unreachable = Some(last_unreachable);
    }
    result.open.sort_unstable();
    result.closed.sort_unstable();
    result.filtered.sort_unstable();
    result.failures.sort();
    result
}

enum Failure {
    /// No route: the host cannot be reached at all from here.
    Unreachable(String),
    /// Our side failed (no sockets, no ephemeral ports left).
    Local(String),
}

async fn probe(addr: SocketAddr, timeout: Duration) -> Result<PortState, Failure> {
    let mut attempt = 0;
    loop {
        match try_connect(addr, timeout).await {
            Err(Failure::Local(_)) if attempt < RETRIES => {
                attempt += 1;
                tokio::time::sleep(Duration::from_millis(5 * u64::from(attempt))).await;
            }
            other => return other,
        }
    }
}

async fn try_connect(addr: SocketAddr, timeout: Duration) -> Result<PortState, Failure> {
    use std::io::ErrorKind as K;
    let socket = if addr.is_ipv4() { TcpSocket::new_v4() } else { TcpSocket::new_v6() };
    let socket = socket.map_err(|e| Failure::Local(format!("cannot open a socket: {e}")))?;
    match tokio::time::timeout(timeout, socket.connect(addr)).await {
        Err(_) => Ok(PortState::Filtered),
        Ok(Ok(stream)) => {
            // Scanning our own loopback, the kernel can pick the probed port
            // as the ephemeral source port and connect the socket to itself
            // (TCP simultaneous open): nothing listens there.
            let own = matches!((stream.local_addr(), stream.peer_addr()), (Ok(l), Ok(p)) if l == p);
            // Close with RST, not FIN: no TIME_WAIT on either side, so a full
            // scan does not use up ephemeral ports. Only open ports need it
            // (a refused connect leaves nothing behind), which saves a
            // system call per closed port.
            let _ = stream.set_zero_linger();
            Ok(if own { PortState::Closed } else { PortState::Open })
        }
        Ok(Err(e)) => match e.kind() {
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
        },
    }
}

/// Connections in flight that fit under the open-file limit.
pub fn fitting_concurrency(wanted: usize) -> usize {
    let soft = std::fs::read_to_string("/proc/self/limits").ok().and_then(|text| {
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
