//! What only the Docker host itself can show: the daemon's configuration
//! (`daemon.json`, dockerd's command line), the ownership and permissions of
//! the daemon's files (CIS Docker Benchmark v1.6.0 section 3), and the
//! sockets swarm's control port listens on. Read only when stackaudit runs on
//! the host it audits (a `unix://` socket that exists here), and only read:
//! nothing on the host is changed.
//!
//! Every path is taken relative to a root (`/` in a scan) so tests can build
//! a host in a temporary folder.

mod daemon_config;
mod files;
mod listeners;
mod processes;
mod users;

use std::path::{Path, PathBuf};

pub use daemon_config::DaemonConfig;
pub use files::host_files;
pub use listeners::listening_on;
pub use processes::container_processes;

/// Largest configuration file read (`daemon.json`, `/etc/passwd`, a
/// process's command line): far beyond any real one.
const MAX_CONFIG_BYTES: u64 = 1024 * 1024;

/// The host's filesystem as seen from here: `/`, or a test's folder.
#[derive(Debug, Clone)]
pub struct HostRoot(PathBuf);

impl HostRoot {
    pub fn system() -> Self {
        Self(PathBuf::from("/"))
    }

    #[cfg(test)]
    pub fn at(path: impl Into<PathBuf>) -> Self {
        Self(path.into())
    }

    /// An absolute host path under this root.
    pub fn path(&self, absolute: &str) -> PathBuf {
        self.0.join(absolute.trim_start_matches('/'))
    }

    /// Reads a small text file, `None` when it is absent, unreadable or over
    /// the cap (never partially).
    pub fn read(&self, absolute: &str) -> Option<String> {
        read_capped(&self.path(absolute))
    }
}

fn read_capped(path: &Path) -> Option<String> {
    // Through the shared reader: a FIFO or device planted where a config
    // file is expected is refused, not opened and waited on.
    // Not `read_text`: `/proc/<pid>/cmdline` is NUL-separated text.
    crate::input::read_capped(path, MAX_CONFIG_BYTES).ok().and_then(|b| String::from_utf8(b).ok())
}

/// The socket path of a Docker host URI when it names a local socket that
/// exists here: stackaudit then runs on the audited host.
pub fn local_socket(uri: &str, root: &HostRoot) -> Option<String> {
    let path = uri.strip_prefix("unix://").or_else(|| uri.starts_with('/').then_some(uri))?;
    root.path(path).exists().then(|| path.to_string())
}
