//! Daemon-wide settings from `docker info` (and the default bridge network),
//! for the CIS Docker Benchmark's daemon checks. Filled in by the Docker
//! collector; one fact per audited host.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct DockerDaemon {
    /// The host URI as configured (`unix:///var/run/docker.sock`, ...).
    pub host: String,
    pub server_version: Option<String>,
    /// The API version both sides agreed on.
    pub api_version: Option<String>,
    pub operating_system: Option<String>,
    /// The daemon runs as an unprivileged user (rootless mode).
    pub rootless: bool,
    /// `userns-remap` is configured: root in a container is not root on the host.
    pub userns_remap: bool,
    /// Containers keep running while the daemon restarts.
    pub live_restore: bool,
    /// Inter-container communication on the default bridge (`icc`). `None`
    /// when the default bridge network could not be read (or does not exist).
    pub icc: Option<bool>,
    /// The daemon confines containers with AppArmor.
    pub apparmor: bool,
    /// The daemon applies seccomp profiles; `seccomp_profile` names the default.
    pub seccomp: bool,
    pub seccomp_profile: Option<String>,
    pub selinux: bool,
    /// Insecure (plain HTTP or unverified TLS) registries, besides the
    /// built-in `127.0.0.0/8`.
    pub insecure_registries: Vec<String>,
    /// Authorization plugins (`--authorization-plugin`).
    pub authorization_plugins: Vec<String>,
    pub logging_driver: Option<String>,
    pub storage_driver: Option<String>,
    pub cgroup_version: Option<String>,
    pub experimental: bool,
    pub containers_running: i64,
}
