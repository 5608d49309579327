//! How a detected secret appears in facts and reports: never the value, only
//! what a reviewer needs to find and rotate it.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct SecretRef {
    /// The secret rule that recognised it (`secret-aws-access-key`, ...).
    pub rule_id: String,
    /// At most the public prefix of a typed token, and the length:
    /// `AKIA… (20 chars)`; a password shows only its length.
    pub preview: String,
    /// Keyed hash of the value: stable wherever the same key is used,
    /// useless for a dictionary attack without the key.
    pub fingerprint: String,
}
