//! Which files are compose files, and what role a name gives them: the
//! names Docker Compose looks for by itself, swarm stack files, and any
//! other YAML whose shape is a compose file's (and not, say, a CI config
//! that also has a `services:` key).

use crate::collect::kubernetes::is_compose_name;
use crate::collect::yaml::Node;

/// The base file `docker compose` picks in a folder: the first that exists,
/// in this order.
pub const BASE_NAMES: &[&str] = &["compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml"];
/// The override file it merges onto the base: the first that exists. No
/// other file of the folder is merged automatically.
pub const OVERRIDE_NAMES: &[&str] =
    &["compose.override.yml", "compose.override.yaml", "docker-compose.override.yml", "docker-compose.override.yaml"];

/// Top-level keys of the Compose Specification (plus the legacy `version`).
const TOP_KEYS: &[&str] =
    &["version", "name", "services", "networks", "volumes", "configs", "secrets", "include", "models"];

/// Service attributes of the Compose Specification and the legacy 2.x/3.x
/// formats.
const SERVICE_KEYS: &[&str] = &[
    "annotations",
    "attach",
    "blkio_config",
    "build",
    "cap_add",
    "cap_drop",
    "cgroup",
    "cgroup_parent",
    "command",
    "configs",
    "container_name",
    "cpu_count",
    "cpu_percent",
    "cpu_period",
    "cpu_quota",
    "cpu_rt_period",
    "cpu_rt_runtime",
    "cpu_shares",
    "cpus",
    "cpuset",
    "credential_spec",
    "depends_on",
    "deploy",
    "develop",
    "device_cgroup_rules",
    "devices",
    "dns",
    "dns_opt",
    "dns_search",
    "dockerfile",
    "domainname",
    "entrypoint",
    "env_file",
    "environment",
    "expose",
    "extends",
    "external_links",
    "extra_hosts",
    "gpus",
    "group_add",
    "healthcheck",
    "hostname",
    "image",
    "init",
    "ipc",
    "isolation",
    "label_file",
    "labels",
    "links",
    "log_driver",
    "log_opt",
    "logging",
    "mac_address",
    "mem_limit",
    "mem_reservation",
    "mem_swappiness",
    "memswap_limit",
    "models",
    "net",
    "network_mode",
    "networks",
    "oom_kill_disable",
    "oom_score_adj",
    "pid",
    "pids_limit",
    "platform",
    "ports",
    "post_start",
    "pre_stop",
    "privileged",
    "profiles",
    "provider",
    "pull_policy",
    "read_only",
    "restart",
    "runtime",
    "scale",
    "secrets",
    "security_opt",
    "shm_size",
    "stdin_open",
    "stop_grace_period",
    "stop_signal",
    "storage_opt",
    "sysctls",
    "tmpfs",
    "tty",
    "ulimits",
    "use_api_socket",
    "user",
    "userns_mode",
    "uts",
    "volume_driver",
    "volumes",
    "volumes_from",
    "working_dir",
];

/// A name that makes a file a compose file whatever it holds (so a broken
/// one is an error): Docker Compose's own names and their variants, and
/// swarm's `docker-stack*.yml`.
pub fn is_named_compose(name: &str) -> bool {
    if is_compose_name(name) {
        return true;
    }
    let lower = name.to_ascii_lowercase();
    let stem = lower.strip_suffix(".yaml").or_else(|| lower.strip_suffix(".yml"));
    stem.is_some_and(|s| s == "docker-stack" || s.starts_with("docker-stack."))
}

pub fn is_yaml_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.ends_with(".yaml") || lower.ends_with(".yml")
}

/// Base files first in Docker Compose's order.
pub fn base_rank(name: &str) -> Option<usize> {
    BASE_NAMES.iter().position(|b| *b == name)
}

pub fn override_rank(name: &str) -> Option<usize> {
    OVERRIDE_NAMES.iter().position(|b| *b == name)
}

/// A file whose name says it only overrides another (`*.override.yml`,
/// `docker-compose-override.yml`): never complete on its own.
pub fn names_itself_an_override(name: &str) -> bool {
    name.to_ascii_lowercase().contains("override")
}

/// Cheap test on raw text before parsing: a top-level `services:` or
/// `include:` key.
pub fn may_be_compose(text: &str) -> bool {
    // A byte-order mark sits before the first key; editors on Windows write one.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    text.lines().any(|l| l.starts_with("services:") || l.starts_with("include:"))
}

/// The document is a compose file by shape: only compose top-level keys
/// (or `x-` extensions), and `services` a mapping of services made of
/// compose attributes, or an `include` list. A CI config's `services:`
/// (a list of images, or beside `steps:`/`jobs:`) is not.
pub fn has_compose_shape(doc: &Node) -> bool {
    let Some(entries) = doc.as_map() else { return false };
    let keys_ok = entries.iter().all(|(k, _)| k.as_str().is_some_and(|k| k.starts_with("x-") || TOP_KEYS.contains(&k)));
    if !keys_ok {
        return false;
    }
    if doc.get("include").is_some_and(|i| i.as_seq().is_some()) {
        return true;
    }
    let Some(services) = doc.get("services").and_then(Node::as_map) else { return false };
    let mut any = false;
    for (_, service) in services {
        if service.is_null() {
            continue;
        }
        let Some(attrs) = service.as_map() else { return false };
        let known = attrs
            .iter()
            .all(|(k, _)| k.as_str().is_some_and(|k| k.starts_with("x-") || k == "<<" || SERVICE_KEYS.contains(&k)));
        if !known {
            return false;
        }
        any |= !attrs.is_empty();
    }
    any
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collect::yaml::parse_single;

    #[test]
    fn a_byte_order_mark_before_the_first_key_is_not_a_different_file() {
        assert!(may_be_compose("\u{feff}services:\n  web:\n    image: nginx:1.27\n"));
        assert!(may_be_compose("\u{feff}include:\n  - a.yml\n"));
        assert!(!may_be_compose("\u{feff}jobs:\n  build: {}\n"));
    }

    fn shape(text: &str) -> bool {
        has_compose_shape(&parse_single(text).unwrap())
    }

    #[test]
    fn names() {
        for yes in ["docker-compose.yml", "compose.prod.yaml", "docker-stack.yml", "docker-stack.prod.yml"] {
            assert!(is_named_compose(yes), "{yes}");
        }
        for no in ["stack.yml", "values.yaml", "docker-stack.json"] {
            assert!(!is_named_compose(no), "{no}");
        }
        assert!(names_itself_an_override("docker-compose.override.yml"));
        assert!(!names_itself_an_override("docker-compose.prod.yml"));
        assert_eq!(base_rank("docker-compose.yml"), Some(2));
    }

    #[test]
    fn compose_shape_versus_other_yaml_with_services() {
        assert!(shape("version: '3.8'\nservices:\n  web:\n    image: nginx:1.27\n    deploy: {replicas: 2}\n"));
        assert!(shape("x-common: &c {restart: always}\nservices:\n  web:\n    <<: *c\n    build: .\n"));
        assert!(shape("include:\n  - ./db/compose.yaml\n"));
        // GitLab CI: services is a list of images.
        assert!(!shape("image: node:20\nservices:\n  - postgres:16\ntest:\n  script: [npm test]\n"));
        // Woodpecker: services beside steps.
        assert!(!shape("steps:\n  test:\n    image: golang\nservices:\n  db:\n    image: postgres\n"));
        // Helm values with a `services` map of Kubernetes Service settings.
        assert!(!shape("services:\n  web:\n    type: ClusterIP\n    port: 80\n"));
        assert!(!shape("services: {}\n"));
    }
}
