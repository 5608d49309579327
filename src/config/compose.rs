use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Compose projects beyond those Docker Compose finds by itself.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ComposeConfig {
    /// File sets run as `docker compose -f A -f B ...`: each is audited
    /// merged, and its files are not audited alone.
    pub projects: Vec<ComposeProjectConfig>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ComposeProjectConfig {
    /// The `-f` files in order (relative to this config file); the first
    /// one's folder is the project folder.
    pub files: Vec<String>,
    /// Variables for `${VAR}` interpolation (`--env-file`); default: the
    /// project folder's `.env`.
    pub env_file: Option<String>,
}

/// Images a workload runs without setting a user: their configured user.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ImagesConfig {
    /// Ask the local Docker engine (`DOCKER_HOST` or the default socket),
    /// read-only, for the configured user of such images. Without an
    /// engine that has the image, the user is reported unknown.
    pub engine_lookup: bool,
    /// Time limit for all those lookups together, in seconds.
    pub engine_timeout_secs: u64,
}

impl Default for ImagesConfig {
    fn default() -> Self {
        Self { engine_lookup: true, engine_timeout_secs: 3 }
    }
}
