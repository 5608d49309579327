//! A real authoritative DNS server for the DNS tests: Debian's nsd, started
//! on a free loopback port with zones written by the test, stopped when the
//! guard drops. Nothing here ever talks to an address outside 127.0.0.1.

// Test support: a panic here fails a test, it cannot crash a scan. Allowed here
// as well as in each test crate, so any crate can include this module.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::string_slice,
    clippy::indexing_slicing,
    clippy::unreachable
)]
#![allow(dead_code)]

use std::fmt::Write as _;
use std::net::{TcpListener, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A zone to serve: its name and its records (relative to the zone, one per
/// line, zone-file syntax). SOA and NS are added.
pub struct Zone {
    pub name: String,
    pub records: String,
    /// Configure the zone but give nsd no file for it: it answers SERVFAIL.
    pub without_data: bool,
}

pub fn zone(name: &str, records: &str) -> Zone {
    Zone { name: name.to_string(), records: records.to_string(), without_data: false }
}

pub fn zone_without_data(name: &str) -> Zone {
    Zone { name: name.to_string(), records: String::new(), without_data: true }
}

impl Zone {
    fn file_text(&self) -> String {
        format!(
            "$ORIGIN {name}.\n$TTL 300\n@ IN SOA ns.{name}. hostmaster.{name}. 1 3600 600 86400 300\n@ IN NS ns.{name}.\nns IN A 127.0.0.1\n{records}\n",
            name = self.name,
            records = self.records
        )
    }
}

/// A running nsd; killed (and its workers with it) on drop.
pub struct Nsd {
    child: Child,
    pub port: u16,
    dir: tempfile::TempDir,
}

impl Nsd {
    /// Starts nsd serving `zones` and waits until it answers for the first
    /// one. Panics with nsd's log if it cannot be started.
    pub fn start(zones: &[Zone]) -> Nsd {
        assert!(!zones.is_empty(), "nsd needs a zone to serve");
        let mut last_log = String::new();
        // A free port can be taken by someone else between our probe and
        // nsd's bind; try a few.
        for _ in 0..3 {
            let dir = tempfile::tempdir().expect("temp dir");
            let port = free_port();
            write_config(dir.path(), port, zones);
            let child = Command::new(nsd_binary())
                .args(["-d", "-c"])
                .arg(dir.path().join("nsd.conf"))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("nsd starts (install it with scripts/install-test-deps.sh)");
            let mut nsd = Nsd { child, port, dir };
            if nsd.wait_ready(&zones[0].name) {
                return nsd;
            }
            last_log = std::fs::read_to_string(nsd.dir.path().join("nsd.log")).unwrap_or_default();
        }
        panic!("nsd did not start answering; its log:\n{last_log}");
    }

    /// `127.0.0.1:<port>`.
    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    fn wait_ready(&mut self, zone: &str) -> bool {
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return false;
            }
            if answers_soa(self.port, zone) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        false
    }
}

impl Drop for Nsd {
    fn drop(&mut self) {
        // SIGTERM lets nsd stop its server and xfrd children; SIGKILL on the
        // parent alone would leave them running.
        let _ = Command::new("kill").arg("-TERM").arg(self.child.id().to_string()).status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn nsd_binary() -> PathBuf {
    ["/usr/sbin/nsd", "/usr/local/sbin/nsd"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .unwrap_or_else(|| "nsd".into())
}

/// A port free for both UDP and TCP on 127.0.0.1 right now.
pub fn free_port() -> u16 {
    for _ in 0..50 {
        let udp = UdpSocket::bind("127.0.0.1:0").expect("bind a UDP socket");
        let port = udp.local_addr().unwrap().port();
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    panic!("no free loopback port for both UDP and TCP");
}

fn write_config(dir: &Path, port: u16, zones: &[Zone]) {
    let d = dir.display();
    let mut conf = format!(
        "server:\n  ip-address: 127.0.0.1@{port}\n  port: {port}\n  do-ip6: no\n  username: \"\"\n  chroot: \"\"\n  \
         zonesdir: \"{d}\"\n  pidfile: \"{d}/nsd.pid\"\n  database: \"\"\n  zonelistfile: \"{d}/zone.list\"\n  \
         xfrdfile: \"{d}/xfrd.state\"\n  xfrdir: \"{d}\"\n  logfile: \"{d}/nsd.log\"\n  verbosity: 1\n  \
         server-count: 1\n  tcp-count: 32\n  hide-version: yes\n\nremote-control:\n  control-enable: no\n\n"
    );
    for (i, zone) in zones.iter().enumerate() {
        let file = format!("zone{i}.zone");
        if !zone.without_data {
            std::fs::write(dir.join(&file), zone.file_text()).expect("write zone file");
        }
        writeln!(conf, "zone:\n  name: {}\n  zonefile: \"{file}\"\n", zone.name).unwrap();
    }
    std::fs::write(dir.join("nsd.conf"), conf).expect("write nsd.conf");
}

/// Whether the server on `port` answers an SOA query for `zone` with
/// NOERROR: a hand-built query, so readiness does not depend on the code
/// under test.
fn answers_soa(port: u16, zone: &str) -> bool {
    let Ok(socket) = UdpSocket::bind("127.0.0.1:0") else { return false };
    let _ = socket.set_read_timeout(Some(Duration::from_millis(200)));
    let id: u16 = 0x5a5a;
    let mut packet = vec![(id >> 8) as u8, id as u8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0];
    for label in zone.trim_end_matches('.').split('.') {
        packet.push(label.len() as u8);
        packet.extend_from_slice(label.as_bytes());
    }
    packet.extend_from_slice(&[0, 0, 6, 0, 1]);
    if socket.send_to(&packet, ("127.0.0.1", port)).is_err() {
        return false;
    }
    let mut buf = [0u8; 512];
    match socket.recv(&mut buf) {
        Ok(n) if n >= 12 => {
            buf[0..2] == packet[0..2] && (buf[3] & 0x0f) == 0 && ((buf[6] as u16) << 8 | buf[7] as u16) > 0
        }
        _ => false,
    }
}

/// A UDP socket that receives queries and never answers: a name server that
/// has died behind a firewall that drops instead of rejecting. This is the
/// one fake in the DNS tests: a real server cannot be told to stay silent.
pub struct SilentServer {
    socket: UdpSocket,
}

impl SilentServer {
    pub fn start() -> SilentServer {
        SilentServer { socket: UdpSocket::bind("127.0.0.1:0").expect("bind a UDP socket") }
    }

    pub fn addr(&self) -> String {
        self.socket.local_addr().unwrap().to_string()
    }
}
