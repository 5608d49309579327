//! The connect scan's engine: raw non-blocking sockets and one epoll set on a
//! dedicated thread, instead of a tokio `TcpStream` per port.
//!
//! Why: a scan is nothing but system calls, and tokio spends two extra ones
//! per port (epoll_ctl ADD on connect, DEL on drop) plus a `take_error`. Here a
//! closed or open port on a near host costs socket + connect + connect + close:
//! the kernel answers a loopback SYN while the first connect() still holds the
//! socket lock, so by the time it returns EINPROGRESS the handshake or the RST
//! has usually been processed, and a second connect() reports the outcome
//! (0 = established, ECONNREFUSED = refused, EALREADY = still waiting). Only
//! sockets still waiting join the epoll set, and close() removes them from it
//! (no EPOLL_CTL_DEL: the descriptor is never duplicated).
//!
//! Semantics are those of the tokio version it replaces (see `scan.rs`): at
//! most `concurrency` sockets exist at once, every port gets `timeout` from
//! its connect(), local shortages (no descriptors, no ephemeral ports) are
//! retried with a growing pause, and open sockets close with RST.

// The one module that needs unsafe: raw sockets and epoll through libc (std
// has neither non-blocking connect nor epoll). Each unsafe block is allowed
// on its own statement, after its SAFETY note, so new unsafe code elsewhere
// in the module is still refused.

use std::collections::VecDeque;
use std::io;
use std::net::{IpAddr, SocketAddr, TcpStream};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::time::{Duration, Instant};

use super::scan::{classify, Failure, PortState, ScanResult, RETRIES};

/// Scans `ports` of `addr`; blocks the calling thread until done.
pub fn scan(addr: IpAddr, ports: &[u16], timeout: Duration, concurrency: usize) -> ScanResult {
    let mut outcomes = Vec::with_capacity(ports.len());
    let mut engine = match Engine::new(addr, timeout, concurrency) {
        Ok(e) => e,
        Err(e) => {
            return ScanResult { failures: vec![(0, format!("cannot create an epoll set: {e}"))], ..Default::default() }
        }
    };
    engine.run(ports, &mut outcomes);
    collect(ports.len(), outcomes)
}

/// A connect in flight, waiting in the epoll set.
struct Pending {
    fd: OwnedFd,
    /// Tells this connect from a later one reusing the slot.
    seq: u64,
    port: u16,
    attempt: u32,
}

/// A port to probe again after a local shortage, not before `at`.
struct Retry {
    port: u16,
    attempt: u32,
    at: Instant,
}

enum Start {
    Done(Result<PortState, Failure>),
    Waiting(OwnedFd),
    /// Out of descriptors, buffers or ephemeral ports: try again later.
    Short(String),
    /// socket() hit the descriptor limit (EMFILE, ENFILE).
    NoDescriptor(String),
}

struct Engine {
    addr: IpAddr,
    timeout: Duration,
    /// Sockets allowed at once; lowered when the process runs out of descriptors.
    limit: usize,
    epoll: OwnedFd,
    /// Slot per epoll registration (the event's data is the slot index).
    slots: Vec<Option<Pending>>,
    free: Vec<usize>,
    in_flight: usize,
    seq: u64,
    /// (deadline, slot, seq): every connect gets the same timeout, so pushing
    /// at the back keeps the queue sorted by deadline.
    deadlines: VecDeque<(Instant, usize, u64)>,
    retries: VecDeque<Retry>,
}

impl Engine {
    fn new(addr: IpAddr, timeout: Duration, concurrency: usize) -> io::Result<Self> {
        // SAFETY: epoll_create1 takes no pointers; a non-negative result is a
        // new descriptor that nothing else owns, so OwnedFd may close it.
        #[allow(unsafe_code, reason = "epoll(7) has no std wrapper")]
        let fd = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: see above: `fd` is valid and exclusively ours.
        #[allow(unsafe_code, reason = "taking ownership of a descriptor the kernel just created")]
        let epoll = unsafe { OwnedFd::from_raw_fd(fd) };
        Ok(Engine {
            addr,
            timeout,
            limit: concurrency.max(1),
            epoll,
            slots: Vec::new(),
            free: Vec::new(),
            in_flight: 0,
            seq: 0,
            deadlines: VecDeque::new(),
            retries: VecDeque::new(),
        })
    }

    fn run(&mut self, ports: &[u16], out: &mut Vec<(u16, Result<PortState, Failure>)>) {
        let mut next = ports.iter().copied();
        let mut events = vec![libc::epoll_event { events: 0, u64: 0 }; 256];
        let mut exhausted = false;
        loop {
            // Fill up to the limit: due retries first, then fresh ports.
            while self.in_flight < self.limit {
                let now = Instant::now();
                let (port, attempt) = match self.retries.front() {
                    Some(r) if r.at <= now => {
                        let r = self.retries.pop_front().map(|r| (r.port, r.attempt));
                        match r {
                            Some(r) => r,
                            None => break,
                        }
                    }
                    _ => match next.next() {
                        Some(p) => (p, 0),
                        None => {
                            exhausted = true;
                            break;
                        }
                    },
                };
                self.start(port, attempt, out);
            }
            if exhausted && self.in_flight == 0 && self.retries.is_empty() {
                return;
            }
            self.wait(&mut events, out);
            self.expire(out);
        }
    }

    fn start(&mut self, port: u16, attempt: u32, out: &mut Vec<(u16, Result<PortState, Failure>)>) {
        match connect(SocketAddr::new(self.addr, port)) {
            Start::Done(outcome) => out.push((port, outcome)),
            Start::Waiting(fd) => {
                if let Err(e) = self.register(fd, port, attempt) {
                    self.shortage(port, attempt, format!("cannot watch a socket: {e}"), out);
                }
            }
            Start::Short(why) => self.shortage(port, attempt, why, out),
            Start::NoDescriptor(why) => {
                // Allow no more sockets than exist now, so EMFILE does not
                // repeat for every port (only for descriptors: a lack of
                // ephemeral ports is not ours to fix by going slower).
                if self.in_flight > 0 {
                    self.limit = self.limit.min(self.in_flight);
                }
                self.shortage(port, attempt, why, out)
            }
        }
    }

    /// A local shortage: probe the port again later, with a pause that grows
    /// per attempt (as the tokio version did), up to RETRIES times.
    fn shortage(&mut self, port: u16, attempt: u32, why: String, out: &mut Vec<(u16, Result<PortState, Failure>)>) {
        if attempt >= RETRIES {
            out.push((port, Err(Failure::Local(why))));
            return;
        }
        let at = Instant::now() + Duration::from_millis(5 * u64::from(attempt + 1));
        // Pauses grow with the attempt, so keep the queue ordered by time.
        let pos = self.retries.iter().position(|r| r.at > at).unwrap_or(self.retries.len());
        self.retries.insert(pos, Retry { port, attempt: attempt + 1, at });
    }

    fn register(&mut self, fd: OwnedFd, port: u16, attempt: u32) -> io::Result<()> {
        let slot = match self.free.pop() {
            Some(s) => s,
            None => {
                self.slots.push(None);
                self.slots.len() - 1
            }
        };
        let mut event =
            libc::epoll_event { events: (libc::EPOLLOUT | libc::EPOLLERR | libc::EPOLLHUP) as u32, u64: slot as u64 };
        // SAFETY: both descriptors are open (owned by self / by `fd`), and
        // `event` is a valid epoll_event the kernel only reads.
        #[allow(unsafe_code, reason = "epoll(7) has no std wrapper")]
        let rc = unsafe { libc::epoll_ctl(self.epoll.as_raw_fd(), libc::EPOLL_CTL_ADD, fd.as_raw_fd(), &mut event) };
        if rc < 0 {
            self.free.push(slot);
            return Err(io::Error::last_os_error());
        }
        self.seq += 1;
        let Some(entry) = self.slots.get_mut(slot) else {
            // Not reachable (the slot was just taken from `free` or pushed);
            // dropping `fd` closes it, which also takes it out of the set.
            return Err(io::Error::other("socket slot out of range"));
        };
        *entry = Some(Pending { fd, seq: self.seq, port, attempt });

        self.in_flight += 1;
        self.deadlines.push_back((Instant::now() + self.timeout, slot, self.seq));
        Ok(())
    }

    fn release(&mut self, slot: usize) -> Option<Pending> {
        let pending = self.slots.get_mut(slot)?.take()?;
        self.free.push(slot);
        self.in_flight -= 1;
        Some(pending)
    }

    /// Waits for connects to finish, until the next deadline or due retry.
    fn wait(&mut self, events: &mut [libc::epoll_event], out: &mut Vec<(u16, Result<PortState, Failure>)>) {
        let now = Instant::now();
        let until =
            [self.deadlines.front().map(|d| d.0), self.retries.front().map(|r| r.at)].into_iter().flatten().min();
        let ms = match until {
            // Round up: waking a millisecond early would only spin.
            Some(t) => t.saturating_duration_since(now).as_micros().div_ceil(1000).min(i32::MAX as u128) as i32,
            None => 0,
        };
        if self.in_flight == 0 {
            // Nothing to watch: only a retry pause is left.
            std::thread::sleep(Duration::from_millis(ms as u64));
            return;
        }
        // SAFETY: `events` is a live, writable buffer of `events.len()`
        // entries, and the epoll descriptor is open.
        #[allow(unsafe_code, reason = "epoll(7) has no std wrapper")]
        let n = unsafe {
            libc::epoll_wait(
                self.epoll.as_raw_fd(),
                events.as_mut_ptr(),
                events.len().min(i32::MAX as usize) as i32,
                ms,
            )
        };
        if n < 0 {
            // EINTR: the loop comes back here; anything else cannot happen
            // with valid arguments, and deadlines still end the scan.
            return;
        }
        for event in events.iter().take(n as usize) {
            let Some(pending) = self.release(event.u64 as usize) else { continue };
            let outcome = match socket_error(&pending.fd) {
                Ok(None) => Ok(established(pending.fd, SocketAddr::new(self.addr, pending.port))),
                Ok(Some(e)) => classify(e),
                Err(e) => classify(e),
            };
            match outcome {
                Err(Failure::Local(why)) => self.shortage(pending.port, pending.attempt, why, out),
                other => out.push((pending.port, other)),
            }
        }
    }

    /// Ports without an answer within the timeout are filtered; dropping the
    /// socket aborts its connect.
    fn expire(&mut self, out: &mut Vec<(u16, Result<PortState, Failure>)>) {
        let now = Instant::now();
        while let Some(&(deadline, slot, seq)) = self.deadlines.front() {
            if deadline > now {
                break;
            }
            self.deadlines.pop_front();
            // The slot may have finished (and even been reused for another
            // port, whose own deadline comes later in the queue).
            if self.slots.get(slot).and_then(|s| s.as_ref()).is_some_and(|p| p.seq == seq) {
                if let Some(p) = self.release(slot) {
                    out.push((p.port, Ok(PortState::Filtered)));
                }
            }
        }
    }
}

/// Opens a non-blocking socket and connects it; see the module comment.
fn connect(addr: SocketAddr) -> Start {
    let family = if addr.is_ipv4() { libc::AF_INET } else { libc::AF_INET6 };
    // SAFETY: no pointers; a non-negative result is a new descriptor that
    // nothing else owns.
    #[allow(unsafe_code, reason = "a non-blocking socket before connect: std has no such call")]
    let raw = unsafe { libc::socket(family, libc::SOCK_STREAM | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC, 0) };
    if raw < 0 {
        let e = io::Error::last_os_error();
        let why = format!("cannot open a socket: {e}");
        return match e.raw_os_error() {
            Some(libc::EMFILE | libc::ENFILE) => Start::NoDescriptor(why),
            _ => Start::Short(why),
        };
    }
    // SAFETY: `raw` is valid and exclusively ours (see above).
    #[allow(unsafe_code, reason = "taking ownership of a descriptor the kernel just created")]
    let fd = unsafe { OwnedFd::from_raw_fd(raw) };
    match connect_raw(fd.as_raw_fd(), addr) {
        Ok(()) => return Start::Done(Ok(established(fd, addr))),
        Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => {}
        Err(e) => return done_or_short(e),
    }
    // Second connect(): the answer is usually in by now (module comment).
    match connect_raw(fd.as_raw_fd(), addr) {
        Ok(()) => Start::Done(Ok(established(fd, addr))),
        Err(e) if e.raw_os_error() == Some(libc::EISCONN) => Start::Done(Ok(established(fd, addr))),
        Err(e) if matches!(e.raw_os_error(), Some(libc::EALREADY | libc::EINPROGRESS)) => Start::Waiting(fd),
        Err(e) => done_or_short(e),
    }
}

fn done_or_short(e: io::Error) -> Start {
    // EAGAIN: Linux's "no ephemeral port left" for some socket types; the
    // TCP form (EADDRNOTAVAIL) is mapped to Local by `classify`.
    if e.raw_os_error() == Some(libc::EAGAIN) {
        return Start::Short(e.to_string());
    }
    match classify(e) {
        Err(Failure::Local(why)) => Start::Short(why),
        other => Start::Done(other),
    }
}

fn connect_raw(fd: RawFd, addr: SocketAddr) -> io::Result<()> {
    // Only the arm taken initialises its address; it lives until the call.
    let (v4, v6);
    let (address, len): (*const libc::sockaddr, usize) = match addr {
        SocketAddr::V4(a) => {
            v4 = libc::sockaddr_in {
                sin_family: libc::AF_INET as libc::sa_family_t,
                sin_port: a.port().to_be(),
                sin_addr: libc::in_addr { s_addr: u32::from_ne_bytes(a.ip().octets()) },
                sin_zero: [0; 8],
            };
            ((&v4 as *const libc::sockaddr_in).cast(), std::mem::size_of::<libc::sockaddr_in>())
        }
        SocketAddr::V6(a) => {
            v6 = libc::sockaddr_in6 {
                sin6_family: libc::AF_INET6 as libc::sa_family_t,
                sin6_port: a.port().to_be(),
                sin6_flowinfo: a.flowinfo(),
                sin6_addr: libc::in6_addr { s6_addr: a.ip().octets() },
                sin6_scope_id: a.scope_id(),
            };
            ((&v6 as *const libc::sockaddr_in6).cast(), std::mem::size_of::<libc::sockaddr_in6>())
        }
    };
    // SAFETY: `address` points at a fully initialised sockaddr of `len`
    // bytes, alive for the whole call and only read by the kernel during it;
    // `fd` is open.
    #[allow(unsafe_code, reason = "connect(2) on a raw non-blocking socket: std has no such call")]
    let rc = unsafe { libc::connect(fd, address, len as libc::socklen_t) };
    if rc < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

/// SO_ERROR after epoll reported the socket: None when the connect succeeded.
fn socket_error(fd: &OwnedFd) -> io::Result<Option<io::Error>> {
    let mut err: libc::c_int = 0;
    let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: `err` and `len` are live locals of the sizes the kernel expects
    // for SO_ERROR; the descriptor is open.
    #[allow(unsafe_code, reason = "SO_ERROR of a raw socket: std has no such call")]
    let rc = unsafe {
        libc::getsockopt(
            fd.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_ERROR,
            (&mut err as *mut libc::c_int).cast(),
            &mut len,
        )
    };
    if rc < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok((err != 0).then(|| io::Error::from_raw_os_error(err)))
}

/// A completed handshake: open, unless the kernel connected the socket to
/// itself (scanning our own loopback it can pick the probed port as the
/// ephemeral source port: TCP simultaneous open, nobody listening). Closed
/// with RST (SO_LINGER 0) so neither side keeps a TIME_WAIT entry and a full
/// scan does not use up ephemeral ports; refused and timed-out sockets leave
/// nothing behind, so only this path pays for the extra system call.
fn established(fd: OwnedFd, peer: SocketAddr) -> PortState {
    let linger = libc::linger { l_onoff: 1, l_linger: 0 };
    // SAFETY: `linger` is a live local of the size passed; the fd is open.
    // A failure only means a FIN close, so the result is not needed.
    #[allow(unsafe_code, reason = "SO_LINGER: std has no such call")]
    let _ = unsafe {
        libc::setsockopt(
            fd.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            (&linger as *const libc::linger).cast(),
            std::mem::size_of::<libc::linger>() as libc::socklen_t,
        )
    };
    let stream = TcpStream::from(fd);
    if stream.local_addr().is_ok_and(|local| local == peer) {
        PortState::Closed
    } else {
        PortState::Open
    }
}

fn collect(total: usize, outcomes: Vec<(u16, Result<PortState, Failure>)>) -> ScanResult {
    let mut result = ScanResult::default();
    let mut unreachable = 0usize;
    let mut last_unreachable = String::new();
    for (port, outcome) in outcomes {
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
    if unreachable > 0 && unreachable == total {
        result.unreachable = Some(last_unreachable);
    }
    result.open.sort_unstable();
    result.closed.sort_unstable();
    result.filtered.sort_unstable();
    result.failures.sort();
    result
}
