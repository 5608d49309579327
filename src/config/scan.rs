use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::findings::Severity;

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ScanConfig {
    /// Paths to scan when none are given on the command line.
    pub paths: Vec<String>,
    /// Glob patterns (gitignore syntax) of paths never to read.
    pub exclude: Vec<String>,
    /// Severity at or above which the gate fails (`--fail-on`).
    pub fail_on: Severity,
    /// Extra rule folders (`--rules`).
    pub rules: Vec<String>,
    /// Suppressions file (`--ignore-file`).
    pub ignore_file: Option<String>,
    /// Previous JSON report whose findings do not fail the gate (`--baseline`).
    pub baseline: Option<String>,
    /// Largest structured config file (compose, manifest, nginx) read, in bytes.
    pub max_config_bytes: u64,
    /// Run only these sources (`--only`): compose, dockerfile, kubernetes,
    /// nginx, secrets, docker, kubernetes-api, tls, http, dns, firewall.
    /// Empty: all.
    pub only: Vec<String>,
    /// Never run these sources (`--skip`).
    pub skip: Vec<String>,
    /// Hand each file's facts to a temporary file once they are evaluated,
    /// so memory stays bounded by the findings, not by every fact of the
    /// tree. `false` keeps every fact in memory until the reports are
    /// written; so does a scan where no temporary file can be made.
    pub spool_facts: bool,
}

impl ScanConfig {
    /// The sources `only`/`skip` select among the `known` ones.
    pub fn selection(&self, known: &[&'static str]) -> Result<super::sources::Selection, String> {
        super::sources::Selection::new(
            self.only.iter().map(String::as_str),
            self.skip.iter().map(String::as_str),
            known,
        )
    }
}

impl Default for ScanConfig {
    fn default() -> Self {
        Self {
            paths: Vec::new(),
            exclude: Vec::new(),
            fail_on: Severity::High,
            rules: Vec::new(),
            ignore_file: None,
            baseline: None,
            max_config_bytes: crate::input::DEFAULT_MAX_CONFIG_BYTES,
            only: Vec::new(),
            skip: Vec::new(),
            spool_facts: true,
        }
    }
}
