//! How a detected secret appears in facts and reports: never the value, only
//! what a reviewer needs to find and rotate it.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct SecretRef {
    /// The secret rule that recognised it (`secret-aws-access-key`, ...).
    pub rule_id: String,
    /// At most the first four characters and the length: `AKIA… (20 chars)`.
    pub preview: String,
    /// Keyed hash of the value: stable across runs on one installation,
    /// useless for a dictionary attack without the key.
    pub fingerprint: String,
}
