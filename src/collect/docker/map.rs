//! A container's inspect answer (plus its image's config and its process
//! list) as a `workload` fact, the shape compose services and Kubernetes
//! containers take too, so the same rules judge all three.
//!
//! Absent settings are made explicit here: a memory, cpu or pids limit of 0
//! (or -1 for pids) is unlimited (`None`); an empty user is root.

use std::collections::BTreeMap;

use bollard::models::{ContainerInspectResponse, HealthConfig, HostConfig};

use super::security_opt;
use crate::collect::privileges::Privileges;
use crate::collect::secrets::Detector;
use crate::facts::image::ImageRef;
use crate::facts::workload::{
    Capabilities, EnvValue, EnvVar, Healthcheck, HostNamespaces, Limits, Mount, MountKind, Platform, PortBinding,
    Runtime, SecurityProfiles, User, UserSource, Workload,
};

/// What the image a container runs says about itself.
#[derive(Debug, Clone, Default)]
pub struct ImageConfig {
    /// `Config.User` of the image; `None` when empty.
    pub user: Option<String>,
    pub healthcheck: Option<HealthConfig>,
}

/// Everything read about one container.
pub struct Observed<'a> {
    pub host: &'a str,
    pub inspect: &'a ContainerInspectResponse,
    /// `None` when the image could not be inspected (removed since).
    pub image: Option<&'a ImageConfig>,
    /// Command names from `top`; empty for a stopped container.
    pub processes: Vec<String>,
    /// The daemon confines containers with AppArmor.
    pub daemon_apparmor: bool,
}

pub fn workload(o: &Observed<'_>, detector: &Detector) -> Workload {
    let default_host = HostConfig::default();
    let hc = o.inspect.host_config.as_ref().unwrap_or(&default_host);
    let config = o.inspect.config.clone().unwrap_or_default();
    let image_user = o.image.and_then(|i| i.user.clone());
    let Privileges { capabilities, read_only_rootfs, privileged, security, no_new_privileges, host_namespaces } =
        privileges(o, hc);
    let ports = ports(hc, config.exposed_ports.as_deref().unwrap_or_default(), host_namespaces.network);
    Workload {
        platform: Platform::Docker,
        image: config.image.as_deref().map(ImageRef::parse),
        build_dockerfile: None,
        user: user(config.user.as_deref(), image_user.as_deref()),
        capabilities,
        read_only_rootfs,
        privileged,
        no_new_privileges,
        limits: limits(hc),
        security,
        host_namespaces,
        mounts: mounts(o.inspect, hc),
        devices: hc.devices.as_deref().unwrap_or_default().iter().filter_map(|d| d.path_on_host.clone()).collect(),
        ports,
        environment: environment(config.env.as_deref().unwrap_or_default(), detector),
        healthcheck: healthcheck(config.healthcheck.as_ref(), o.image.and_then(|i| i.healthcheck.as_ref())),
        run_to_completion: false,
        restart_policy: restart_policy(hc),
        ulimits: ulimits(hc.ulimits.as_deref().unwrap_or_default()),
        cgroup_parent: hc.cgroup_parent.clone().filter(|p| !p.is_empty()),
        networks: networks(o.inspect),
        labels: labels(config.labels.clone(), detector),
        live: true,
        runtime: Some(runtime(o, image_user)),
        ..Workload::default()
    }
}

/// The configured user; the container inherits the image's `USER` unless
/// `--user` overrides it, and an empty one is root.
fn user(configured: Option<&str>, image_user: Option<&str>) -> User {
    match configured.map(str::trim).filter(|u| !u.is_empty()) {
        None => User::default_root(),
        Some(u) if image_user == Some(u) => User::from_declaration(u, UserSource::Image),
        Some(u) => User::from_declaration(u, UserSource::Workload),
    }
}

/// Capabilities, `--read-only`, `--privileged`, `--security-opt` and the
/// host namespaces.
fn privileges(o: &Observed<'_>, hc: &HostConfig) -> Privileges {
    let opts = security_opt::parse(hc.security_opt.as_deref().unwrap_or_default());
    let security = SecurityProfiles {
        seccomp: opts.seccomp.clone(),
        // Only meaningful where the daemon enforces AppArmor: elsewhere the
        // profile name is recorded but nothing confines the container anyway.
        apparmor: o
            .daemon_apparmor
            .then(|| o.inspect.app_armor_profile.clone().filter(|p| !p.is_empty()).or(opts.apparmor.clone()))
            .flatten(),
        selinux: opts.selinux.clone(),
    };
    let is_host = |mode: &Option<String>| mode.as_deref() == Some("host");
    let host_namespaces = HostNamespaces {
        network: is_host(&hc.network_mode),
        pid: is_host(&hc.pid_mode),
        ipc: is_host(&hc.ipc_mode),
        uts: is_host(&hc.uts_mode),
        user: is_host(&hc.userns_mode),
    };
    Privileges {
        capabilities: Capabilities::new(
            hc.cap_add.clone().unwrap_or_default(),
            hc.cap_drop.clone().unwrap_or_default(),
        ),
        read_only_rootfs: hc.readonly_rootfs.unwrap_or(false),
        privileged: hc.privileged.unwrap_or(false),
        security,
        no_new_privileges: opts.no_new_privileges,
        host_namespaces,
    }
}

/// `KEY=value` entries: every value the engine reports is a literal.
fn environment(entries: &[String], detector: &Detector) -> Vec<EnvVar> {
    entries
        .iter()
        .map(|entry| match entry.split_once('=') {
            Some((name, value)) => {
                EnvVar { name: name.to_string(), value: EnvValue::Literal, secret: detector.detect(name, value) }
            }
            None => EnvVar { name: entry.clone(), value: EnvValue::Unset, secret: None },
        })
        .collect()
}

/// The networks the container is attached to, sorted.
fn networks(inspect: &ContainerInspectResponse) -> Vec<String> {
    let mut networks: Vec<String> = inspect
        .network_settings
        .as_ref()
        .and_then(|n| n.networks.as_ref())
        .map(|n| n.keys().cloned().collect())
        .unwrap_or_default();
    networks.sort();
    networks
}

/// A container label may hold a password or htpasswd hash: masked.
fn labels(labels: Option<std::collections::HashMap<String, String>>, detector: &Detector) -> BTreeMap<String, String> {
    let mut labels = labels.unwrap_or_default().into_iter().collect::<BTreeMap<_, _>>();
    detector.mask_values(&mut labels);
    labels
}

/// What only a running container has: its ID, state, health and processes.
fn runtime(o: &Observed<'_>, image_user: Option<String>) -> Runtime {
    let state = o.inspect.state.as_ref();
    let health = state
        .and_then(|s| s.health.as_ref())
        .and_then(|h| h.status)
        .map(|s| s.to_string())
        .filter(|s| !s.is_empty() && s != "none");
    Runtime {
        container_id: o.inspect.id.clone().unwrap_or_default(),
        status: state.and_then(|s| s.status).map(|s| s.to_string()).unwrap_or_default(),
        health,
        image_user,
        processes: o.processes.clone(),
        host: o.host.to_string(),
    }
}

/// Docker's own syntax: `on-failure:5` when a maximum is set (0 means no
/// maximum, as the daemon reads it).
fn restart_policy(hc: &HostConfig) -> Option<String> {
    let policy = hc.restart_policy.as_ref()?;
    let name = policy.name.map(|n| n.to_string()).filter(|n| !n.is_empty())?;
    Some(match policy.maximum_retry_count.filter(|n| *n > 0) {
        Some(max) if name == "on-failure" => format!("{name}:{max}"),
        _ => name,
    })
}

/// `--ulimit` overrides as `name=soft:hard`.
pub fn ulimits(limits: &[bollard::models::ResourcesUlimits]) -> Vec<String> {
    limits
        .iter()
        .filter_map(|u| {
            let name = u.name.as_deref().filter(|n| !n.is_empty())?;
            let n = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
            Some(format!("{name}={}:{}", n(u.soft), n(u.hard)))
        })
        .collect()
}

/// 0 means unlimited for every limit; -1 too for pids.
fn limits(hc: &HostConfig) -> Limits {
    let positive = |v: Option<i64>| v.filter(|v| *v > 0);
    let cpus = match (positive(hc.nano_cpus), positive(hc.cpu_quota)) {
        (Some(nano), _) => Some(nano as f64 / 1e9),
        (None, Some(quota)) => Some(quota as f64 / positive(hc.cpu_period).unwrap_or(100_000) as f64),
        (None, None) => None,
    };
    Limits { memory_bytes: positive(hc.memory), cpus, pids: positive(hc.pids_limit) }
}

fn mounts(inspect: &ContainerInspectResponse, hc: &HostConfig) -> Vec<Mount> {
    let mut out: Vec<Mount> = inspect
        .mounts
        .as_deref()
        .unwrap_or_default()
        .iter()
        .map(|m| {
            let kind = match m.typ.as_deref() {
                Some("bind") => MountKind::Bind,
                Some("volume") => MountKind::Volume,
                Some("tmpfs") => MountKind::Tmpfs,
                _ => MountKind::Other,
            };
            let source = match kind {
                MountKind::Volume => m.name.clone().or(m.source.clone()),
                _ => m.source.clone(),
            };
            Mount {
                kind,
                source: source.filter(|s| !s.is_empty()),
                target: m.destination.clone().unwrap_or_default(),
                read_only: !m.rw.unwrap_or(true),
                propagation: m.propagation.clone().filter(|p| !p.is_empty()),
            }
        })
        .collect();
    // `--tmpfs` mounts are listed only in the host config.
    let mut tmpfs: Vec<&String> = hc.tmpfs.as_ref().map(|t| t.keys().collect()).unwrap_or_default();
    tmpfs.sort();
    for target in tmpfs {
        if !out.iter().any(|m| &m.target == target) {
            out.push(Mount { kind: MountKind::Tmpfs, source: None, target: target.clone(), ..Default::default() });
        }
    }
    out
}

/// Published ports: the declared bindings, every exposed port for `-P`, and
/// every exposed port on the host itself for `--network host`.
fn ports(hc: &HostConfig, exposed: &[String], host_network: bool) -> Vec<PortBinding> {
    let split = |key: &str| -> (String, String) {
        match key.split_once('/') {
            Some((port, proto)) => (port.to_string(), proto.to_ascii_lowercase()),
            None => (key.to_string(), "tcp".to_string()),
        }
    };
    let mut out = Vec::new();
    if host_network {
        for key in exposed {
            let (port, protocol) = split(key);
            out.push(PortBinding {
                host_ip: None,
                host_port: Some(port.clone()),
                container_port: port,
                protocol,
                all_interfaces: true,
            });
        }
        return out;
    }
    let bindings = hc.port_bindings.clone().unwrap_or_default();
    let mut sorted: Vec<_> = bindings.iter().collect();
    sorted.sort_by_key(|(key, _)| *key);
    for (key, list) in sorted {
        let (port, protocol) = split(key);
        for b in list.as_deref().unwrap_or_default() {
            let host_ip = b.host_ip.clone().filter(|ip| !ip.is_empty());
            out.push(PortBinding {
                all_interfaces: PortBinding::is_all_interfaces(host_ip.as_deref()),
                host_ip,
                host_port: b.host_port.clone().filter(|p| !p.is_empty()),
                container_port: port.clone(),
                protocol: protocol.clone(),
            });
        }
    }
    if hc.publish_all_ports.unwrap_or(false) {
        for key in exposed {
            let (port, protocol) = split(key);
            if !out.iter().any(|p| p.container_port == port && p.protocol == protocol) {
                out.push(PortBinding {
                    host_ip: None,
                    host_port: None,
                    container_port: port,
                    protocol,
                    all_interfaces: true,
                });
            }
        }
    }
    out
}

/// The container's health check (which the daemon merged from the image at
/// creation), and whether it came from the image.
pub fn healthcheck(container: Option<&HealthConfig>, image: Option<&HealthConfig>) -> Healthcheck {
    let test = container.and_then(|h| h.test.as_deref()).unwrap_or_default();
    match test.first().map(String::as_str) {
        None => Healthcheck::default(),
        Some("NONE") => Healthcheck { defined: true, disabled: true, source: Some("workload".into()) },
        Some(_) => {
            let from_image = image.and_then(|h| h.test.as_deref()) == Some(test);
            Healthcheck {
                defined: true,
                disabled: false,
                source: Some(if from_image { "image" } else { "workload" }.to_string()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bollard::models::{ContainerConfig, PortBinding as ApiBinding};
    use std::collections::HashMap;

    fn observed(inspect: &ContainerInspectResponse, image: Option<&ImageConfig>) -> Workload {
        let rules = crate::rules::RuleSet::builtin();
        let detector = Detector::new(crate::secrets::Matcher::new(rules.secret_specs()).0);
        workload(&Observed { host: "h", inspect, image, processes: vec![], daemon_apparmor: false }, &detector)
    }

    #[test]
    fn absent_limits_are_unlimited_and_pids_minus_one_too() {
        let hc = HostConfig { memory: Some(0), pids_limit: Some(-1), nano_cpus: Some(0), ..Default::default() };
        assert_eq!(limits(&hc), Limits::default());
        let hc = HostConfig { cpu_quota: Some(50_000), cpu_period: Some(100_000), ..Default::default() };
        assert_eq!(limits(&hc).cpus, Some(0.5));
    }

    #[test]
    fn user_from_image_or_override() {
        let image = ImageConfig { user: Some("1001".into()), healthcheck: None };
        let inspect = ContainerInspectResponse {
            config: Some(ContainerConfig { user: Some("1001".into()), ..Default::default() }),
            ..Default::default()
        };
        let w = observed(&inspect, Some(&image));
        assert_eq!(w.user.source, UserSource::Image);
        assert!(!w.user.runs_as_root);
        let inspect = ContainerInspectResponse {
            config: Some(ContainerConfig { user: Some("root".into()), ..Default::default() }),
            ..Default::default()
        };
        let w = observed(&inspect, Some(&image));
        assert_eq!(w.user.source, UserSource::Workload);
        assert!(w.user.runs_as_root);
        assert_eq!(w.runtime.unwrap().image_user.as_deref(), Some("1001"));
        assert_eq!(observed(&ContainerInspectResponse::default(), None).user, User::default_root());
    }

    #[test]
    fn port_bindings_loopback_and_all() {
        let mut map = HashMap::new();
        map.insert(
            "6379/tcp".to_string(),
            Some(vec![ApiBinding { host_ip: Some("".into()), host_port: Some("6379".into()) }]),
        );
        map.insert(
            "3000/tcp".to_string(),
            Some(vec![ApiBinding { host_ip: Some("127.0.0.1".into()), host_port: Some("3000".into()) }]),
        );
        let hc = HostConfig { port_bindings: Some(map), ..Default::default() };
        let p = ports(&hc, &[], false);
        assert_eq!(p.len(), 2);
        assert!(!p[0].all_interfaces && p[0].container_port == "3000");
        assert!(p[1].all_interfaces && p[1].host_ip.is_none());
    }
}
