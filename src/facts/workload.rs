//! A container however it was declared: a compose service, a Kubernetes
//! container or a running Docker container all become this one shape, so one
//! rule covers all three.
//!
//! Absent settings are stated explicitly rather than left to each rule to
//! guess: an absent limit is `None` (unlimited), an undeclared user is
//! resolved to what the container would really run as and says how that was
//! decided.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::image::ImageRef;
pub use super::role::Role;
use super::SecretRef;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Workload {
    /// How the workload was declared: `compose`, `kubernetes`, `docker` (a
    /// running container) or `swarm` (a Docker Swarm service).
    pub platform: Platform,
    pub image: Option<ImageRef>,
    /// The Dockerfile the image is built from, when the declaration says.
    pub build_dockerfile: Option<String>,
    pub user: User,
    pub capabilities: Capabilities,
    pub read_only_rootfs: bool,
    pub privileged: bool,
    /// `no-new-privileges` (Docker) or `allowPrivilegeEscalation: false`.
    pub no_new_privileges: bool,
    pub limits: Limits,
    pub security: SecurityProfiles,
    pub host_namespaces: HostNamespaces,
    pub mounts: Vec<Mount>,
    /// Host devices passed through (`devices:`, `--device`).
    pub devices: Vec<String>,
    pub ports: Vec<PortBinding>,
    /// Variable names and how each is set; values never leave the collector.
    pub environment: Vec<EnvVar>,
    pub healthcheck: Healthcheck,
    /// The container runs a task to completion and exits (a Kubernetes init
    /// container, Job or CronJob): health checks do not apply to it.
    pub run_to_completion: bool,
    /// `no`, `always`, `unless-stopped`, `on-failure` or `on-failure:N`
    /// (Docker's syntax; N = the maximum number of restarts).
    pub restart_policy: Option<String>,
    /// Per-container ulimit overrides, `name=soft:hard` (`--ulimit`).
    pub ulimits: Vec<String>,
    /// `--cgroup-parent`: the cgroup the container is placed under instead of
    /// the daemon's default.
    pub cgroup_parent: Option<String>,
    pub networks: Vec<String>,
    pub labels: BTreeMap<String, String>,
    /// Only for running containers: what the daemon reports about them now.
    pub runtime: Option<Runtime>,
    /// Read from a live API (a running container, a Swarm service, a pod of
    /// a cluster) rather than from a file: no file scan sees its values, so
    /// its own rules must report a literal secret in its environment.
    pub live: bool,
    /// What the workload is for, judged from its image (see `facts::role`).
    pub role: Role,
    /// Deployed together with a reverse proxy, so its ports are meant to be
    /// reached through that proxy rather than directly.
    pub behind_proxy: bool,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Platform {
    #[default]
    Compose,
    Kubernetes,
    Docker,
    Swarm,
}

/// Who the container's main process runs as.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct User {
    /// The value as declared (`1001`, `nextjs`, `root:root`), if any. A
    /// declaration that interpolates a variable is kept as written
    /// (`${APP_UID}`): the variable's value may be a secret.
    pub declared: Option<String>,
    /// Numeric UID when the declaration has one.
    pub uid: Option<i64>,
    /// Where the effective user was decided: `workload` (the declaration
    /// itself), `dockerfile` (the built stage's USER), `image` (the image's
    /// configured user, read from a Docker engine), `default` (nothing sets
    /// a user and nothing can: a `FROM scratch` image, or a daemon that
    /// reports none: the process runs as root) or `unknown` (the image
    /// decides, and it could not be checked).
    pub source: UserSource,
    /// Known to run as root. `false` when `source` is `unknown`.
    pub runs_as_root: bool,
    /// The image whose configured user applies because nothing closer sets
    /// one (the service's image, or the base image of the stage it is built
    /// from); `None` when no image is known.
    pub image: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum UserSource {
    Workload,
    Dockerfile,
    Image,
    #[default]
    Default,
    Unknown,
}

impl User {
    /// Interprets a Docker/compose `user` string (`name`, `uid`, `uid:gid`).
    pub fn from_declaration(value: &str, source: UserSource) -> Self {
        let user_part = value.split(':').next().unwrap_or("").trim();
        let uid = user_part.parse::<i64>().ok();
        let runs_as_root = user_part.is_empty() || user_part == "root" || uid == Some(0);
        Self { declared: Some(value.to_string()), uid, source, runs_as_root, image: None }
    }

    /// Nothing declared anywhere, and nothing that could declare one: the
    /// container runs as root.
    pub fn default_root() -> Self {
        Self { declared: None, uid: None, source: UserSource::Default, runs_as_root: true, image: None }
    }

    /// Nothing in the declaration sets a user, so `image` (when known)
    /// decides; until an engine says what it is configured with, the user
    /// is unknown, not root.
    pub fn decided_by_image(image: Option<&str>) -> Self {
        Self {
            declared: None,
            uid: None,
            source: UserSource::Unknown,
            runs_as_root: false,
            image: image.map(str::to_string),
        }
    }

    /// The image's configured user (`Config.User`), empty meaning root.
    pub fn from_image_config(image: &str, configured: Option<&str>) -> Self {
        let mut user = match configured.map(str::trim).filter(|u| !u.is_empty()) {
            Some(u) => Self::from_declaration(u, UserSource::Image),
            None => Self { declared: None, uid: None, source: UserSource::Image, runs_as_root: true, image: None },
        };
        user.image = Some(image.to_string());
        user
    }

    /// Whether an engine lookup could settle who this runs as.
    pub fn awaits_image(&self) -> Option<&str> {
        match self.source {
            UserSource::Unknown => self.image.as_deref(),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Capabilities {
    /// Upper-case names without the `CAP_` prefix.
    pub add: Vec<String>,
    pub drop: Vec<String>,
    /// `drop` contains `ALL`.
    pub drops_all: bool,
}

impl Capabilities {
    /// Normalises names the way Docker and Kubernetes accept them:
    /// case-insensitive, with or without `CAP_`.
    pub fn normalise(name: &str) -> String {
        let upper = name.trim().to_ascii_uppercase();
        upper.strip_prefix("CAP_").map(str::to_string).unwrap_or(upper)
    }

    pub fn new(add: impl IntoIterator<Item = String>, drop: impl IntoIterator<Item = String>) -> Self {
        let add: Vec<String> = add.into_iter().map(|c| Self::normalise(&c)).collect();
        let drop: Vec<String> = drop.into_iter().map(|c| Self::normalise(&c)).collect();
        let drops_all = drop.iter().any(|c| c == "ALL");
        Self { add, drop, drops_all }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// `None` means unlimited.
    pub memory_bytes: Option<i64>,
    pub cpus: Option<f64>,
    pub pids: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct SecurityProfiles {
    /// `unconfined`, `runtime/default`, a profile path; `None` = runtime default.
    pub seccomp: Option<String>,
    pub apparmor: Option<String>,
    pub selinux: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct HostNamespaces {
    pub network: bool,
    pub pid: bool,
    pub ipc: bool,
    pub uts: bool,
    /// `userns_mode: host` (opts out of a daemon's user-namespace remapping).
    pub user: bool,
}

impl HostNamespaces {
    /// Names of the host namespaces shared, for messages.
    pub fn shared(&self) -> Vec<&'static str> {
        [(self.network, "network"), (self.pid, "pid"), (self.ipc, "ipc"), (self.uts, "uts"), (self.user, "user")]
            .into_iter()
            .filter_map(|(on, name)| on.then_some(name))
            .collect()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Mount {
    pub kind: MountKind,
    /// Host path for binds, volume name for volumes.
    pub source: Option<String>,
    pub target: String,
    pub read_only: bool,
    /// Bind propagation (`shared`, `rshared`, ...), when set.
    pub propagation: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MountKind {
    #[default]
    Bind,
    Volume,
    Tmpfs,
    Other,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct PortBinding {
    /// Host address the port is bound to; `None` or `0.0.0.0`/`::` = all.
    pub host_ip: Option<String>,
    /// Host port or range as declared; `None` = an ephemeral port.
    pub host_port: Option<String>,
    pub container_port: String,
    pub protocol: String,
    /// Bound on every host interface, i.e. reachable from outside unless a
    /// firewall intervenes (and Docker's own rules bypass most host firewalls).
    pub all_interfaces: bool,
}

impl PortBinding {
    pub fn is_all_interfaces(host_ip: Option<&str>) -> bool {
        match host_ip.map(str::trim) {
            None | Some("") | Some("0.0.0.0") | Some("::") | Some("[::]") => true,
            Some(_) => false,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct EnvVar {
    pub name: String,
    pub value: EnvValue,
    /// Set when the secret detectors recognised the literal value.
    pub secret: Option<SecretRef>,
}

/// How an environment variable gets its value. The value itself is never
/// stored in a fact.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum EnvValue {
    /// A value written in the declaration.
    #[default]
    Literal,
    /// `${VAR}` / `$VAR` interpolation, resolved at deploy time.
    Reference,
    /// Declared without a value (passed through from the environment).
    Unset,
    /// From a Kubernetes Secret, ConfigMap or field reference.
    External,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Healthcheck {
    pub defined: bool,
    /// Explicitly disabled (`disable: true`, `NONE`).
    pub disabled: bool,
    /// Where it was found: `workload`, `dockerfile`, `image`, `probe`.
    pub source: Option<String>,
}

/// What a live daemon reports about a running container.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Runtime {
    pub container_id: String,
    pub status: String,
    /// `healthy`, `unhealthy`, `starting`; `None` when there is no health check.
    pub health: Option<String>,
    /// The user the image is configured with (`Config.User` of the image).
    pub image_user: Option<String>,
    /// Command names of the processes running inside.
    pub processes: Vec<String>,
    pub host: String,
}
