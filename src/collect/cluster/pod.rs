//! A live pod's containers (init and ephemeral ones too) as `workload`
//! facts: the same shape manifests and running Docker containers take, read
//! from the API's typed objects. The rules that decide defaults (who a
//! container runs as without `runAsUser`, seccomp without a profile) are the
//! manifest collector's, restated here because that mapping works on YAML
//! nodes, not on API objects.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    Container, ContainerPort, EnvFromSource, EnvVar as ApiEnvVar, EphemeralContainer, Pod, PodSpec, Probe,
    ResourceRequirements, SecurityContext, VolumeMount,
};

use super::quantity;
use crate::collect::secrets::Detector;
use crate::facts::image::ImageRef;
use crate::facts::workload::{
    Capabilities, EnvValue, EnvVar, Healthcheck, HostNamespaces, Limits, Mount, MountKind, Platform, PortBinding,
    SecurityProfiles, User, UserSource, Workload,
};

/// Labels the API server or a controller sets per pod (or per revision):
/// dropped, so every replica of a controller maps to the same workload.
const PER_POD_LABELS: &[&str] = &[
    "pod-template-hash",
    "controller-revision-hash",
    "pod-template-generation",
    "statefulset.kubernetes.io/pod-name",
    "apps.kubernetes.io/pod-index",
    "controller-uid",
    "job-name",
    "batch.kubernetes.io/controller-uid",
    "batch.kubernetes.io/job-name",
    "batch.kubernetes.io/job-completion-index",
];

/// Where a container comes from in the pod spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContainerType {
    Container,
    Init,
    Ephemeral,
}

impl ContainerType {
    pub fn label(self) -> &'static str {
        match self {
            ContainerType::Container => "container",
            ContainerType::Init => "init",
            ContainerType::Ephemeral => "ephemeral",
        }
    }
}

/// The fields of a container the mapping reads, whichever list it is in.
struct View<'a> {
    name: &'a str,
    image: Option<&'a str>,
    security_context: Option<&'a SecurityContext>,
    resources: Option<&'a ResourceRequirements>,
    ports: &'a [ContainerPort],
    env: &'a [ApiEnvVar],
    env_from: &'a [EnvFromSource],
    volume_mounts: &'a [VolumeMount],
    probes: [Option<&'a Probe>; 3],
    restart_policy: Option<&'a str>,
}

impl<'a> From<&'a Container> for View<'a> {
    fn from(c: &'a Container) -> Self {
        Self {
            name: &c.name,
            image: c.image.as_deref(),
            security_context: c.security_context.as_ref(),
            resources: c.resources.as_ref(),
            ports: c.ports.as_deref().unwrap_or_default(),
            env: c.env.as_deref().unwrap_or_default(),
            env_from: c.env_from.as_deref().unwrap_or_default(),
            volume_mounts: c.volume_mounts.as_deref().unwrap_or_default(),
            probes: [c.liveness_probe.as_ref(), c.readiness_probe.as_ref(), c.startup_probe.as_ref()],
            restart_policy: c.restart_policy.as_deref(),
        }
    }
}

impl<'a> From<&'a EphemeralContainer> for View<'a> {
    fn from(c: &'a EphemeralContainer) -> Self {
        Self {
            name: &c.name,
            image: c.image.as_deref(),
            security_context: c.security_context.as_ref(),
            resources: c.resources.as_ref(),
            ports: c.ports.as_deref().unwrap_or_default(),
            env: c.env.as_deref().unwrap_or_default(),
            env_from: c.env_from.as_deref().unwrap_or_default(),
            volume_mounts: c.volume_mounts.as_deref().unwrap_or_default(),
            probes: [c.liveness_probe.as_ref(), c.readiness_probe.as_ref(), c.startup_probe.as_ref()],
            restart_policy: c.restart_policy.as_deref(),
        }
    }
}

/// One container of a pod, mapped.
pub struct MappedContainer {
    pub name: String,
    pub container_type: ContainerType,
    pub workload: Workload,
    /// Named container ports, for Services that target a port by name.
    pub named_ports: Vec<(String, i64)>,
}

/// Every container of the pod. `batch` is true when the pod's controller is
/// a Job or CronJob (its pods run to completion).
pub fn containers(pod: &Pod, batch: bool, detector: &Detector) -> Vec<MappedContainer> {
    let Some(spec) = pod.spec.as_ref() else { return Vec::new() };
    let annotations = pod.metadata.annotations.clone().unwrap_or_default();
    let labels: BTreeMap<String, String> = pod
        .metadata
        .labels
        .clone()
        .unwrap_or_default()
        .into_iter()
        .filter(|(k, _)| !PER_POD_LABELS.contains(&k.as_str()))
        .collect();
    let bare_run_once = matches!(spec.restart_policy.as_deref(), Some("Never") | Some("OnFailure"));
    let pod_completes = batch || (pod.metadata.owner_references.is_none() && bare_run_once);
    let mut out = Vec::new();
    let lists: [(ContainerType, Vec<View<'_>>); 3] = [
        (ContainerType::Init, spec.init_containers.as_deref().unwrap_or_default().iter().map(View::from).collect()),
        (ContainerType::Container, spec.containers.iter().map(View::from).collect()),
        (
            ContainerType::Ephemeral,
            spec.ephemeral_containers.as_deref().unwrap_or_default().iter().map(View::from).collect(),
        ),
    ];
    for (container_type, views) in lists {
        for view in views {
            let sidecar = view.restart_policy == Some("Always");
            let run_to_completion = match container_type {
                ContainerType::Init => !sidecar,
                ContainerType::Ephemeral => true,
                ContainerType::Container => pod_completes,
            };
            let workload = workload(&view, spec, &annotations, &labels, run_to_completion, detector);
            let named_ports =
                view.ports.iter().filter_map(|p| Some((p.name.clone()?, i64::from(p.container_port)))).collect();
            out.push(MappedContainer { name: view.name.to_string(), container_type, workload, named_ports });
        }
    }
    out
}

fn workload(
    c: &View<'_>,
    spec: &PodSpec,
    annotations: &BTreeMap<String, String>,
    labels: &BTreeMap<String, String>,
    run_to_completion: bool,
    detector: &Detector,
) -> Workload {
    let sc = c.security_context;
    let pod_sc = spec.security_context.as_ref();
    let caps = sc.and_then(|s| s.capabilities.as_ref());
    let capabilities = Capabilities::new(
        caps.and_then(|c| c.add.clone()).unwrap_or_default(),
        caps.and_then(|c| c.drop.clone()).unwrap_or_default(),
    );
    let privileged = sc.and_then(|s| s.privileged).unwrap_or(false);
    // no_new_privs is set only for an explicit `false`, and never for a
    // privileged container or one with CAP_SYS_ADMIN (the API's rule).
    let no_new_privileges = sc.and_then(|s| s.allow_privilege_escalation) == Some(false)
        && !privileged
        && !capabilities.add.iter().any(|c| c == "SYS_ADMIN" || c == "ALL");
    let host_network = spec.host_network.unwrap_or(false);
    Workload {
        platform: Platform::Kubernetes,
        image: c.image.map(ImageRef::parse),
        build_dockerfile: None,
        user: user(sc, pod_sc.and_then(|p| p.run_as_user), pod_sc.and_then(|p| p.run_as_non_root), c.image),
        capabilities,
        read_only_rootfs: sc.and_then(|s| s.read_only_root_filesystem).unwrap_or(false),
        privileged,
        no_new_privileges,
        limits: limits(c.resources),
        security: security(c, spec, annotations),
        host_namespaces: HostNamespaces {
            network: host_network,
            pid: spec.host_pid.unwrap_or(false),
            ipc: spec.host_ipc.unwrap_or(false),
            ..Default::default()
        },
        mounts: mounts(c.volume_mounts, spec),
        devices: Vec::new(),
        ports: ports(c.ports, host_network),
        environment: environment(c, detector),
        healthcheck: match c.probes.iter().flatten().next() {
            Some(_) => Healthcheck { defined: true, disabled: false, source: Some("probe".into()) },
            None => Healthcheck::default(),
        },
        run_to_completion,
        restart_policy: spec.restart_policy.clone(),
        networks: Vec::new(),
        labels: labels.clone(),
        runtime: None,
        live: true,
        ..Workload::default()
    }
}

/// `runAsUser`, then `runAsNonRoot` (container first, then pod). With
/// neither, the image's user applies, which the pod spec does not show:
/// unknown, as for a manifest, unless a local engine has the image.
fn user(sc: Option<&SecurityContext>, pod_uid: Option<i64>, pod_non_root: Option<bool>, image: Option<&str>) -> User {
    if let Some(uid) = sc.and_then(|s| s.run_as_user).or(pod_uid) {
        return User {
            declared: Some(uid.to_string()),
            uid: Some(uid),
            source: UserSource::Workload,
            runs_as_root: uid == 0,
            image: None,
        };
    }
    if sc.and_then(|s| s.run_as_non_root).or(pod_non_root) == Some(true) {
        return User { declared: None, uid: None, source: UserSource::Workload, runs_as_root: false, image: None };
    }
    User::decided_by_image(image)
}

fn limits(resources: Option<&ResourceRequirements>) -> Limits {
    let limits = resources.and_then(|r| r.limits.as_ref());
    let get = |key: &str| limits.and_then(|l| l.get(key)).map(|q| q.0.as_str());
    // Kubernetes has no per-container process limit (the kubelet's
    // `podPidsLimit` applies per pod and is not in the pod spec).
    Limits {
        memory_bytes: get("memory").and_then(quantity::memory_bytes),
        cpus: get("cpu").and_then(quantity::cpus),
        pids: None,
    }
}

/// Profiles in Docker's words: `unconfined`, `runtime/default`,
/// `localhost/<file>`.
fn profile(kind: &str, localhost: Option<&str>) -> String {
    match kind {
        "Unconfined" => "unconfined".into(),
        "RuntimeDefault" => "runtime/default".into(),
        "Localhost" => format!("localhost/{}", localhost.unwrap_or_default()),
        other => other.to_string(),
    }
}

fn security(c: &View<'_>, spec: &PodSpec, annotations: &BTreeMap<String, String>) -> SecurityProfiles {
    let sc = c.security_context;
    let pod_sc = spec.security_context.as_ref();
    // Seccomp: container field, its annotation, pod field, pod annotation;
    // none of them = Unconfined (unless the kubelet defaults it, which the
    // API does not show).
    let seccomp = sc
        .and_then(|s| s.seccomp_profile.as_ref())
        .map(|p| profile(&p.type_, p.localhost_profile.as_deref()))
        .or_else(|| annotations.get(&format!("container.seccomp.security.alpha.kubernetes.io/{}", c.name)).cloned())
        .or_else(|| {
            pod_sc.and_then(|p| p.seccomp_profile.as_ref()).map(|p| profile(&p.type_, p.localhost_profile.as_deref()))
        })
        .or_else(|| annotations.get("seccomp.security.alpha.kubernetes.io/pod").cloned())
        .unwrap_or_else(|| "unconfined".into());
    let apparmor = sc
        .and_then(|s| s.app_armor_profile.as_ref())
        .map(|p| profile(&p.type_, p.localhost_profile.as_deref()))
        .or_else(|| annotations.get(&format!("container.apparmor.security.beta.kubernetes.io/{}", c.name)).cloned())
        .or_else(|| {
            pod_sc.and_then(|p| p.app_armor_profile.as_ref()).map(|p| profile(&p.type_, p.localhost_profile.as_deref()))
        });
    let selinux = sc
        .and_then(|s| s.se_linux_options.as_ref())
        .or(pod_sc.and_then(|p| p.se_linux_options.as_ref()))
        .and_then(|o| {
            let parts: Vec<&str> =
                [&o.user, &o.role, &o.type_, &o.level].into_iter().filter_map(|p| p.as_deref()).collect();
            (!parts.is_empty()).then(|| parts.join(":"))
        });
    SecurityProfiles { seccomp: Some(seccomp), apparmor, selinux }
}

fn mounts(volume_mounts: &[VolumeMount], spec: &PodSpec) -> Vec<Mount> {
    let volumes = spec.volumes.as_deref().unwrap_or_default();
    volume_mounts
        .iter()
        .filter_map(|vm| {
            let volume = volumes.iter().find(|v| v.name == vm.name)?;
            let (kind, source) = if let Some(host) = &volume.host_path {
                (MountKind::Bind, Some(host.path.clone()))
            } else if let Some(empty) = &volume.empty_dir {
                let memory = empty.medium.as_deref() == Some("Memory");
                (if memory { MountKind::Tmpfs } else { MountKind::Volume }, None)
            } else if let Some(pvc) = &volume.persistent_volume_claim {
                (MountKind::Volume, Some(pvc.claim_name.clone()))
            } else if volume.config_map.is_some()
                || volume.secret.is_some()
                || volume.projected.is_some()
                || volume.downward_api.is_some()
            {
                (MountKind::Volume, Some(vm.name.clone()))
            } else {
                (MountKind::Other, Some(vm.name.clone()))
            };
            let propagation = vm.mount_propagation.as_deref().map(|p| match p {
                "Bidirectional" => "rshared".to_string(),
                "HostToContainer" => "rslave".to_string(),
                "None" => "rprivate".to_string(),
                other => other.to_string(),
            });
            Some(Mount {
                kind,
                source,
                target: vm.mount_path.clone(),
                read_only: vm.read_only.unwrap_or(false),
                propagation,
            })
        })
        .collect()
}

/// Ports bound on the node: a `hostPort`, or every container port on the
/// host's network.
fn ports(ports: &[ContainerPort], host_network: bool) -> Vec<PortBinding> {
    ports
        .iter()
        .filter_map(|p| {
            let container_port = i64::from(p.container_port);
            let host_port = p.host_port.map(i64::from).or(host_network.then_some(container_port)).filter(|p| *p > 0)?;
            Some(PortBinding {
                all_interfaces: PortBinding::is_all_interfaces(p.host_ip.as_deref()),
                host_ip: p.host_ip.clone(),
                host_port: Some(host_port.to_string()),
                container_port: container_port.to_string(),
                protocol: p.protocol.as_deref().unwrap_or("TCP").to_ascii_lowercase(),
            })
        })
        .collect()
}

fn environment(c: &View<'_>, detector: &Detector) -> Vec<EnvVar> {
    let mut out: Vec<EnvVar> = c
        .env
        .iter()
        .map(|e| match (&e.value_from, &e.value) {
            (Some(_), _) => EnvVar { name: e.name.clone(), value: EnvValue::External, secret: None },
            // `$(VAR)` is expanded by the kubelet from other variables.
            (None, Some(v)) if v.contains("$(") => {
                EnvVar { name: e.name.clone(), value: EnvValue::Reference, secret: None }
            }
            (None, v) => EnvVar {
                name: e.name.clone(),
                value: EnvValue::Literal,
                secret: detector.detect(&e.name, v.as_deref().unwrap_or_default()),
            },
        })
        .collect();
    for source in c.env_from {
        let prefix =
            source.prefix.as_deref().filter(|p| !p.is_empty()).map(|p| format!(" prefix {p}")).unwrap_or_default();
        if let Some(s) = &source.secret_ref {
            out.push(EnvVar {
                name: format!("envFrom:secret/{}{prefix}", s.name),
                value: EnvValue::External,
                secret: None,
            });
        }
        if let Some(m) = &source.config_map_ref {
            out.push(EnvVar {
                name: format!("envFrom:configmap/{}{prefix}", m.name),
                value: EnvValue::External,
                secret: None,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(json: serde_json::Value) -> Pod {
        serde_json::from_value(json).unwrap()
    }

    fn detector() -> Detector {
        Detector::builtin()
    }

    #[test]
    fn hardened_and_weak_containers() {
        let p = pod(serde_json::json!({
            "metadata": {"name": "web-1", "labels": {"app": "web", "pod-template-hash": "7d4b9c"}},
            "spec": {
                "securityContext": {"runAsNonRoot": true, "runAsUser": 1001, "seccompProfile": {"type": "RuntimeDefault"}},
                "initContainers": [{"name": "migrate", "image": "web:1.2"}],
                "containers": [
                    {"name": "app", "image": "web:1.2",
                     "securityContext": {"allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true, "capabilities": {"drop": ["ALL"]}},
                     "resources": {"limits": {"cpu": "500m", "memory": "256Mi"}},
                     "readinessProbe": {"httpGet": {"path": "/", "port": 3000}},
                     "ports": [{"name": "http", "containerPort": 3000, "protocol": "TCP"}],
                     "env": [{"name": "DB_PASSWORD", "value": "Zq8kP2vLx9mW4rYh"}, {"name": "TOKEN", "valueFrom": {"secretKeyRef": {"name": "s", "key": "t"}}}]},
                    {"name": "debug", "image": "busybox", "securityContext": {"privileged": true, "runAsUser": 0}},
                ],
                "hostPID": true,
                "volumes": [{"name": "host", "hostPath": {"path": "/etc"}}],
                "ephemeralContainers": [{"name": "shell", "image": "busybox", "volumeMounts": [{"name": "host", "mountPath": "/host"}]}]
            }
        }));
        let d = detector();
        let c = containers(&p, false, &d);
        let names: Vec<(&str, ContainerType)> = c.iter().map(|m| (m.name.as_str(), m.container_type)).collect();
        assert_eq!(
            names,
            [
                ("migrate", ContainerType::Init),
                ("app", ContainerType::Container),
                ("debug", ContainerType::Container),
                ("shell", ContainerType::Ephemeral)
            ]
        );
        let app = &c[1].workload;
        assert!(!app.user.runs_as_root && app.no_new_privileges && app.read_only_rootfs && app.capabilities.drops_all);
        assert_eq!(app.limits, Limits { memory_bytes: Some(256 << 20), cpus: Some(0.5), pids: None });
        assert_eq!(app.security.seccomp.as_deref(), Some("runtime/default"));
        assert!(app.healthcheck.defined && !app.run_to_completion);
        assert!(app.environment[0].secret.is_some() && app.environment[1].value == EnvValue::External);
        assert!(!app.labels.contains_key("pod-template-hash") && app.labels.contains_key("app"));
        assert_eq!(c[1].named_ports, [("http".to_string(), 3000)]);
        let debug = &c[2].workload;
        assert!(debug.privileged && debug.user.runs_as_root && debug.host_namespaces.pid);
        assert!(c[0].workload.run_to_completion && c[3].workload.run_to_completion);
        assert_eq!(c[3].workload.mounts[0].source.as_deref(), Some("/etc"));
    }

    #[test]
    fn nothing_set_leaves_the_user_to_the_image_unconfined_unlimited() {
        let p = pod(
            serde_json::json!({"metadata": {"name": "x"}, "spec": {"containers": [{"name": "a", "image": "redis:7"}], "restartPolicy": "Never"}}),
        );
        let c = containers(&p, false, &detector());
        let w = &c[0].workload;
        // The image's configured user decides: unknown until an engine says.
        assert_eq!(w.user, User::decided_by_image(Some("redis:7")));
        assert_eq!(w.security.seccomp.as_deref(), Some("unconfined"));
        assert_eq!(w.limits, Limits::default());
        assert!(w.run_to_completion, "a bare pod that never restarts runs to completion");
    }
}
