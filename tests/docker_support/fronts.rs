//! Ways to reach a Docker endpoint other than its socket, for the transport
//! tests. The engine here listens on a Unix socket only and cannot be
//! reconfigured by a test, and no sshd runs on these machines, so two
//! stand-ins carry the bytes (each says what it fakes):
//! - a TLS front (Python's `ssl`, a real TLS server that demands a client
//!   certificate) relaying each connection to a Unix socket, or answering
//!   with an endless body;
//! - an `ssh` placed first on PATH that records its arguments and relays its
//!   stdio to a Unix socket, or writes an endless body, as
//!   `ssh host docker system dial-stdio` would.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const TLS_FRONT: &str = r#"
import os, select, socket, ssl, sys, threading
mode, port_file, cert, key, client_ca, target = sys.argv[1:7]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
ctx.verify_mode = ssl.CERT_REQUIRED
ctx.load_verify_locations(client_ca)
srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(64)
open(port_file + ".tmp", "w").write(str(srv.getsockname()[1]))
os.rename(port_file + ".tmp", port_file)

def endless(c):
    c.recv(65536)
    c.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 999999999999\r\n\r\n")
    block = b"a" * 65536
    while True:
        c.sendall(block)

def relay(c):
    u = socket.socket(socket.AF_UNIX)
    u.connect(target)
    while True:
        ready = [c] if c.pending() else select.select([c, u], [], [], 120)[0]
        if not ready:
            return
        for s in ready:
            data = s.recv(65536)
            if not data:
                return
            (u if s is c else c).sendall(data)

def serve(raw):
    try:
        c = ctx.wrap_socket(raw, server_side=True)
        (endless if mode == "endless" else relay)(c)
    except Exception:
        pass
    finally:
        raw.close()

while True:
    raw, _ = srv.accept()
    threading.Thread(target=serve, args=(raw,), daemon=True).start()
"#;

const SSH: &str = r#"#!/bin/sh
# Stand-in for ssh (no sshd on the test machines): records its arguments,
# then carries stdio as `docker system dial-stdio` on the far side would.
printf '%s\n' "$@" >> "$FAKE_SSH_LOG"
if [ "$FAKE_SSH_MODE" = endless ]; then
  # Answer only once the request has begun to arrive, as a daemon would:
  # hyper rejects bytes that reach an idle connection before any request.
  head -c 1 > /dev/null
  printf 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 999999999999\r\n\r\n'
  exec yes aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
fi
exec python3 -c '
import os, socket, sys, threading
u = socket.socket(socket.AF_UNIX)
u.connect(os.environ["FAKE_SSH_TARGET"])
def up():
    while True:
        d = os.read(0, 65536)
        if not d:
            break
        u.sendall(d)
    u.shutdown(socket.SHUT_WR)
threading.Thread(target=up, daemon=True).start()
while True:
    d = u.recv(65536)
    if not d:
        break
    os.write(1, d)
'
"#;

/// `openssl` with arguments; panics with its output on failure.
fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl").current_dir(dir).args(args).output().unwrap();
    assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// A TLS front on 127.0.0.1; killed on drop. `cert_dir` holds what the
/// docker CLI reads from `DOCKER_CERT_PATH`: `ca.pem`, `cert.pem`, `key.pem`.
pub struct TlsFront {
    child: Child,
    pub port: u16,
    pub cert_dir: PathBuf,
    _dir: tempfile::TempDir,
}

impl TlsFront {
    /// `endless`: every request gets a body that never ends; otherwise each
    /// connection is relayed to the Unix socket `target`.
    pub fn start(endless: bool, target: &Path) -> TlsFront {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let cert_dir = d.join("client");
        std::fs::create_dir(&cert_dir).unwrap();
        // The server's CA and leaf (for 127.0.0.1), and a client certificate
        // the server trusts directly.
        openssl(
            d,
            &[
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "2",
                "-subj",
                "/CN=test docker CA",
                "-keyout",
                "ca.key",
                "-out",
                "client/ca.pem",
            ],
        );
        openssl(
            d,
            &[
                "req",
                "-new",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-subj",
                "/CN=127.0.0.1",
                "-keyout",
                "server.key",
                "-out",
                "server.csr",
            ],
        );
        std::fs::write(d.join("ext.cnf"), "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n").unwrap();
        openssl(
            d,
            &[
                "x509",
                "-req",
                "-in",
                "server.csr",
                "-CA",
                "client/ca.pem",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-days",
                "2",
                "-extfile",
                "ext.cnf",
                "-out",
                "server.pem",
            ],
        );
        openssl(
            d,
            &[
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "2",
                "-subj",
                "/CN=auditor",
                "-addext",
                "extendedKeyUsage=clientAuth",
                "-keyout",
                "client/key.pem",
                "-out",
                "client/cert.pem",
            ],
        );
        let port_file = d.join("port");
        let child = Command::new("python3")
            .arg("-c")
            .arg(TLS_FRONT)
            .arg(if endless { "endless" } else { "relay" })
            .arg(&port_file)
            .arg(d.join("server.pem"))
            .arg(d.join("server.key"))
            .arg(cert_dir.join("cert.pem"))
            .arg(target)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let start = Instant::now();
        let port = loop {
            if let Ok(p) = std::fs::read_to_string(&port_file) {
                break p.trim().parse().unwrap();
            }
            assert!(start.elapsed() < Duration::from_secs(20), "the TLS front did not start");
            std::thread::sleep(Duration::from_millis(50));
        };
        TlsFront { child, port, cert_dir, _dir: dir }
    }
}

impl Drop for TlsFront {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A folder holding the stand-in `ssh`, to put first on PATH, and the log
/// of the arguments it was called with.
pub struct FakeSsh {
    pub dir: tempfile::TempDir,
}

impl FakeSsh {
    pub fn new() -> FakeSsh {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let ssh = dir.path().join("ssh");
        std::fs::write(&ssh, SSH).unwrap();
        std::fs::set_permissions(&ssh, std::fs::Permissions::from_mode(0o755)).unwrap();
        FakeSsh { dir }
    }

    /// PATH with the stand-in first.
    pub fn path_env(&self) -> String {
        format!("{}:{}", self.dir.path().display(), std::env::var("PATH").unwrap_or_default())
    }

    pub fn log(&self) -> PathBuf {
        self.dir.path().join("args.log")
    }

    /// Every argument of every call, one per line.
    pub fn calls(&self) -> String {
        std::fs::read_to_string(self.log()).unwrap_or_default()
    }
}
