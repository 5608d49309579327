use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Keeping each run's report for drift detection (`--history`).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct HistoryConfig {
    /// Folder keeping one JSON report per run (`--history`).
    pub dir: Option<String>,
    pub retention: Retention,
    /// How long a run waits for an overlapping run's lock on the folder
    /// before giving up (exit 2).
    pub lock_timeout_secs: u64,
}

impl Default for HistoryConfig {
    fn default() -> Self {
        Self { dir: None, retention: Retention::default(), lock_timeout_secs: 60 }
    }
}

/// Grandfather-father-son retention, the guide's backup policy by default.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Retention {
    pub daily: u32,
    pub weekly: u32,
    pub monthly: u32,
}

impl Default for Retention {
    fn default() -> Self {
        Self { daily: 7, weekly: 4, monthly: 12 }
    }
}
