use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Leaked-secret scanning of files under the scanned paths.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct SecretsConfig {
    pub enabled: bool,
    /// Files larger than this are skipped (and reported as skipped).
    pub max_file_bytes: u64,
    /// Glob patterns of paths not to search for secrets.
    pub exclude: Vec<String>,
}

impl Default for SecretsConfig {
    fn default() -> Self {
        Self { enabled: true, max_file_bytes: 16 * 1024 * 1024, exclude: Vec::new() }
    }
}
