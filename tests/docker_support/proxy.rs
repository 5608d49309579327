//! A recording proxy between stackaudit and the real daemon's socket: every
//! byte is forwarded unchanged, and the request line of every HTTP request
//! the client sends is recorded, so a test can prove stackaudit only reads.
//! (A proxy is the only way to observe the requests themselves; the daemon
//! behind it is the real one.)

use std::io::{Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// One request as the proxy saw it.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub method: String,
    pub path: String,
}

pub struct RecordingProxy {
    pub socket: PathBuf,
    requests: Arc<Mutex<Vec<Request>>>,
    stop: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
    _dir: tempfile::TempDir,
}

impl RecordingProxy {
    pub fn start(upstream: &str) -> RecordingProxy {
        let dir = tempfile::tempdir().expect("temp dir");
        let socket = dir.path().join("docker.sock");
        let listener = UnixListener::bind(&socket).expect("bind the proxy socket");
        let requests = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let upstream = PathBuf::from(upstream);
        let accept = {
            let (requests, stop) = (requests.clone(), stop.clone());
            std::thread::spawn(move || {
                for client in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(client) = client else { continue };
                    let requests = requests.clone();
                    let upstream = upstream.clone();
                    std::thread::spawn(move || relay(client, &upstream, requests));
                }
            })
        };
        RecordingProxy { socket, requests, stop, accept: Some(accept), _dir: dir }
    }

    pub fn uri(&self) -> String {
        format!("unix://{}", self.socket.display())
    }

    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }
}

impl Drop for RecordingProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = UnixStream::connect(&self.socket);
        if let Some(h) = self.accept.take() {
            let _ = h.join();
        }
    }
}

fn relay(client: UnixStream, upstream: &Path, requests: Arc<Mutex<Vec<Request>>>) {
    let Ok(server) = UnixStream::connect(upstream) else { return };
    let timeout = Some(Duration::from_secs(30));
    for s in [&client, &server] {
        let _ = s.set_read_timeout(timeout);
    }
    let (Ok(mut client_read), Ok(mut server_write)) = (client.try_clone(), server.try_clone()) else { return };
    let (mut server_read, mut client_write) = (server, client);
    let down = std::thread::spawn(move || {
        let _ = std::io::copy(&mut server_read, &mut client_write);
        let _ = client_write.shutdown(std::net::Shutdown::Write);
    });
    let mut parser = Parser::default();
    let mut buf = [0u8; 16 * 1024];
    loop {
        match client_read.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                for r in parser.feed(&buf[..n]) {
                    requests.lock().unwrap().push(r);
                }
                if server_write.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
        }
    }
    let _ = server_write.shutdown(std::net::Shutdown::Write);
    let _ = down.join();
}

/// Splits the client's byte stream into requests: head, then a body of
/// `Content-Length` bytes. A chunked body is recorded as such and ends the
/// parsing (stackaudit never sends one; the test then fails on the method).
#[derive(Default)]
struct Parser {
    pending: Vec<u8>,
    body_left: usize,
    gave_up: bool,
}

impl Parser {
    fn feed(&mut self, bytes: &[u8]) -> Vec<Request> {
        let mut out = Vec::new();
        if self.gave_up {
            return out;
        }
        self.pending.extend_from_slice(bytes);
        loop {
            if self.body_left > 0 {
                let take = self.body_left.min(self.pending.len());
                self.pending.drain(..take);
                self.body_left -= take;
                if self.body_left > 0 {
                    return out;
                }
            }
            let Some(end) = self.pending.windows(4).position(|w| w == b"\r\n\r\n") else { return out };
            let head = String::from_utf8_lossy(&self.pending[..end]).into_owned();
            self.pending.drain(..end + 4);
            let mut lines = head.lines();
            let mut parts = lines.next().unwrap_or("").split_whitespace();
            let method = parts.next().unwrap_or("").to_string();
            let path = parts.next().unwrap_or("").to_string();
            for line in lines {
                let lower = line.to_ascii_lowercase();
                if let Some(v) = lower.strip_prefix("content-length:") {
                    self.body_left = v.trim().parse().unwrap_or(0);
                }
                if lower.starts_with("transfer-encoding:") && lower.contains("chunked") {
                    self.gave_up = true;
                }
            }
            out.push(Request { method, path });
            if self.gave_up {
                return out;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_pipelined_requests_with_bodies() {
        let mut p = Parser::default();
        let r = p.feed(b"GET /v1.41/info HTTP/1.1\r\nHost: d\r\n\r\nPOST /x HTTP/1.1\r\nContent-Length: 3\r\n\r\nab");
        assert_eq!(r.len(), 2);
        let r = p.feed(b"cGET /y HTTP/1.1\r\n\r\n");
        assert_eq!(r, vec![Request { method: "GET".into(), path: "/y".into() }]);
    }
}
