//! One compose service as a `workload` fact (and its image as an `image`
//! fact), with the file and line of every setting the workload rules point
//! at.

use std::collections::BTreeMap;

use crate::collect::privileges::Privileges;
use crate::diagnostics::Skipped;
use crate::facts::image::{Image, ImageRef};
use crate::facts::workload::{
    Capabilities, EnvValue, Healthcheck, HostNamespaces, Limits, Mount, Platform, PortBinding, SecurityProfiles, User,
    UserSource, Workload,
};
use crate::facts::{Fact, FactData, FactKind, Location, Subject};

use super::build::{BuildInfo, Builds};
use super::interpolate::has_reference;
use super::project::Project;
use super::tree::{Kind, Val};
use super::{env, ports, units, volumes, Problem};

/// Where each setting is; an absent setting points at the service.
type Locs<'a> = crate::collect::locations::Settings<'a, Val>;

pub struct ServiceInput<'a> {
    pub project: &'a Project,
    pub name: &'a str,
    pub node: &'a Val,
    pub builds: &'a mut Builds,
    pub detector: &'a crate::collect::secrets::Detector,
}

pub fn service_facts(input: ServiceInput<'_>, problems: &mut Vec<Problem>, skipped: &mut Vec<Skipped>) -> Vec<Fact> {
    let ServiceInput { project, name, node, builds, detector } = input;
    let mut err = |v: &Val, message: String| problems.push(project.problem(v, message));
    if node.as_map().is_none() {
        err(node, format!("service {name:?} must be a mapping, not a {}", node.type_name()));
        return Vec::new();
    }
    let locate = |v: &Val| project.location(v);
    let mut l = Locs::new(&locate, node);

    // Each group records its settings' locations and reports its own
    // problems, in this order (the order errors reach the report).
    let image_node = node.get("image");
    let image = image_node.and_then(Val::as_str).map(ImageRef::parse);
    l.at("image", image_node);
    let build = match node.get("build") {
        Some(b) => builds.resolve(project, b, detector, &mut err),
        None => None,
    };
    let user = user(node.get("user"), build.as_ref(), image.as_ref(), &mut l);
    let privileges = privileges(node, &mut l, &mut err);
    let limits = limits(node, &mut l, &mut err);
    let mounts = mounts(node, &mut l, &mut err);
    let devices = devices(node, &mut l, &mut err);
    let ports = published_ports(node, &mut l, &mut err);
    let environment = env::environment(node, project, detector, &mut l.map, skipped, &mut err);
    if !l.map.contains_key("environment") {
        l.at("environment", node.get("environment").or(node.get("env_file")));
    }
    let healthcheck = healthcheck(node.get("healthcheck"), build.as_ref(), &mut l);
    let networks = networks(node.get("networks"), &mut err);
    let mut labels = keyed(node.get("labels"));
    // Labels are copied into facts and reports: a password or an htpasswd
    // hash in one must not be.
    detector.mask_values(&mut labels);

    let Privileges { capabilities, read_only_rootfs, privileged, security, no_new_privileges, host_namespaces } =
        privileges;
    let workload = Workload {
        platform: Platform::Compose,
        image: image.clone(),
        build_dockerfile: build.as_ref().map(|b| b.dockerfile_display.clone()),
        user,
        capabilities,
        read_only_rootfs,
        privileged,
        no_new_privileges,
        limits,
        security,
        host_namespaces,
        mounts,
        devices,
        ports,
        environment,
        healthcheck,
        run_to_completion: false,
        restart_policy: node.get("restart").and_then(Val::as_str).map(str::to_string),
        networks,
        labels,
        runtime: None,
        ..Workload::default()
    };
    let mut fact = workload_fact(project, name, image.as_ref(), workload);
    fact.origin = Some(project.location(node));
    fact.locations = l.map;
    let mut facts = vec![fact];
    // A service that is built uses its own tag for the result, not a pulled
    // image: the Dockerfile's FROM lines are what the image rules judge.
    if let (Some(reference), Some(image_node), None) = (image, image_node, node.get("build")) {
        facts.push(image_fact(project, name, reference, image_node));
    }
    facts
}

fn workload_fact(project: &Project, name: &str, image: Option<&ImageRef>, workload: Workload) -> Fact {
    let mut subject = Subject::scoped(FactKind::Workload, name, &project.scope);
    if let Some(i) = image {
        subject = subject.with_label("image", &i.raw);
    }
    Fact::new(subject, FactData::Workload(workload))
}

fn image_fact(project: &Project, name: &str, reference: ImageRef, image_node: &Val) -> Fact {
    let subject = Subject::scoped(FactKind::Image, name, &project.scope).with_label("image", &reference.raw);
    let mut fact =
        Fact::new(subject, FactData::Image(Image { reference, used_by: "compose".into(), final_stage: false }));
    fact.origin = Some(project.location(image_node));
    fact.locations.insert("image".into(), project.location(image_node));
    fact
}

/// `cap_add`/`cap_drop`, `read_only`, `privileged`, `security_opt` and the
/// host namespaces (`network_mode`, `pid`, `ipc`, `uts`, `userns_mode`).
fn privileges(node: &Val, l: &mut Locs<'_>, err: &mut dyn FnMut(&Val, String)) -> Privileges {
    let add = capability_list(node, "cap_add", l, err);
    let drop = capability_list(node, "cap_drop", l, err);
    l.at("capabilities.add", node.get("cap_add"));
    l.at("capabilities.drop", node.get("cap_drop"));
    let capabilities = Capabilities::new(add, drop);
    let read_only_rootfs = flag(node, "read_only", "read_only_rootfs", l, err);
    let privileged = flag(node, "privileged", "privileged", l, err);
    let (security, no_new_privileges) = security_opt(node.get("security_opt"), l, err);
    let mut mode = |key: &str, field: &str| -> bool {
        let v = node.get(key);
        l.at(format!("host_namespaces.{field}"), v);
        v.and_then(Val::as_str).is_some_and(|m| m == "host")
    };
    let host_namespaces = HostNamespaces {
        network: mode("network_mode", "network"),
        pid: mode("pid", "pid"),
        ipc: mode("ipc", "ipc"),
        uts: mode("uts", "uts"),
        user: mode("userns_mode", "user"),
    };
    l.at("host_namespaces", None);
    Privileges { capabilities, read_only_rootfs, privileged, security, no_new_privileges, host_namespaces }
}

/// `cap_add` or `cap_drop`, normalised, each name recorded where it is.
fn capability_list(node: &Val, key: &str, l: &mut Locs<'_>, err: &mut dyn FnMut(&Val, String)) -> Vec<String> {
    let mut out = Vec::new();
    match node.get(key).map(|v| (v, v.as_seq())) {
        Some((_, Some(items))) => {
            for item in items {
                match item.as_str() {
                    Some(c) => {
                        let cap = Capabilities::normalise(c);
                        let side = key.strip_prefix("cap_").unwrap_or(key);
                        l.set(&format!("capabilities.{side}.{cap}"), item);
                        out.push(cap);
                    }
                    None => err(item, format!("{key} entries must be capability names")),
                }
            }
        }
        Some((v, None)) => err(v, format!("{key} must be a list, not a {}", v.type_name())),
        None => {}
    }
    out
}

/// A boolean setting; absent is false.
fn flag(node: &Val, key: &str, field: &str, l: &mut Locs<'_>, err: &mut dyn FnMut(&Val, String)) -> bool {
    let v = node.get(key);
    l.at(field, v);
    match v {
        Some(v) => v.as_bool().unwrap_or_else(|| {
            err(v, format!("{key} must be true or false, not {:?}", v.shown()));
            false
        }),
        None => false,
    }
}

/// `volumes`, then `tmpfs`.
fn mounts(node: &Val, l: &mut Locs<'_>, err: &mut dyn FnMut(&Val, String)) -> Vec<Mount> {
    let mut mounts = Vec::new();
    l.at("mounts", node.get("volumes"));
    for item in list(node.get("volumes"), "volumes", err) {
        match volumes::parse(item) {
            Ok(m) => {
                l.set(&format!("mounts.{}", m.target), item);
                mounts.push(m);
            }
            Err(e) => err(item, e),
        }
    }
    match node.get("tmpfs") {
        Some(v) if v.as_str().is_some() => mounts.push(volumes::tmpfs(v.as_str().unwrap_or_default())),
        other => mounts.extend(list(other, "tmpfs", err).iter().filter_map(|i| i.as_str()).map(volumes::tmpfs)),
    }
    mounts
}

/// `devices`: the host side of each.
fn devices(node: &Val, l: &mut Locs<'_>, err: &mut dyn FnMut(&Val, String)) -> Vec<String> {
    let mut devices = Vec::new();
    l.at("devices", node.get("devices"));
    for item in list(node.get("devices"), "devices", err) {
        let host = match (item.as_str(), item.get("source").and_then(Val::as_str)) {
            (Some(text), _) => text.split(':').next().unwrap_or(text).to_string(),
            (None, Some(source)) => source.to_string(),
            (None, None) => {
                err(item, "a device must be `HOST:CONTAINER[:PERMISSIONS]` or have `source`".into());
                continue;
            }
        };
        l.set(&format!("devices.{host}"), item);
        devices.push(host);
    }
    devices
}

/// `ports`; a port published on all interfaces is where findings point,
/// else its first entry.
fn published_ports(node: &Val, l: &mut Locs<'_>, err: &mut dyn FnMut(&Val, String)) -> Vec<PortBinding> {
    let mut port_list = Vec::new();
    l.at("ports", node.get("ports"));
    for item in list(node.get("ports"), "ports", err) {
        match ports::parse(item) {
            Ok(p) => {
                let key = format!("ports.{}/{}", p.container_port, p.protocol);
                if !l.map.contains_key(&key) || p.all_interfaces {
                    l.set(&key, item);
                }
                port_list.push(p);
            }
            Err(e) => err(item, e),
        }
    }
    port_list
}

/// `networks` as a map or a list of names.
fn networks(v: Option<&Val>, err: &mut dyn FnMut(&Val, String)) -> Vec<String> {
    match v {
        Some(v) if v.as_map().is_some() => v.as_map().unwrap_or_default().iter().map(|(k, _)| k.clone()).collect(),
        other => list(other, "networks", err).iter().filter_map(|n| n.as_str().map(str::to_string)).collect(),
    }
}

/// A list setting's items; a non-list is reported and read as empty.
fn list<'v>(v: Option<&'v Val>, key: &str, err: &mut dyn FnMut(&Val, String)) -> &'v [Val] {
    match v {
        None => &[],
        Some(v) => match v.as_seq() {
            Some(items) => items,
            None => {
                err(v, format!("{key} must be a list, not a {}", v.type_name()));
                &[]
            }
        },
    }
}

/// `labels` as a map or a `KEY=value` list; a value that interpolates a
/// variable is kept as written.
fn keyed(v: Option<&Val>) -> BTreeMap<String, String> {
    let Some(v) = v else { return BTreeMap::new() };
    match &v.kind {
        Kind::Map(entries) => entries
            .iter()
            .map(|(k, v)| (k.clone(), v.as_written_if_interpolated().unwrap_or_default().to_string()))
            .collect(),
        Kind::Seq(items) => items
            .iter()
            .filter_map(Val::as_written_if_interpolated)
            .map(|s| match s.split_once('=') {
                Some((k, v)) => (k.to_string(), v.to_string()),
                None => (s.to_string(), String::new()),
            })
            .collect(),
        _ => BTreeMap::new(),
    }
}

/// The effective user: compose's `user`, else the `USER` of the stage the
/// service is built from, else the image's configured user, which only an
/// engine that has the image can tell (unknown until then; a `FROM
/// scratch` image has none: root). A Dockerfile that cannot be read leaves
/// the user unknown, never root.
fn user(v: Option<&Val>, build: Option<&BuildInfo>, image: Option<&ImageRef>, l: &mut Locs<'_>) -> User {
    let (user, location) = user_and_line(v, build, image);
    match location {
        Some(loc) => {
            l.map.insert("user".into(), loc);
        }
        None => l.at("user", v),
    }
    user
}

/// The user and, when a Dockerfile's `USER` decided it, that line.
fn user_and_line(v: Option<&Val>, build: Option<&BuildInfo>, image: Option<&ImageRef>) -> (User, Option<Location>) {
    if let Some(text) = v.and_then(Val::as_str) {
        let mut user = User::from_declaration(text, UserSource::Workload);
        // `user: ${APP_USER}`: the value may be anything, even a secret.
        user.declared = v.and_then(Val::as_written_if_interpolated).map(str::to_string);
        return (user, None);
    }
    let pulled = image.filter(|i| !i.interpolated).map(|i| i.raw.as_str());
    match build {
        Some(b) => match &b.stage {
            Some(stage) => {
                let loc = stage.user.as_ref().map(|(_, line)| Location::line(&b.dockerfile_display, *line));
                (stage.workload_user(), loc)
            }
            // The tag compose builds, if an engine has built it before.
            None => (User::decided_by_image(pulled), None),
        },
        None => (User::decided_by_image(pulled), None),
    }
}

/// The service's own health check, else its Dockerfile's (pointing at that
/// line).
fn healthcheck(v: Option<&Val>, build: Option<&BuildInfo>, l: &mut Locs<'_>) -> Healthcheck {
    let (healthcheck, location) = healthcheck_and_line(v, build);
    match location {
        Some(loc) => {
            l.map.insert("healthcheck".into(), loc);
        }
        None => l.at("healthcheck", v),
    }
    healthcheck
}

fn healthcheck_and_line(v: Option<&Val>, build: Option<&BuildInfo>) -> (Healthcheck, Option<Location>) {
    if let Some(h) = v {
        let disable = h.get("disable").and_then(Val::as_bool).unwrap_or(false);
        let test = h.get("test");
        let none = match test {
            Some(t) => match t.as_seq() {
                Some(items) => items.first().and_then(Val::as_str) == Some("NONE"),
                None => t.as_str() == Some("NONE"),
            },
            None => false,
        };
        // A healthcheck block that only tunes intervals keeps the image's test.
        let inherited = test.is_none() && !disable;
        if !inherited {
            let hc = Healthcheck { defined: true, disabled: disable || none, source: Some("workload".into()) };
            return (hc, None);
        }
    }
    if let Some(b) = build {
        if let Some((disabled, line)) = b.stage.as_ref().and_then(|s| s.healthcheck) {
            let hc = Healthcheck { defined: true, disabled, source: Some("dockerfile".into()) };
            return (hc, Some(Location::line(&b.dockerfile_display, line)));
        }
    }
    (Healthcheck::default(), None)
}

/// `security_opt`: `no-new-privileges[:true]`, `seccomp[:=]unconfined`,
/// `apparmor[:=]unconfined`, `label[:=]...`.
fn security_opt(v: Option<&Val>, l: &mut Locs<'_>, err: &mut dyn FnMut(&Val, String)) -> (SecurityProfiles, bool) {
    let mut security = SecurityProfiles::default();
    let mut nnp = false;
    l.at("security.seccomp", v);
    l.at("security.apparmor", v);
    l.at("no_new_privileges", v);
    for item in list(v, "security_opt", err) {
        let Some(text) = item.as_str() else {
            err(item, "security_opt entries must be strings".into());
            continue;
        };
        let (key, value) = match text.split_once([':', '=']) {
            Some((k, v)) => (k.trim(), Some(v.trim())),
            None => (text.trim(), None),
        };
        match key {
            "no-new-privileges" => {
                nnp = value.is_none_or(|v| v.eq_ignore_ascii_case("true"));
                l.set("no_new_privileges", item);
            }
            "seccomp" => {
                security.seccomp = value.map(str::to_string);
                l.set("security.seccomp", item);
            }
            "apparmor" => {
                security.apparmor = value.map(str::to_string);
                l.set("security.apparmor", item);
            }
            "label" => {
                security.selinux = value.map(str::to_string);
                l.set("security.selinux", item);
            }
            _ => {}
        }
    }
    (security, nnp)
}

/// `deploy.resources.limits` first (what the Compose Specification
/// recommends), then the service-level `mem_limit` / `cpus` / `pids_limit`.
fn limits(node: &Val, l: &mut Locs<'_>, err: &mut dyn FnMut(&Val, String)) -> Limits {
    let deploy = node.path(&["deploy", "resources", "limits"]);
    let pick = |deploy_key: &str, key: &str| deploy.and_then(|d| d.get(deploy_key)).or(node.get(key));
    let memory = pick("memory", "mem_limit");
    let cpus = pick("cpus", "cpus");
    let pids = pick("pids", "pids_limit");
    l.at("limits.memory", memory.or(deploy));
    l.at("limits.cpus", cpus.or(deploy));
    l.at("limits.pids", pids.or(deploy));
    let memory_bytes = memory.and_then(|v| {
        let parsed = v.as_str().and_then(units::memory_bytes);
        if parsed.is_none() {
            err(v, format!("invalid memory size {:?}", v.shown()));
        }
        parsed.filter(|b| *b > 0)
    });
    let cpus = cpus.and_then(|v| {
        let parsed = v.as_str().and_then(units::cpus);
        if parsed.is_none() {
            err(v, format!("invalid cpus value {:?}", v.shown()));
        }
        parsed.filter(|c| *c > 0.0)
    });
    let pids = pids.and_then(|v| {
        let parsed = v.as_str().and_then(|s| s.trim().parse::<i64>().ok());
        if parsed.is_none() {
            err(v, format!("invalid pids limit {:?}", v.shown()));
        }
        // 0 and -1 mean unlimited.
        parsed.filter(|p| *p > 0)
    });
    Limits { memory_bytes, cpus, pids }
}

/// For `env`: whether a raw value is a literal.
pub fn env_value(raw: Option<&str>) -> EnvValue {
    match raw {
        None => EnvValue::Unset,
        Some(r) if has_reference(r) => EnvValue::Reference,
        Some(_) => EnvValue::Literal,
    }
}
