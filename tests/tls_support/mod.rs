//! Real TLS and HTTP servers for the TLS and HTTP tests: certificates made
//! with the openssl CLI at set-up, `openssl s_server` and nginx started on
//! free loopback ports and killed when their guard drops. The few fake peers
//! here exist only for what no real server can be made to do (each says
//! why).

// Test support: a panic here fails a test, it cannot crash a scan. Allowed here
// as well as in each test crate, so any crate can include this module.
// unsafe: libc calls std lacks (setns, SO_LINGER).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::string_slice,
    clippy::indexing_slicing,
    clippy::unreachable
)]
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().unwrap().port()
}

fn run(cmd: &mut Command) {
    let out = cmd.output().unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(out.status.success(), "{cmd:?} failed: {}", String::from_utf8_lossy(&out.stderr));
}

/// Waits until something accepts TCP connections on the port.
pub fn wait_listening(port: u16, child: &mut Child, what: &str) {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(10) {
        if let Ok(Some(status)) = child.try_wait() {
            let mut err = String::new();
            if let Some(mut e) = child.stderr.take() {
                let _ = e.read_to_string(&mut err);
            }
            panic!("{what} exited ({status}): {err}");
        }
        if TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_millis(200)).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("{what} does not listen on {port}");
}

/// A certificate and its key.
#[derive(Clone)]
pub struct Cert {
    pub cert: PathBuf,
    pub key: PathBuf,
}

pub struct LeafSpec<'a> {
    pub cn: &'a str,
    /// `DNS:localhost`, comma-separated like openssl's subjectAltName.
    pub san: &'a str,
    pub key_bits: u32,
    pub md: &'a str,
    /// Days from now (negative = in the past).
    pub from_days: i64,
    pub to_days: i64,
}

impl Default for LeafSpec<'_> {
    fn default() -> Self {
        Self { cn: "localhost", san: "DNS:localhost", key_bits: 2048, md: "sha256", from_days: -1, to_days: 90 }
    }
}

/// A private CA in a temp folder that signs leaves with any dates, key size
/// and digest (`openssl ca` takes explicit start and end dates, which is
/// how an expired certificate is made without touching the clock).
pub struct Pki {
    pub dir: tempfile::TempDir,
    pub ca: Cert,
    counter: std::cell::Cell<u32>,
}

impl Pki {
    pub fn new() -> Pki {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let ca = Cert { cert: d.join("ca.pem"), key: d.join("ca.key") };
        run(Command::new("openssl")
            .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "3650", "-subj", "/CN=stackaudit test CA"])
            .arg("-keyout")
            .arg(&ca.key)
            .arg("-out")
            .arg(&ca.cert));
        std::fs::create_dir(d.join("newcerts")).unwrap();
        std::fs::write(d.join("index.txt"), "").unwrap();
        std::fs::write(d.join("serial"), "1000\n").unwrap();
        std::fs::write(
            d.join("ca.cnf"),
            format!(
                "[ca]\ndefault_ca = CA_default\n[CA_default]\ndatabase = {d}/index.txt\nnew_certs_dir = {d}/newcerts\n\
                 serial = {d}/serial\npolicy = policy_any\nemail_in_dn = no\nunique_subject = no\n\
                 [policy_any]\ncommonName = supplied\n[leaf]\nbasicConstraints = CA:FALSE\n\
                 extendedKeyUsage = serverAuth\nsubjectAltName = $ENV::SAN\n",
                d = d.display()
            ),
        )
        .unwrap();
        Pki { dir, ca, counter: std::cell::Cell::new(0) }
    }

    fn next(&self, stem: &str) -> (PathBuf, PathBuf) {
        let n = self.counter.get() + 1;
        self.counter.set(n);
        let d = self.dir.path();
        (d.join(format!("{stem}{n}.pem")), d.join(format!("{stem}{n}.key")))
    }

    pub fn leaf(&self, spec: LeafSpec<'_>) -> Cert {
        let (cert, key) = self.next("leaf");
        let csr = cert.with_extension("csr");
        run(Command::new("openssl")
            .args(["req", "-new", "-newkey", &format!("rsa:{}", spec.key_bits), "-nodes"])
            .args(["-subj", &format!("/CN={}", spec.cn)])
            .arg("-keyout")
            .arg(&key)
            .arg("-out")
            .arg(&csr));
        let date = |days: i64| (chrono::Utc::now() + chrono::Duration::days(days)).format("%Y%m%d%H%M%SZ").to_string();
        run(Command::new("openssl")
            .env("SAN", spec.san)
            .args(["ca", "-batch", "-notext", "-extensions", "leaf", "-md", spec.md])
            .arg("-config")
            .arg(self.dir.path().join("ca.cnf"))
            .arg("-cert")
            .arg(&self.ca.cert)
            .arg("-keyfile")
            .arg(&self.ca.key)
            .args(["-startdate", &date(spec.from_days), "-enddate", &date(spec.to_days)])
            .arg("-in")
            .arg(&csr)
            .arg("-out")
            .arg(&cert));
        Cert { cert, key }
    }

    pub fn self_signed(&self, cn: &str) -> Cert {
        let (cert, key) = self.next("self");
        run(Command::new("openssl")
            .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "90", "-subj", &format!("/CN={cn}")])
            .args(["-addext", &format!("subjectAltName=DNS:{cn}")])
            .arg("-keyout")
            .arg(&key)
            .arg("-out")
            .arg(&cert));
        cert_pair(cert, key)
    }
}

fn cert_pair(cert: PathBuf, key: PathBuf) -> Cert {
    Cert { cert, key }
}

/// A running `openssl s_server`; killed on drop.
pub struct SServer {
    child: Child,
    pub port: u16,
}

impl SServer {
    /// `args` are extra s_server options (`-min_protocol`, `-cipher`...).
    pub fn start(cert: &Cert, args: &[&str]) -> SServer {
        let port = free_port();
        let mut child = Command::new("openssl")
            .args(["s_server", "-www", "-quiet", "-accept", &format!("127.0.0.1:{port}")])
            .arg("-cert")
            .arg(&cert.cert)
            .arg("-key")
            .arg(&cert.key)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("openssl s_server starts");
        wait_listening(port, &mut child, "openssl s_server");
        SServer { child, port }
    }

    pub fn target(&self, sni: &str) -> String {
        format!("127.0.0.1:{},{sni}", self.port)
    }
}

impl Drop for SServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A running nginx with a config the test writes (`{dir}` in it is replaced
/// by the server's own temp folder); killed on drop.
pub struct Nginx {
    child: Child,
    pub dir: tempfile::TempDir,
}

impl Nginx {
    /// `servers` is the body of the `http` block.
    pub fn start(servers: &str, ports: &[u16]) -> Nginx {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().display().to_string();
        let conf = format!(
            "worker_processes 1;\nerror_log {d}/error.log;\npid {d}/nginx.pid;\nevents {{ worker_connections 512; }}\n\
             http {{\n access_log off;\n client_body_temp_path {d}/body;\n proxy_temp_path {d}/proxy;\n\
             fastcgi_temp_path {d}/fastcgi;\n uwsgi_temp_path {d}/uwsgi;\n scgi_temp_path {d}/scgi;\n{}\n}}\n",
            servers.replace("{dir}", &d)
        );
        std::fs::create_dir_all(dir.path().join("www")).unwrap();
        std::fs::write(dir.path().join("www/index.html"), "<p>ok</p>\n").unwrap();
        std::fs::write(dir.path().join("nginx.conf"), conf).unwrap();
        let mut child = Command::new(nginx_binary())
            .arg("-p")
            .arg(dir.path())
            .arg("-c")
            .arg(dir.path().join("nginx.conf"))
            .args(["-g", "daemon off; master_process off;"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("nginx starts");
        for port in ports {
            wait_listening(*port, &mut child, "nginx");
        }
        Nginx { child, dir }
    }

    pub fn www(&self) -> PathBuf {
        self.dir.path().join("www")
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn nginx_binary() -> PathBuf {
    for p in ["/usr/sbin/nginx", "/usr/bin/nginx"] {
        if Path::new(p).exists() {
            return PathBuf::from(p);
        }
    }
    PathBuf::from("nginx")
}

/// A fake peer: a loopback listener whose every connection is handled by
/// `handle` on its own thread. The listener thread lives as long as the
/// test process.
pub fn fake_peer(handle: fn(TcpStream)) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || handle(stream));
        }
    });
    port
}

/// Reads one TLS record (the ClientHello) and returns its bytes.
pub fn read_hello(stream: &mut TcpStream) -> Vec<u8> {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let mut head = [0u8; 5];
    if stream.read_exact(&mut head).is_err() {
        return Vec::new();
    }
    let len = u16::from_be_bytes([head[3], head[4]]) as usize;
    let mut body = vec![0u8; len];
    let _ = stream.read_exact(&mut body);
    body
}

/// Tarpit: accepts and never says anything. No real server does this on
/// purpose; a stuck or overloaded one does.
pub fn tarpit(mut stream: TcpStream) {
    let _ = read_hello(&mut stream);
    std::thread::sleep(Duration::from_secs(30));
}

/// Resets the connection after reading the ClientHello (SO_LINGER 0). Real
/// servers do this under load or behind some firewalls, not on demand.
pub fn resetter(mut stream: TcpStream) {
    let _ = read_hello(&mut stream);
    // A zero linger time makes close() send an RST instead of a FIN: the
    // reset mid-handshake. std has no stable setter, so set it directly.
    use std::os::fd::AsRawFd;
    let linger = libc::linger { l_onoff: 1, l_linger: 0 };
    // SAFETY: a valid open socket and a correctly sized linger struct.
    #[allow(unsafe_code, reason = "SO_LINGER has no stable std setter")]
    unsafe {
        libc::setsockopt(
            stream.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            (&linger as *const libc::linger).cast(),
            std::mem::size_of::<libc::linger>() as libc::socklen_t,
        );
    }
    drop(stream);
}

/// Announces a 64 KiB record: larger than TLS allows. No real TLS stack
/// sends one.
pub fn oversized(mut stream: TcpStream) {
    let _ = read_hello(&mut stream);
    let _ = stream.write_all(&[22, 3, 3, 0xff, 0xff]);
    let _ = stream.write_all(&vec![0u8; 4096]);
    std::thread::sleep(Duration::from_millis(500));
}

/// Speaks SSLv3 only: a ServerHello for an SSLv3 ClientHello, a
/// protocol_version alert for anything else. Debian's OpenSSL is built
/// without SSLv3, so no real server on this machine can accept it.
pub fn sslv3_only(mut stream: TcpStream) {
    let hello = read_hello(&mut stream);
    // ClientHello body: type(1) len(3) version(2) ...
    let client_version = hello.get(4..6).map(|v| u16::from_be_bytes([v[0], v[1]])).unwrap_or(0);
    if client_version != 0x0300 {
        let _ = stream.write_all(&[21, 3, 1, 0, 2, 2, 70]); // protocol_version
    } else if !offered(&hello).contains(&0x002f) {
        let _ = stream.write_all(&[21, 3, 0, 0, 2, 2, 40]); // handshake_failure
    } else {
        // ServerHello: version, random, empty session id,
        // TLS_RSA_WITH_AES_128_CBC_SHA, null compression.
        let mut body = vec![3, 0];
        body.extend_from_slice(&[0x42; 32]);
        body.push(0);
        body.extend_from_slice(&[0x00, 0x2f, 0]);
        let mut msg = vec![2, 0, 0, body.len() as u8];
        msg.extend_from_slice(&body);
        let mut rec = vec![22, 3, 0, 0, msg.len() as u8];
        rec.extend_from_slice(&msg);
        let _ = stream.write_all(&rec);
    }
    let _ = stream.shutdown(Shutdown::Write);
    std::thread::sleep(Duration::from_millis(200));
}

/// The suites of a ClientHello handshake message.
fn offered(hello: &[u8]) -> Vec<u16> {
    let sid = *hello.get(38).unwrap_or(&0) as usize;
    let at = 39 + sid;
    let Some(len) = hello.get(at..at + 2).map(|l| u16::from_be_bytes([l[0], l[1]]) as usize) else {
        return Vec::new();
    };
    hello
        .get(at + 2..at + 2 + len)
        .map_or_else(Vec::new, |b| b.chunks(2).map(|c| u16::from_be_bytes([c[0], c[1]])).collect())
}
