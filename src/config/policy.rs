use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Thresholds and expectations rule expressions read as `policy.*`. The
/// defaults are the reference deployment guide's.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Policy {
    /// Minimum HSTS `max-age` in seconds (guide: one year).
    pub hsts_min_max_age: i64,
    /// Warn when a certificate expires within this many days.
    pub cert_expiry_warning_days: i64,
    /// Longest acceptable certificate lifetime in days (CA/B Forum: 398).
    pub max_cert_lifetime_days: i64,
    /// Ports that must never be reachable from outside the host (the app's
    /// 3000 and Redis's 6379 in the guide).
    pub internal_ports: Vec<i64>,
    /// Ports the host may accept from anywhere (guide: 80, 443).
    pub allowed_inbound_ports: Vec<i64>,
    /// Source networks SSH may be reached from.
    pub ssh_allowed_sources: Vec<String>,
    /// Minimum replicas for a Deployment (guide runs 3; fewer than 2 is no
    /// redundancy at all).
    pub min_replicas: i64,
    /// Capabilities a container may add back: the Kubernetes Pod Security
    /// Standards Baseline set. Adding any other one is reported, whichever
    /// source declared it (compose, manifest or running container).
    pub allowed_capabilities: Vec<String>,
    /// Capabilities reported even though `allowed_capabilities` lists them
    /// (a stricter policy than the Baseline).
    pub dangerous_capabilities: Vec<String>,
    /// Host paths that must never be mounted into a container.
    pub sensitive_host_paths: Vec<String>,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            hsts_min_max_age: 31_536_000,
            cert_expiry_warning_days: 30,
            max_cert_lifetime_days: 398,
            internal_ports: vec![3000, 6379],
            allowed_inbound_ports: vec![80, 443],
            ssh_allowed_sources: Vec::new(),
            min_replicas: 2,
            allowed_capabilities: [
                "AUDIT_WRITE",
                "CHOWN",
                "DAC_OVERRIDE",
                "FOWNER",
                "FSETID",
                "KILL",
                "MKNOD",
                "NET_BIND_SERVICE",
                "SETFCAP",
                "SETGID",
                "SETPCAP",
                "SETUID",
                "SYS_CHROOT",
            ]
            .map(String::from)
            .to_vec(),
            dangerous_capabilities: Vec::new(),
            sensitive_host_paths: [
                "/",
                "/etc",
                "/proc",
                "/sys",
                "/boot",
                "/dev",
                "/usr",
                "/lib",
                "/root",
                "/var/lib/docker",
                "/var/lib/kubelet",
                "/var/log",
                "/run",
                "/var/run",
                "/home",
            ]
            .map(String::from)
            .to_vec(),
        }
    }
}
