//! A container whose image in a live cluster differs from the image the
//! scanned repository's manifest declares for it: a hot fix or a release
//! nobody committed.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Location;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ImageDrift {
    pub cluster: String,
    pub namespace: String,
    /// `Deployment/web`.
    pub workload: String,
    pub container: String,
    /// The image the cluster runs.
    pub running_image: String,
    /// The image the manifest declares.
    pub manifest_image: String,
    /// Where the manifest declares it.
    pub manifest: Option<Location>,
}
