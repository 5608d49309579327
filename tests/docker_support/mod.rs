//! The real Docker engine for the Docker tests: tiny images built locally
//! (`FROM scratch` + Debian's busybox-static, since nothing can be pulled),
//! containers started with the settings under test, and guards that remove
//! every container and image by ID when the test ends, even after a failed
//! assertion. Every name and label carries a per-run token so tests running
//! in parallel (and other users of the daemon) never see each other's
//! containers.

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

pub mod fronts;
pub mod proxy;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

pub const SOCKET: &str = "/var/run/docker.sock";
pub const TEST_LABEL: &str = "stackaudit.test";

/// Busybox from Debian's busybox-static (scripts/install-test-deps.sh).
const BUSYBOX: &str = "/bin/busybox";

/// The Docker CLI and daemon must be there: CI installs and starts them, and
/// a test that skipped silently would prove nothing.
pub fn require_engine() {
    let out = docker(&["version", "--format", "{{.Server.Version}}"]);
    assert!(
        out.status.success(),
        "these tests need a running Docker engine at {SOCKET}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(Path::new(BUSYBOX).is_file(), "{BUSYBOX} missing: run scripts/install-test-deps.sh (busybox-static)");
}

pub fn docker(args: &[&str]) -> Output {
    Command::new("docker").args(args).output().expect("the docker CLI runs")
}

/// Runs `docker args`, panicking with its stderr on failure; returns stdout.
pub fn docker_ok(args: &[&str]) -> String {
    let out = docker(args);
    assert!(out.status.success(), "docker {}: {}", args.join(" "), String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// A token unique to this test run and test: process ID, time, a name.
pub fn token(test: &str) -> String {
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    format!("{test}-{}-{nanos:x}", std::process::id())
}

/// A locally built image, removed by ID on drop.
pub struct TestImage {
    pub id: String,
    pub tag: String,
}

impl TestImage {
    /// `FROM scratch` with busybox installed, an `sshd` stand-in (a shell
    /// script, so the kernel names the process `sshd`: no real SSH server is
    /// available without pulling), and `user` as the image's `USER`.
    pub fn build(token: &str, user: Option<&str>) -> TestImage {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::copy(BUSYBOX, dir.path().join("busybox")).expect("copy busybox");
        std::fs::write(dir.path().join("sshd"), "#!/bin/sh\nwhile :; do sleep 1; done\n").unwrap();
        set_executable(&dir.path().join("sshd"));
        let mut dockerfile = String::from(
            "FROM scratch\nCOPY busybox /bin/busybox\nRUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]\n\
             COPY sshd /usr/sbin/sshd\n",
        );
        // A unique label makes a unique image ID, so removing it by ID
        // cannot remove another test's image.
        dockerfile.push_str(&format!("LABEL {TEST_LABEL}={token}\n"));
        if let Some(u) = user {
            dockerfile.push_str(&format!("USER {u}\n"));
        }
        std::fs::write(dir.path().join("Dockerfile"), dockerfile).unwrap();
        let tag = format!("stackaudit-test:{}", token.to_ascii_lowercase());
        let out = Command::new("docker")
            .args(["build", "-q", "-t", &tag])
            .arg(dir.path())
            .env("DOCKER_BUILDKIT", "0")
            .output()
            .expect("docker build runs");
        assert!(out.status.success(), "docker build: {}", String::from_utf8_lossy(&out.stderr));
        let id = docker_ok(&["image", "inspect", "--format", "{{.Id}}", &tag]);
        TestImage { id, tag }
    }
}

impl Drop for TestImage {
    fn drop(&mut self) {
        let _ = docker(&["rmi", "-f", &self.id]);
    }
}

#[cfg(unix)]
fn set_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// Containers started by a test, removed by ID on drop.
pub struct Containers {
    pub token: String,
    ids: Vec<String>,
}

impl Containers {
    pub fn new(token: &str) -> Self {
        Self { token: token.to_string(), ids: Vec::new() }
    }

    /// The container name for `short`, unique to this run.
    pub fn name(&self, short: &str) -> String {
        format!("sa-{}-{short}", self.token)
    }

    /// `docker run -d` with the test label and `args` (options, then image
    /// and command); returns the container ID.
    pub fn run(&mut self, short: &str, args: &[&str]) -> String {
        self.start("run", &["-d"], short, args)
    }

    /// `docker create` (never started: a stopped container).
    pub fn create(&mut self, short: &str, args: &[&str]) -> String {
        self.start("create", &[], short, args)
    }

    fn start(&mut self, verb: &str, extra: &[&str], short: &str, args: &[&str]) -> String {
        let name = self.name(short);
        let label = format!("{TEST_LABEL}={}", self.token);
        let mut full = vec![verb];
        full.extend_from_slice(extra);
        full.extend_from_slice(&["--name", &name, "--label", &label]);
        full.extend_from_slice(args);
        let out = docker(&full);
        // Record the ID even if `run` failed after creating the container.
        let id = String::from_utf8_lossy(&out.stdout).trim().to_string();
        if !id.is_empty() {
            self.ids.push(id.clone());
        } else if let Ok(id) = std::str::from_utf8(&docker(&["inspect", "--format", "{{.Id}}", &name]).stdout) {
            if !id.trim().is_empty() {
                self.ids.push(id.trim().to_string());
            }
        }
        assert!(out.status.success(), "docker {}: {}", full.join(" "), String::from_utf8_lossy(&out.stderr));
        id
    }

    /// Waits until the container's health status is `want`.
    pub fn wait_health(&self, id: &str, want: &str, limit: Duration) {
        let start = Instant::now();
        loop {
            let status = docker_ok(&["inspect", "--format", "{{.State.Health.Status}}", id]);
            if status == want {
                return;
            }
            assert!(start.elapsed() < limit, "container {id} still {status:?}, not {want:?}, after {limit:?}");
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

impl Drop for Containers {
    fn drop(&mut self) {
        if self.ids.is_empty() {
            return;
        }
        let mut args = vec!["rm", "-f", "-v"];
        args.extend(self.ids.iter().map(String::as_str));
        let _ = docker(&args);
    }
}

/// A temp folder with a `stackaudit.toml` whose `[docker]` section audits
/// only this run's containers (by label). `extra` is added to the section.
pub fn config_dir(token: &str, extra: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("stackaudit.toml");
    let text = format!(
        "# docker test config\n[docker]\nenabled = true\ninclude_labels = [\"{TEST_LABEL}={token}\"]\n{extra}\n"
    );
    std::fs::write(&path, text).unwrap();
    (dir, path)
}
