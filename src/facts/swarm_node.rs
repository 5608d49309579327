//! One node of a Docker Swarm, as the manager lists it.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct SwarmNode {
    /// The Docker host URI of the manager that listed it.
    pub host: String,
    pub id: String,
    pub hostname: String,
    /// `manager` or `worker`.
    pub role: String,
    /// `active`, `pause` or `drain`.
    pub availability: String,
    /// `ready`, `down`, `disconnected`, `unknown`.
    pub state: String,
    pub leader: bool,
    pub engine_version: Option<String>,
    /// The address other nodes reach the node's manager API on (managers).
    pub manager_addr: Option<String>,
    /// The address the node carries container (data plane) traffic on.
    pub data_addr: Option<String>,
}
