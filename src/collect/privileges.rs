//! The privilege settings of a workload, grouped the same way by every
//! workload mapper (compose services, Kubernetes containers, running
//! containers): one type, so the three read their sources into the same
//! shape and cannot drift apart in what "privileges" covers.

use crate::facts::workload::{Capabilities, HostNamespaces, SecurityProfiles};

/// What the container may do to its host and itself.
pub struct Privileges {
    pub capabilities: Capabilities,
    pub read_only_rootfs: bool,
    pub privileged: bool,
    pub security: SecurityProfiles,
    pub no_new_privileges: bool,
    pub host_namespaces: HostNamespaces,
}
