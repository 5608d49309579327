//! Network namespaces for the firewall tests: a "server" namespace with a
//! real nftables ruleset and listening sockets, and a "client" namespace
//! joined to it by a veth pair, from which the scan runs. Everything is
//! created with unique names per test and deleted on drop (also when the
//! test panics); no traffic leaves the namespaces the test made.

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

use std::io::Write as _;
use std::net::TcpListener;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};

static NEXT: AtomicU32 = AtomicU32::new(0);

/// A server and a client namespace on one /24: server `.1`, client `.2`.
pub struct Lab {
    pub server: String,
    pub client: String,
    pub subnet: u8,
    listeners: Vec<TcpListener>,
}

fn ip(args: &[&str]) {
    let out = Command::new("ip").args(args).output().expect("ip (iproute2) runs");
    assert!(out.status.success(), "ip {}: {}", args.join(" "), String::from_utf8_lossy(&out.stderr));
}

impl Lab {
    pub fn new() -> Lab {
        assert!(is_root(), "the firewall tests create network namespaces and need root (CI runs them as root)");
        let n = NEXT.fetch_add(1, Ordering::SeqCst);
        let pid = std::process::id();
        // Namespaces are private, so equal subnets in different labs never
        // collide; distinct ones only make failures easier to read.
        let subnet = (n % 250 + 1) as u8;
        let tag = format!("{}{n}", pid % 100_000);
        let lab = Lab { server: format!("safw-s{tag}"), client: format!("safw-c{tag}"), subnet, listeners: Vec::new() };
        let (vs, vc) = (format!("safs{tag}"), format!("safc{tag}"));
        ip(&["netns", "add", &lab.server]);
        ip(&["netns", "add", &lab.client]);
        ip(&["link", "add", &vs, "netns", &lab.server, "type", "veth", "peer", "name", &vc, "netns", &lab.client]);
        for (ns, dev, host) in [(&lab.server, &vs, 1), (&lab.client, &vc, 2)] {
            ip(&["-n", ns, "addr", "add", &format!("10.77.{subnet}.{host}/24"), "dev", dev]);
            ip(&["-n", ns, "link", "set", dev, "up"]);
            ip(&["-n", ns, "link", "set", "lo", "up"]);
        }
        lab
    }

    pub fn server_ip(&self) -> String {
        format!("10.77.{}.1", self.subnet)
    }

    pub fn client_ip(&self) -> String {
        format!("10.77.{}.2", self.subnet)
    }

    /// Loads an nftables ruleset (nft syntax) into the server namespace.
    pub fn load(&self, ruleset: &str) {
        let mut child = Command::new("ip")
            .args(["netns", "exec", &self.server, "nft", "-f", "-"])
            .stdin(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("nft runs");
        child.stdin.take().expect("stdin").write_all(ruleset.as_bytes()).expect("ruleset written");
        let out = child.wait_with_output().expect("nft finishes");
        assert!(
            out.status.success(),
            "nft -f rejected the ruleset: {}\n{ruleset}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Listening sockets on 0.0.0.0 and [::] inside the server namespace,
    /// kept open until the lab drops. Nobody accepts: the kernel completes
    /// handshakes into the backlog, which is all a connect scan needs.
    pub fn listen(&mut self, ports: &[u16]) {
        let ns = self.server.clone();
        let ports = ports.to_vec();
        // setns changes the calling thread only: a throwaway thread enters
        // the namespace, binds, and hands the sockets back.
        let listeners = std::thread::spawn(move || {
            let file = std::fs::File::open(format!("/var/run/netns/{ns}")).expect("namespace file");
            // SAFETY: an open namespace file the thread owns; setns moves
            // only this throwaway thread, which touches nothing shared.
            #[allow(unsafe_code, reason = "setns(2) has no std wrapper")]
            let rc = unsafe { libc::setns(file.as_raw_fd(), libc::CLONE_NEWNET) };
            assert_eq!(rc, 0, "setns: {}", std::io::Error::last_os_error());
            ports.iter().map(|p| TcpListener::bind(("0.0.0.0", *p)).expect("bind in namespace")).collect::<Vec<_>>()
        })
        .join()
        .expect("listener thread");
        self.listeners.extend(listeners);
    }

    /// `stackaudit scan --format json` inside `ns` with this config.
    pub fn scan_in(&self, ns: &str, config: &str) -> (i32, serde_json::Value, String) {
        let dir = shared_dir();
        std::fs::write(dir.path().join("stackaudit.toml"), config).expect("config written");
        let out = self.run_in(ns, dir.path(), &[], &[]);
        parse(out)
    }

    /// Runs stackaudit in `ns` with extra environment and a command prefix
    /// (`setpriv ...`).
    pub fn run_in(&self, ns: &str, dir: &Path, prefix: &[&str], env: &[(&str, &str)]) -> Output {
        let mut cmd = Command::new("ip");
        cmd.args(["netns", "exec", ns]).args(prefix).arg(env!("CARGO_BIN_EXE_stackaudit"));
        cmd.args(["scan", "--format", "json", "-c"]).arg(dir.join("stackaudit.toml")).arg(dir.join("empty"));
        cmd.env("NO_COLOR", "1").env("STACKAUDIT_FINGERPRINT_KEY", "test-key").env_remove("STACKAUDIT_LOG");
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.output().expect("stackaudit runs")
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        self.listeners.clear();
        // Deleting a namespace deletes the veth end inside it, and its peer.
        for ns in [&self.server, &self.client] {
            let _ = Command::new("ip").args(["netns", "del", ns]).status();
        }
    }
}

/// A temp folder other users can read (for the run as `nobody`), with an
/// empty `empty/` folder to scan.
pub fn shared_dir() -> tempfile::TempDir {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    std::fs::create_dir(dir.path().join("empty")).expect("mkdir");
    dir
}

pub fn parse(out: Output) -> (i32, serde_json::Value, String) {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let json = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("not JSON ({e}); stderr: {stderr}\nstdout: {}", String::from_utf8_lossy(&out.stdout))
    });
    (out.status.code().unwrap_or(-1), json, stderr)
}

pub fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// The facts of `kind` in a report.
pub fn facts<'a>(report: &'a serde_json::Value, kind: &str) -> Vec<&'a serde_json::Value> {
    report["facts"]
        .as_array()
        .map(|a| a.iter().filter(|f| f["kind"] == kind).map(|f| &f["data"]).collect())
        .unwrap_or_default()
}

/// The ruleset fact's decision for `port` (the entry whose range holds it,
/// else the default).
pub fn decision(firewall: &serde_json::Value, port: i64) -> &serde_json::Value {
    firewall["ports"]
        .as_array()
        .and_then(|ports| {
            ports
                .iter()
                .find(|p| p["port"].as_i64().unwrap_or(0) <= port && port <= p["port_end"].as_i64().unwrap_or(0))
        })
        .unwrap_or(&firewall["default_inbound"])
}

/// Rule IDs with their keys: `firewall-port-exposed:6379`.
pub fn finding_keys(report: &serde_json::Value) -> Vec<String> {
    let mut v: Vec<String> = report["findings"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|f| f["rule_id"].as_str().is_some_and(|r| r.starts_with("firewall")))
                .map(|f| format!("{}:{}", f["rule_id"].as_str().unwrap_or(""), f["key"].as_str().unwrap_or("")))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

pub fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/firewall").join(rel)
}
