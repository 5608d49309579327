//! A Swarm service's spec as a `workload` fact: the same shape as a compose
//! service or a running container, so the same rules (and rule IDs) judge it.
//! The service, not each of its task containers, is the subject: one finding
//! per service however many replicas run.

use std::collections::{BTreeMap, HashMap};

use bollard::models::{MountType, Service, TaskSpecContainerSpec};

use crate::collect::docker::map::{self, ImageConfig};
use crate::collect::secrets::Detector;
use crate::facts::image::ImageRef;
use crate::facts::workload::{
    Capabilities, EnvValue, EnvVar, HostNamespaces, Limits, Mount, MountKind, Platform, PortBinding, SecurityProfiles,
    User, UserSource, Workload,
};

/// Everything the mapping needs besides the service itself.
pub struct ServiceContext<'a> {
    /// Network names by ID (services attach to networks by ID).
    pub networks: &'a HashMap<String, String>,
    /// The image's configuration, when the image is on this manager.
    pub image: Option<&'a ImageConfig>,
    pub detector: &'a Detector,
}

pub fn workload(service: &Service, cx: &ServiceContext<'_>) -> Workload {
    let spec = service.spec.clone().unwrap_or_default();
    let task = spec.task_template.clone().unwrap_or_default();
    let container = task.container_spec.clone().unwrap_or_default();
    let privileges = container.privileges.clone().unwrap_or_default();

    let declared_user = container.user.as_deref().map(str::trim).filter(|u| !u.is_empty());
    let image_user = cx.image.and_then(|i| i.user.as_deref());
    let user = match (declared_user, image_user) {
        (Some(u), _) => User::from_declaration(u, UserSource::Workload),
        (None, Some(u)) => User::from_declaration(u, UserSource::Image),
        (None, None) => User::default_root(),
    };

    let mut networks: Vec<String> = task
        .networks
        .as_deref()
        .or(spec.networks.as_deref())
        .unwrap_or_default()
        .iter()
        .filter_map(|n| n.target.as_ref())
        .map(|target| cx.networks.get(target).cloned().unwrap_or_else(|| target.clone()))
        .collect();
    networks.sort();

    let limits = task.resources.as_ref().and_then(|r| r.limits.as_ref());
    let positive = |v: Option<i64>| v.filter(|v| *v > 0);
    let seccomp = privileges.seccomp.as_ref().and_then(|s| s.mode).map(|m| m.to_string()).filter(|m| !m.is_empty());
    let apparmor = privileges
        .app_armor
        .as_ref()
        .and_then(|a| a.mode)
        .map(|m| m.to_string())
        .filter(|m| !m.is_empty())
        // Swarm says `disabled` where `docker run` says `unconfined`.
        .map(|m| if m == "disabled" { "unconfined".to_string() } else { m });
    let selinux = privileges.se_linux_context.as_ref().and_then(|c| {
        if c.disable == Some(true) {
            return Some("disable".to_string());
        }
        let parts: Vec<&str> = [&c.user, &c.role, &c.typ, &c.level].into_iter().filter_map(|p| p.as_deref()).collect();
        (!parts.is_empty()).then(|| parts.join(":"))
    });

    let mut labels: BTreeMap<String, String> = spec.labels.clone().unwrap_or_default().into_iter().collect();
    // A service label may hold a password or htpasswd hash.
    cx.detector.mask_values(&mut labels);
    Workload {
        platform: Platform::Swarm,
        image: container.image.as_deref().map(ImageRef::parse),
        build_dockerfile: None,
        user,
        capabilities: Capabilities::new(
            container.capability_add.clone().unwrap_or_default(),
            container.capability_drop.clone().unwrap_or_default(),
        ),
        read_only_rootfs: container.read_only.unwrap_or(false),
        // Swarm services cannot be privileged.
        privileged: false,
        no_new_privileges: privileges.no_new_privileges.unwrap_or(false),
        limits: Limits {
            memory_bytes: positive(limits.and_then(|l| l.memory_bytes)),
            cpus: positive(limits.and_then(|l| l.nano_cpus)).map(|n| n as f64 / 1e9),
            pids: positive(limits.and_then(|l| l.pids)),
        },
        security: SecurityProfiles { seccomp, apparmor, selinux },
        host_namespaces: HostNamespaces { network: networks.iter().any(|n| n == "host"), ..Default::default() },
        mounts: mounts(&container),
        devices: Vec::new(),
        ports: ports(service),
        environment: environment(&container, cx.detector),
        healthcheck: map::healthcheck(container.health_check.as_ref(), cx.image.and_then(|i| i.healthcheck.as_ref())),
        run_to_completion: spec.mode.as_ref().is_some_and(|m| m.replicated_job.is_some() || m.global_job.is_some()),
        restart_policy: restart_policy(&task),
        ulimits: map::ulimits(container.ulimits.as_deref().unwrap_or_default()),
        cgroup_parent: None,
        networks,
        labels,
        runtime: None,
        live: true,
        ..Workload::default()
    }
}

/// Swarm's restart condition in Docker's words: `none` is `no`, `any` is
/// `always`, a maximum number of attempts is written `:N`.
fn restart_policy(task: &bollard::models::TaskSpec) -> Option<String> {
    use bollard::models::TaskSpecRestartPolicyConditionEnum as C;
    let policy = task.restart_policy.as_ref();
    // No policy at all: swarm restarts on any exit, without a maximum.
    let condition = policy.and_then(|p| p.condition).unwrap_or(C::ANY);
    let name = match condition {
        C::NONE => return Some("no".into()),
        C::ON_FAILURE => "on-failure",
        C::ANY | C::EMPTY => "always",
    };
    Some(match policy.and_then(|p| p.max_attempts).filter(|n| *n > 0) {
        Some(max) => format!("{name}:{max}"),
        None => name.to_string(),
    })
}

fn mounts(container: &TaskSpecContainerSpec) -> Vec<Mount> {
    container
        .mounts
        .as_deref()
        .unwrap_or_default()
        .iter()
        .map(|m| {
            let kind = match m.typ {
                Some(MountType::BIND) => MountKind::Bind,
                Some(MountType::VOLUME) => MountKind::Volume,
                Some(MountType::TMPFS) => MountKind::Tmpfs,
                _ => MountKind::Other,
            };
            Mount {
                kind,
                source: m.source.clone().filter(|s| !s.is_empty()),
                target: m.target.clone().unwrap_or_default(),
                read_only: m.read_only.unwrap_or(false),
                propagation: m
                    .bind_options
                    .as_ref()
                    .and_then(|b| b.propagation)
                    .map(|p| p.to_string())
                    .filter(|p| !p.is_empty()),
            }
        })
        .collect()
}

/// Published ports. In ingress mode (the default) the routing mesh opens the
/// port on every interface of every node of the swarm; in host mode on every
/// interface of the nodes running a task. Swarm cannot bind to one address.
fn ports(service: &Service) -> Vec<PortBinding> {
    let spec_ports = service.spec.as_ref().and_then(|s| s.endpoint_spec.as_ref()).and_then(|e| e.ports.as_deref());
    // The endpoint holds the ports as assigned (a published port chosen by
    // swarm when the spec left it out).
    let ports = service.endpoint.as_ref().and_then(|e| e.ports.as_deref()).or(spec_ports).unwrap_or_default();
    ports
        .iter()
        .filter_map(|p| {
            let target = p.target_port?;
            let published = p.published_port.filter(|p| *p > 0);
            Some(PortBinding {
                host_ip: None,
                host_port: published.map(|p| p.to_string()),
                container_port: target.to_string(),
                protocol: p.protocol.map(|p| p.to_string()).filter(|p| !p.is_empty()).unwrap_or_else(|| "tcp".into()),
                all_interfaces: true,
            })
        })
        .collect()
}

/// Literal variables go through the secret detectors; swarm secrets and
/// configs are files, not variables, and never appear here.
fn environment(container: &TaskSpecContainerSpec, detector: &Detector) -> Vec<EnvVar> {
    container
        .env
        .as_deref()
        .unwrap_or_default()
        .iter()
        .map(|entry| match entry.split_once('=') {
            Some((name, value)) => {
                EnvVar { name: name.to_string(), value: EnvValue::Literal, secret: detector.detect(name, value) }
            }
            None => EnvVar { name: entry.clone(), value: EnvValue::Unset, secret: None },
        })
        .collect()
}

/// The swarm secrets and configs a service mounts, by name, for the subject's
/// labels.
pub fn mounted_secrets(service: &Service) -> Vec<String> {
    let container =
        service.spec.as_ref().and_then(|s| s.task_template.as_ref()).and_then(|t| t.container_spec.as_ref());
    let Some(container) = container else { return Vec::new() };
    let secrets = container.secrets.as_deref().unwrap_or_default().iter().filter_map(|s| s.secret_name.clone());
    let configs = container.configs.as_deref().unwrap_or_default().iter().filter_map(|c| c.config_name.clone());
    secrets.chain(configs).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use bollard::models::{
        EndpointPortConfig, EndpointSpec, Limit, ServiceSpec, TaskSpec, TaskSpecResources, TaskSpecRestartPolicy,
        TaskSpecRestartPolicyConditionEnum,
    };

    fn detector() -> Detector {
        Detector::builtin()
    }

    fn service(container: TaskSpecContainerSpec, task: TaskSpec, ports: Vec<EndpointPortConfig>) -> Service {
        Service {
            spec: Some(ServiceSpec {
                name: Some("web".into()),
                task_template: Some(TaskSpec { container_spec: Some(container), ..task }),
                endpoint_spec: Some(EndpointSpec { ports: Some(ports), ..Default::default() }),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    #[test]
    fn spec_settings_become_workload_fields() {
        let container = TaskSpecContainerSpec {
            image: Some("registry.example.com/web:1.2@sha256:abc".into()),
            user: Some("1001".into()),
            capability_drop: Some(vec!["all".into()]),
            read_only: Some(true),
            env: Some(vec!["DB_PASSWORD=Zq8kP2vLx9mW4rYh".into(), "NODE_ENV=production".into()]),
            ulimits: Some(vec![bollard::models::ResourcesUlimits {
                name: Some("nofile".into()),
                soft: Some(1024),
                hard: Some(2048),
            }]),
            ..Default::default()
        };
        let task = TaskSpec {
            resources: Some(TaskSpecResources {
                limits: Some(Limit { memory_bytes: Some(64 << 20), nano_cpus: Some(500_000_000), pids: Some(0) }),
                ..Default::default()
            }),
            restart_policy: Some(TaskSpecRestartPolicy {
                condition: Some(TaskSpecRestartPolicyConditionEnum::ON_FAILURE),
                max_attempts: Some(5),
                ..Default::default()
            }),
            ..Default::default()
        };
        let ports =
            vec![EndpointPortConfig { target_port: Some(6379), published_port: Some(6379), ..Default::default() }];
        let networks = HashMap::new();
        let d = detector();
        let w = workload(
            &service(container, task, ports),
            &ServiceContext { networks: &networks, image: None, detector: &d },
        );
        assert_eq!(w.platform, Platform::Swarm);
        assert!(!w.user.runs_as_root && w.capabilities.drops_all && w.read_only_rootfs);
        assert_eq!(w.limits, Limits { memory_bytes: Some(64 << 20), cpus: Some(0.5), pids: None });
        assert_eq!(w.restart_policy.as_deref(), Some("on-failure:5"));
        assert_eq!(w.ulimits, ["nofile=1024:2048"]);
        assert_eq!(w.ports.len(), 1);
        assert!(w.ports[0].all_interfaces && w.ports[0].protocol == "tcp");
        assert!(w.environment[0].secret.is_some(), "the literal password is recognised");
        assert!(w.environment[1].secret.is_none());
    }

    #[test]
    fn defaults_are_explicit() {
        let networks = HashMap::new();
        let d = detector();
        let image = ImageConfig { user: Some("nobody".into()), healthcheck: None };
        let w = workload(
            &service(TaskSpecContainerSpec::default(), TaskSpec::default(), vec![]),
            &ServiceContext { networks: &networks, image: Some(&image), detector: &d },
        );
        assert_eq!(w.user.source, UserSource::Image);
        assert!(!w.user.runs_as_root);
        assert_eq!(w.restart_policy.as_deref(), Some("always"));
        assert_eq!(w.limits, Limits::default());
        let w = workload(
            &service(TaskSpecContainerSpec::default(), TaskSpec::default(), vec![]),
            &ServiceContext { networks: &networks, image: None, detector: &d },
        );
        assert_eq!(w.user, User::default_root());
    }

    /// The live Swarm test publishes in host mode (ingress tasks were
    /// rejected on the CI kernel); ingress mode, the default, maps the same:
    /// every interface of the nodes, with the port swarm assigned when the
    /// spec left it out.
    #[test]
    fn ingress_and_host_mode_ports_are_published_on_every_interface() {
        use bollard::models::{EndpointPortConfigPublishModeEnum as Mode, ServiceEndpoint};
        let port = |mode, published| EndpointPortConfig {
            target_port: Some(6379),
            published_port: published,
            publish_mode: Some(mode),
            ..Default::default()
        };
        for mode in [Mode::INGRESS, Mode::HOST] {
            let s = service(TaskSpecContainerSpec::default(), TaskSpec::default(), vec![port(mode, Some(6379))]);
            let got = ports(&s);
            assert_eq!(got.len(), 1, "{mode:?}");
            assert!(got.iter().all(|p| p.all_interfaces && p.host_port.as_deref() == Some("6379")), "{mode:?}");
        }
        let mut s = service(TaskSpecContainerSpec::default(), TaskSpec::default(), vec![port(Mode::INGRESS, None)]);
        s.endpoint =
            Some(ServiceEndpoint { ports: Some(vec![port(Mode::INGRESS, Some(30001))]), ..Default::default() });
        assert_eq!(ports(&s).first().and_then(|p| p.host_port.clone()).as_deref(), Some("30001"));
    }
}
