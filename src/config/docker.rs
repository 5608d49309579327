use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Running containers, through the Docker Engine API (read-only).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct DockerConfig {
    /// Audit running containers (`--docker`).
    pub enabled: bool,
    /// Docker hosts; empty = `DOCKER_HOST` or the local socket.
    pub hosts: Vec<DockerHostConfig>,
    /// Include stopped containers (`--all`).
    pub all: bool,
    /// Per-host time limit for the whole audit of that host, in seconds.
    pub timeout_secs: u64,
    /// Container inspections in flight per host.
    pub concurrency: usize,
    /// Only containers whose name matches one of these globs.
    pub include_names: Vec<String>,
    pub exclude_names: Vec<String>,
    /// Only containers carrying one of these labels (`key` or `key=value`).
    pub include_labels: Vec<String>,
    pub exclude_labels: Vec<String>,
    /// Whether Swarm mode is meant to be on for these hosts (CIS Docker
    /// 5.1). Unset: a swarm that runs no service is taken as not needed.
    pub swarm_intended: Option<bool>,
}

impl Default for DockerConfig {
    fn default() -> Self {
        Self {
            enabled: false,
            hosts: Vec::new(),
            all: false,
            timeout_secs: 20,
            concurrency: 32,
            include_names: Vec::new(),
            exclude_names: Vec::new(),
            include_labels: Vec::new(),
            exclude_labels: Vec::new(),
            swarm_intended: None,
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct DockerHostConfig {
    /// `unix:///var/run/docker.sock`, `tcp://host:2376`, `ssh://user@host`.
    pub uri: String,
    /// TLS client material for `tcp://` hosts.
    pub ca: Option<String>,
    pub cert: Option<String>,
    pub key: Option<String>,
}
