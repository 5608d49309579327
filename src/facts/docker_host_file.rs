//! Ownership and permissions of one of the Docker daemon's files on the host
//! stackaudit runs on (CIS Docker Benchmark v1.6.0 section 3). Only read with
//! `stat`; nothing is changed.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct DockerHostFile {
    /// The Docker host URI whose files these are.
    pub host: String,
    pub path: String,
    /// What the file is (`docker.service`, `daemon.json`, `TLS CA certificate`).
    pub purpose: String,
    /// `file`, `directory` or `socket`.
    pub file_type: String,
    /// User and group names (numeric when the host has no name for them).
    pub owner: String,
    pub group: String,
    /// Permission bits, octal (`0644`).
    pub mode: String,
    /// What the benchmark asks for.
    pub expected_owner: String,
    pub expected_group: String,
    pub max_mode: String,
    /// Permission bits set beyond `max_mode` (octal, `0000` when none).
    pub excess_mode: String,
    /// The benchmark's item numbers for ownership and for permissions.
    pub cis_ownership: String,
    pub cis_permissions: String,
}
