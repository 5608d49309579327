//! Daemon-wide settings from `docker info` (and the default bridge network),
//! for the CIS Docker Benchmark's daemon checks. Filled in by the Docker
//! collector; one fact per audited host.
//!
//! Settings `docker info` does not show (log level, listening sockets,
//! userland proxy, daemon-wide no-new-privileges, default ulimits) come from
//! the daemon's configuration when stackaudit runs on the Docker host itself:
//! `daemon.json` and dockerd's command line. `config_read` says whether it
//! could; when not, those settings are `None` and no rule judges them.

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
    /// The daemon runs in debug mode (`-D`, `"debug": true`): log level debug.
    pub debug: bool,
    /// Swarm state of this node (`inactive`, `active`, `pending`, `error`,
    /// `locked`).
    pub swarm_state: Option<String>,
    /// This node is a swarm manager (its services and nodes can be listed).
    pub swarm_manager: bool,
    /// stackaudit reached this daemon over plain TCP, without TLS: anyone
    /// who can reach the port controls the daemon.
    pub plain_tcp: bool,
    /// The daemon's configuration on this host could be read (`daemon.json`,
    /// dockerd's command line): the settings below are known.
    pub config_read: bool,
    /// Where the configuration was read from.
    pub config_sources: Vec<String>,
    /// `log-level`; `info` when not set.
    pub log_level: Option<String>,
    /// Sockets the daemon listens on (`-H`, `hosts`).
    pub listen: Vec<String>,
    /// TCP sockets among them.
    pub tcp_listen: Vec<String>,
    /// `--tlsverify`: clients must present a certificate signed by the CA.
    pub tls_verify: Option<bool>,
    /// TLS material configured for the daemon (`tlscacert`, `tlscert`,
    /// `tlskey`), by role.
    pub tls_ca: Option<String>,
    pub tls_cert: Option<String>,
    pub tls_key: Option<String>,
    /// `iptables`; true when not set.
    pub iptables: Option<bool>,
    /// `userland-proxy`; true when not set.
    pub userland_proxy: Option<bool>,
    /// `no-new-privileges` for every container; false when not set.
    pub no_new_privileges: Option<bool>,
    /// `default-ulimits` as `name=soft:hard`.
    pub default_ulimits: Option<Vec<String>>,
    /// `cgroup-parent` for every container.
    pub cgroup_parent: Option<String>,
    /// `storage-opts`.
    pub storage_opts: Vec<String>,
}
