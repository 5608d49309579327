//! A secret found written in a file: which rule recognised it, where it is
//! and in what structure, never the value. Filled in by the secrets
//! collector; the rule engine turns each into one finding.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Secret {
    /// The secret rule that recognised the value (`secret-aws-access-key`).
    pub rule_id: String,
    /// The key the value is assigned to (`GITHUB_TOKEN`, `requirepass`).
    pub key: Option<String>,
    /// The public prefix of a typed token and the length: `AKIA… (20 chars)`.
    pub preview: String,
    /// Keyed hash of the value: the same secret has the same fingerprint
    /// wherever the same key is used.
    pub fingerprint: String,
    pub context: SecretContext,
    /// Rules named by an inline `stackaudit:ignore` comment on the secret's
    /// line (empty: every rule). `None` without such a comment. The gate
    /// applies it.
    pub inline_ignore: Option<Vec<String>>,
    /// How many secrets with the same key in the same object come before
    /// this one in the file (from 0); part of the finding's identity.
    pub ordinal: u32,
}

/// Where in its file's structure a secret sits.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct SecretContext {
    /// `dotenv`, `yaml`, `json`, `toml`, `ini`, `properties`, `dockerfile`,
    /// `shell`, `nginx`, `source`, `markdown` or `text`.
    pub format: String,
    /// The Kubernetes object holding the value: `Secret/app`.
    pub object: Option<String>,
    /// The keys above the value in YAML (`services.redis.environment`), or
    /// the INI/TOML section.
    pub path: Option<String>,
    /// The Dockerfile instruction (`ENV`, `ARG`, `RUN`) or the field of a
    /// Kubernetes Secret (`data`, `stringData`).
    pub statement: Option<String>,
    /// `base64` when the value was decoded before it was judged.
    pub encoding: Option<String>,
}
