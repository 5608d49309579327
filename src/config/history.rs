use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Keeping each run's report for drift detection (`--history`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct HistoryConfig {
    pub dir: Option<String>,
    pub retention: Retention,
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
