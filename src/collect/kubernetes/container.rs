//! One container of a pod template as a `workload` fact (and its image as an
//! `image` fact), with the location of every setting rules point at.

use crate::collect::privileges::Privileges;
use crate::collect::secrets::Detector;
use crate::collect::yaml::Node;
use crate::facts::image::{Image, ImageRef};
use crate::facts::workload::{
    Capabilities, EnvValue, EnvVar, Healthcheck, HostNamespaces, Limits, Mount, MountKind, Platform, PortBinding,
    SecurityProfiles, Workload,
};
use crate::facts::{Fact, FactData, FactKind, Subject};

use super::exposure::ServicePort;
use super::objects::{Object, ObjectError};
use super::place::Place;
use super::pod::{ContainerType, PodTemplate};
use super::{quantity, security};

/// Where facts are written: how nodes become file positions, and the
/// scope and labels of their subjects.
#[derive(Debug, Clone, Copy)]
pub struct Where<'b> {
    pub place: Place<'b>,
    /// The file of a plain manifest, the kustomization of a rendering.
    pub scope: &'b str,
    /// For a Kustomize rendering: the kustomization's path.
    pub overlay: Option<&'b str>,
}

/// What a container's facts are built with.
pub struct ContainerInput<'a, 'b> {
    pub at: Where<'b>,
    pub object: &'b Object<'a>,
    pub pod: &'b PodTemplate<'a>,
    pub node: &'a Node,
    pub container_type: ContainerType,
    pub detector: &'b Detector,
    /// `helm template`'s `# Source:` for the object, when there is one.
    pub helm_source: Option<&'b str>,
    /// Ports of Services of type NodePort or LoadBalancer that select
    /// this pod.
    pub services: &'b [ServicePort<'a>],
}

/// Builds the workload and image facts of one container.
pub fn container_facts(input: &ContainerInput<'_, '_>, errors: &mut Vec<ObjectError>) -> Vec<Fact> {
    let node = input.node;
    let mut err = |n: &Node, message: String| errors.push(ObjectError::at(n, message));
    let Some(name) = node.get("name").and_then(Node::as_str) else {
        err(node, format!("a container of {} has no name", input.object.reference()));
        return Vec::new();
    };
    let place = input.at.place;
    let locate = |n: &Node| place.of(n);
    let mut b = Builder::new(&locate, node);
    let pod = input.pod;

    // Each group records its settings' locations and reports its own
    // problems, in this order (the order errors reach the report).
    let image_node = node.get("image");
    let image = image_node.and_then(Node::as_str).map(ImageRef::parse);
    if image.is_none() && input.container_type != ContainerType::Ephemeral {
        err(node, format!("container {name:?} of {} has no image", input.object.reference()));
    }
    b.at("image", image_node);
    let user = security::user(node, pod);
    b.at("user", user.node);
    let privileges = privileges(node, name, pod, &mut b);
    let limits = limits(node, &mut b, &mut err);
    let mounts = mounts(node, pod, &mut b, &mut err);
    let ports = ports(input, privileges.host_namespaces.network, &mut b);
    let environment = environment(node, input.detector, &mut b);
    let healthcheck = probes(node, &mut b);

    let Privileges { capabilities, read_only_rootfs, privileged, security, no_new_privileges, host_namespaces } =
        privileges;
    let workload = Workload {
        platform: Platform::Kubernetes,
        image: image.clone(),
        build_dockerfile: None,
        user: user.value,
        capabilities,
        read_only_rootfs,
        privileged,
        no_new_privileges,
        limits,
        security,
        host_namespaces,
        mounts,
        devices: Vec::new(),
        ports,
        environment,
        healthcheck,
        run_to_completion: runs_to_completion(input),
        restart_policy: pod.spec.get("restartPolicy").and_then(Node::as_str).map(str::to_string),
        networks: Vec::new(),
        labels: pod_labels(pod),
        runtime: None,
        ..Workload::default()
    };

    let subject = |kind: FactKind| subject(input, name, kind);
    let mut facts = Vec::with_capacity(2);
    let mut fact = Fact::new(subject(FactKind::Workload), FactData::Workload(workload));
    fact.origin = Some(place.of(node));
    fact.locations = b.map;
    facts.push(fact);
    if let (Some(reference), Some(image_node)) = (image, image_node) {
        let mut fact = Fact::new(
            subject(FactKind::Image).with_label("image", &reference.raw),
            FactData::Image(Image { reference, used_by: "kubernetes".into(), final_stage: false }),
        );
        fact.origin = Some(place.of(image_node));
        fact.locations.insert("image".into(), place.of(image_node));
        facts.push(fact);
    }
    facts
}

/// The subject of a container's facts: `Kind/name/container`, with the
/// labels that tell apart the same container in other renderings.
fn subject(input: &ContainerInput<'_, '_>, container: &str, kind: FactKind) -> Subject {
    let name = format!("{}/{container}", input.object.reference());
    let mut s = Subject::scoped(kind, &name, input.at.scope);
    if let Some(overlay) = input.at.overlay {
        s = s.with_label("overlay", overlay);
    }
    if let Some(ns) = &input.object.namespace {
        s = s.with_label("namespace", ns);
    }
    if input.container_type != ContainerType::Container {
        s = s.with_label("container_type", input.container_type.label());
    }
    if let Some(src) = input.helm_source {
        s = s.with_label("helm_source", src);
    }
    s
}

/// The container's `securityContext` (capabilities, read-only root,
/// privileged, privilege escalation), its security profiles and the pod's
/// host namespaces.
fn privileges(node: &Node, name: &str, pod: &PodTemplate<'_>, b: &mut Builder<'_>) -> Privileges {
    let sc = node.get("securityContext");
    let sc_get = |key: &str| sc.and_then(|s| s.get(key)).filter(|n| !n.is_null());

    let (capabilities, admin_cap) = capabilities(sc, b);
    let bool_setting = |b: &mut Builder, key: &str, field: &str| -> Option<bool> {
        let n = sc_get(key);
        b.at(field, n.or(sc));
        n.and_then(Node::as_bool)
    };
    let read_only_rootfs = bool_setting(b, "readOnlyRootFilesystem", "read_only_rootfs").unwrap_or(false);
    let privileged = bool_setting(b, "privileged", "privileged").unwrap_or(false);
    // no_new_privs is set only for an explicit `false`, and never for a
    // privileged container or one with CAP_SYS_ADMIN (the API docs).
    let escalation = bool_setting(b, "allowPrivilegeEscalation", "no_new_privileges");
    let no_new_privileges = escalation == Some(false) && !privileged && admin_cap.is_none();
    if escalation == Some(false) && !no_new_privileges {
        // What overrides the `false` is what to fix: point there.
        let cause = if privileged { sc_get("privileged") } else { admin_cap };
        b.at("no_new_privileges", cause);
    }

    let security = security_profiles(node, name, pod, b);
    let spec = pod.spec;
    let host_bool = |key: &str| spec.get(key).and_then(Node::as_bool).unwrap_or(false);
    let host_namespaces = HostNamespaces {
        network: host_bool("hostNetwork"),
        pid: host_bool("hostPID"),
        ipc: host_bool("hostIPC"),
        ..Default::default()
    };
    for (key, field) in [("hostNetwork", "network"), ("hostPID", "pid"), ("hostIPC", "ipc")] {
        b.at(format!("host_namespaces.{field}"), spec.get(key));
    }
    Privileges { capabilities, read_only_rootfs, privileged, security, no_new_privileges, host_namespaces }
}

/// `securityContext.capabilities`, each name recorded where it is, and the
/// entry that adds `SYS_ADMIN` (or `ALL`), which keeps privilege escalation on.
fn capabilities<'n>(sc: Option<&'n Node>, b: &mut Builder<'_>) -> (Capabilities, Option<&'n Node>) {
    let caps_node = sc.and_then(|s| s.get("capabilities")).filter(|n| !n.is_null());
    let list = |key: &str| -> Vec<(String, &'n Node)> {
        caps_node
            .and_then(|c| c.get(key))
            .and_then(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .filter_map(|n| n.as_str().map(|s| (Capabilities::normalise(s), n)))
            .collect()
    };
    let (add, drop) = (list("add"), list("drop"));
    for (cap, n) in &add {
        b.set(&format!("capabilities.add.{cap}"), n);
    }
    for (cap, n) in &drop {
        b.set(&format!("capabilities.drop.{cap}"), n);
    }
    b.at("capabilities.add", caps_node.and_then(|c| c.get("add")).or(caps_node).or(sc));
    b.at("capabilities.drop", caps_node.and_then(|c| c.get("drop")).or(caps_node).or(sc));
    let admin_cap = add.iter().find(|(c, _)| c == "SYS_ADMIN" || c == "ALL").map(|(_, n)| *n);
    (Capabilities::new(add.iter().map(|c| c.0.clone()), drop.iter().map(|c| c.0.clone())), admin_cap)
}

/// Seccomp, AppArmor and SELinux, from the container or its pod.
fn security_profiles(node: &Node, name: &str, pod: &PodTemplate<'_>, b: &mut Builder<'_>) -> SecurityProfiles {
    let mut security = SecurityProfiles::default();
    let seccomp = security::seccomp(node, name, pod);
    b.at("security.seccomp", seccomp.node);
    security.seccomp = Some(seccomp.value);
    if let Some(a) = security::apparmor(node, name, pod) {
        b.at("security.apparmor", a.node);
        security.apparmor = Some(a.value);
    }
    if let Some(s) = security::selinux(node, pod) {
        b.at("security.selinux", s.node);
        security.selinux = Some(s.value);
    }
    security
}

/// The first liveness, readiness or startup probe.
fn probes(node: &Node, b: &mut Builder<'_>) -> Healthcheck {
    let probe =
        ["livenessProbe", "readinessProbe", "startupProbe"].iter().find_map(|k| node.get(k).filter(|p| !p.is_null()));
    b.at("healthcheck", probe);
    Healthcheck { defined: probe.is_some(), disabled: false, source: probe.map(|_| "probe".to_string()) }
}

fn runs_to_completion(input: &ContainerInput<'_, '_>) -> bool {
    // A sidecar (an init container with `restartPolicy: Always`) keeps running.
    let sidecar = input.node.get("restartPolicy").and_then(Node::as_str) == Some("Always");
    match input.container_type {
        ContainerType::Init => !sidecar,
        ContainerType::Ephemeral => true,
        ContainerType::Container => input.pod.run_to_completion,
    }
}

fn pod_labels(pod: &PodTemplate<'_>) -> std::collections::BTreeMap<String, String> {
    pod.meta
        .and_then(|m| m.get("labels"))
        .map(|l| l.entries().filter_map(|(k, v)| Some((k.to_string(), v.as_str()?.to_string()))).collect())
        .unwrap_or_default()
}

/// The locations of settings; a setting that is absent points at the
/// container.
type Builder<'a> = crate::collect::locations::Settings<'a, Node>;

fn limits(node: &Node, b: &mut Builder<'_>, err: &mut impl FnMut(&Node, String)) -> Limits {
    let resources = node.get("resources");
    let limits_node = resources.and_then(|r| r.get("limits"));
    let mut read = |key: &str, field: &str| -> Option<&Node> {
        let n = limits_node.and_then(|l| l.get(key)).filter(|n| !n.is_null());
        b.at(field, n.or(limits_node).or(resources));
        n
    };
    let memory_node = read("memory", "limits.memory");
    let cpu_node = read("cpu", "limits.cpus");
    let memory_bytes = memory_node.and_then(|n| {
        let parsed = n.as_str().and_then(quantity::memory_bytes);
        if parsed.is_none() {
            err(n, format!("invalid memory quantity {:?}", n.as_str().unwrap_or_default()));
        }
        parsed
    });
    let cpus = cpu_node.and_then(|n| {
        let parsed = n.as_str().and_then(quantity::cpus);
        if parsed.is_none() {
            err(n, format!("invalid cpu quantity {:?}", n.as_str().unwrap_or_default()));
        }
        parsed
    });
    // Kubernetes has no per-container process limit: the kubelet's
    // `podPidsLimit` sets it for every pod of a node.
    Limits { memory_bytes, cpus, pids: None }
}

fn mounts(node: &Node, pod: &PodTemplate<'_>, b: &mut Builder<'_>, err: &mut impl FnMut(&Node, String)) -> Vec<Mount> {
    let list_node = node.get("volumeMounts");
    b.at("mounts", list_node);
    let volumes = pod.spec.get("volumes").and_then(Node::as_seq).unwrap_or_default();
    let mut out = Vec::new();
    for vm in list_node.and_then(Node::as_seq).unwrap_or_default() {
        let (Some(volume_name), Some(target)) =
            (vm.get("name").and_then(Node::as_str), vm.get("mountPath").and_then(Node::as_str))
        else {
            err(vm, "a volumeMount needs `name` and `mountPath`".into());
            continue;
        };
        let Some(volume) = volumes.iter().find(|v| v.get("name").and_then(Node::as_str) == Some(volume_name)) else {
            // A StatefulSet's claim templates are volumes of its pods too.
            if pod
                .claim_templates
                .iter()
                .any(|t| t.path(&["metadata", "name"]).and_then(Node::as_str) == Some(volume_name))
            {
                b.set(&format!("mounts.{target}"), vm);
                out.push(Mount {
                    kind: MountKind::Volume,
                    source: Some(volume_name.to_string()),
                    target: target.to_string(),
                    read_only: vm.get("readOnly").and_then(Node::as_bool).unwrap_or(false),
                    propagation: None,
                });
                continue;
            }
            err(vm, format!("volumeMount {target:?} refers to volume {volume_name:?}, which the pod does not define"));
            continue;
        };
        let (kind, source) = if let Some(host) = volume.get("hostPath") {
            (MountKind::Bind, host.get("path").and_then(Node::as_str).map(str::to_string))
        } else if let Some(empty) = volume.get("emptyDir") {
            let memory = empty.get("medium").and_then(Node::as_str) == Some("Memory");
            (if memory { MountKind::Tmpfs } else { MountKind::Volume }, None)
        } else if let Some(pvc) = volume.get("persistentVolumeClaim") {
            (MountKind::Volume, pvc.get("claimName").and_then(Node::as_str).map(str::to_string))
        } else if ["configMap", "secret", "projected", "downwardAPI", "ephemeral"]
            .iter()
            .any(|k| volume.get(k).is_some())
        {
            (MountKind::Volume, Some(volume_name.to_string()))
        } else {
            (MountKind::Other, Some(volume_name.to_string()))
        };
        let propagation = vm.get("mountPropagation").and_then(Node::as_str).map(|p| match p {
            "Bidirectional" => "rshared".to_string(),
            "HostToContainer" => "rslave".to_string(),
            "None" => "rprivate".to_string(),
            other => other.to_string(),
        });
        b.set(&format!("mounts.{target}"), vm);
        out.push(Mount {
            kind,
            source,
            target: target.to_string(),
            read_only: vm.get("readOnly").and_then(Node::as_bool).unwrap_or(false),
            propagation,
        });
    }
    out
}

/// Ports bound on the node: a `hostPort`, or every container port when the
/// pod uses the host's network.
/// The container's own published ports, then those of the NodePort and
/// LoadBalancer Services that select its pod (a regular container only).
fn ports(input: &ContainerInput<'_, '_>, host_network: bool, b: &mut Builder<'_>) -> Vec<PortBinding> {
    let node = input.node;
    let mut ports = container_ports(node, host_network, b);
    let container_count = input.pod.spec.get("containers").and_then(Node::as_seq).map_or(0, <[Node]>::len);
    let regular = input.container_type == ContainerType::Container;
    for service in input.services.iter().filter(|_| regular) {
        let Some(binding) = service.binding_for(node, container_count) else { continue };
        let key = format!("ports.{}/{}", binding.container_port, binding.protocol);
        if b.map.contains_key(&key) {
            continue;
        }
        b.map.insert(key, input.at.place.of(service.node));
        ports.push(binding);
    }
    ports
}

fn container_ports(node: &Node, host_network: bool, b: &mut Builder<'_>) -> Vec<PortBinding> {
    let list_node = node.get("ports");
    b.at("ports", list_node);
    let mut out = Vec::new();
    for p in list_node.and_then(Node::as_seq).unwrap_or_default() {
        let Some(container_port) = p.get("containerPort").and_then(Node::as_i64) else { continue };
        let host_port = p.get("hostPort").and_then(Node::as_i64).or(host_network.then_some(container_port));
        let Some(host_port) = host_port.filter(|p| *p > 0) else { continue };
        let protocol = p.get("protocol").and_then(Node::as_str).unwrap_or("TCP").to_ascii_lowercase();
        let host_ip = p.get("hostIP").and_then(Node::as_str).map(str::to_string);
        b.set(&format!("ports.{container_port}/{protocol}"), p);
        out.push(PortBinding {
            all_interfaces: PortBinding::is_all_interfaces(host_ip.as_deref()),
            host_ip,
            host_port: Some(host_port.to_string()),
            container_port: container_port.to_string(),
            protocol,
        });
    }
    out
}

fn environment(node: &Node, detector: &Detector, b: &mut Builder<'_>) -> Vec<EnvVar> {
    b.at("environment", node.get("env").or(node.get("envFrom")));
    let mut out = Vec::new();
    for e in node.get("env").and_then(Node::as_seq).unwrap_or_default() {
        let Some(name) = e.get("name").and_then(Node::as_str) else { continue };
        b.set(&format!("environment.{name}"), e);
        let (value, secret) = if e.get("valueFrom").is_some_and(|v| !v.is_null()) {
            (EnvValue::External, None)
        } else {
            let text = e.get("value").and_then(Node::as_str).unwrap_or("");
            if is_dependent_variable(text) {
                (EnvValue::Reference, None)
            } else {
                (EnvValue::Literal, detector.detect(name, text))
            }
        };
        out.push(EnvVar { name: name.to_string(), value, secret });
    }
    for source in node.get("envFrom").and_then(Node::as_seq).unwrap_or_default() {
        for (key, kind) in [("secretRef", "secret"), ("configMapRef", "configmap")] {
            if let Some(name) = source.get(key).and_then(|r| r.get("name")).and_then(Node::as_str) {
                let prefix = source.get("prefix").and_then(Node::as_str).unwrap_or("");
                let label = format!(
                    "envFrom:{kind}/{name}{}",
                    if prefix.is_empty() { String::new() } else { format!(" prefix {prefix}") }
                );
                b.set(&format!("environment.{label}"), source);
                out.push(EnvVar { name: label, value: EnvValue::External, secret: None });
            }
        }
    }
    out
}

/// `$(OTHER_VAR)`: Kubernetes expands it from the container's other
/// variables, so the value lives elsewhere.
fn is_dependent_variable(value: &str) -> bool {
    let name = value.trim().strip_prefix("$(").and_then(|v| v.strip_suffix(')'));
    name.is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
}
