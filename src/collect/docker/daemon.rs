//! `docker info` (and the default bridge's options) as a `docker_daemon`
//! fact.

use std::collections::HashMap;

use bollard::models::SystemInfo;

use super::host::DaemonConfig;
use crate::facts::docker_daemon::DockerDaemon;

/// The bridge option that turns inter-container communication on or off
/// (`dockerd --icc`).
const ICC_OPTION: &str = "com.docker.network.bridge.enable_icc";
const DEFAULT_BRIDGE_OPTION: &str = "com.docker.network.bridge.default_bridge";

/// Builds the fact from `docker info`, the negotiated API version and the
/// options of the network named `bridge` (when it is the default bridge).
pub fn daemon_fact(
    host: &str,
    info: &SystemInfo,
    api_version: String,
    bridge_options: Option<&HashMap<String, String>>,
) -> DockerDaemon {
    let options = SecurityOptions::parse(info.security_options.as_deref().unwrap_or_default());
    let registries = info.registry_config.as_ref();
    let insecure_registries = registries
        .and_then(|r| r.insecure_registry_cidrs.clone())
        .unwrap_or_default()
        .into_iter()
        // The daemon always trusts loopback registries over plain HTTP.
        .filter(|cidr| cidr != "127.0.0.0/8" && cidr != "::1/128")
        .chain(
            registries
                .and_then(|r| r.index_configs.as_ref())
                .into_iter()
                .flat_map(|m| m.values())
                .filter(|i| i.secure == Some(false))
                .filter_map(|i| i.name.clone()),
        )
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let icc = bridge_options
        .filter(|o| o.get(DEFAULT_BRIDGE_OPTION).is_none_or(|v| v == "true"))
        // Absent option: the daemon's default, which is on.
        .map(|o| o.get(ICC_OPTION).is_none_or(|v| v != "false"));
    DockerDaemon {
        host: host.to_string(),
        server_version: info.server_version.clone(),
        api_version: Some(api_version),
        operating_system: info.operating_system.clone(),
        rootless: options.has("rootless"),
        userns_remap: options.has("userns"),
        live_restore: info.live_restore_enabled.unwrap_or(false),
        icc,
        apparmor: options.has("apparmor"),
        seccomp: options.has("seccomp"),
        seccomp_profile: options.value("seccomp", "profile"),
        selinux: options.has("selinux"),
        insecure_registries,
        authorization_plugins: info.plugins.as_ref().and_then(|p| p.authorization.clone()).unwrap_or_default(),
        logging_driver: info.logging_driver.clone().filter(|s| !s.is_empty()),
        storage_driver: info.driver.clone().filter(|s| !s.is_empty()),
        cgroup_version: info.cgroup_version.map(|v| v.to_string()).filter(|s| !s.is_empty()),
        experimental: info.experimental_build.unwrap_or(false),
        containers_running: info.containers_running.unwrap_or(0),
        debug: info.debug.unwrap_or(false),
        swarm_state: info
            .swarm
            .as_ref()
            .and_then(|s| s.local_node_state)
            .map(|s| s.to_string())
            .filter(|s| !s.is_empty()),
        swarm_manager: info.swarm.as_ref().and_then(|s| s.control_available).unwrap_or(false),
        ..Default::default()
    }
}

/// Fills in what the daemon's configuration on this host says, with each
/// daemon default made explicit.
pub fn apply_config(daemon: &mut DockerDaemon, c: &DaemonConfig) {
    if c.sources.is_empty() {
        return;
    }
    daemon.config_read = true;
    daemon.config_sources = c.sources.clone();
    daemon.debug |= c.debug.unwrap_or(false);
    daemon.log_level = Some(c.log_level.clone().unwrap_or_else(|| "info".into()));
    daemon.listen = c.hosts.clone();
    daemon.tcp_listen = c.hosts.iter().filter(|h| h.starts_with("tcp://")).cloned().collect();
    // `--tlsverify` implies `--tls`; without either the daemon speaks plain HTTP.
    daemon.tls_verify = Some(c.tls_verify.unwrap_or(false));
    if c.tls.unwrap_or(false) || c.tls_verify.unwrap_or(false) {
        daemon.tls_ca = c.tls_ca.clone();
        daemon.tls_cert = c.tls_cert.clone();
        daemon.tls_key = c.tls_key.clone();
    }
    daemon.iptables = Some(c.iptables.unwrap_or(true));
    daemon.userland_proxy = Some(c.userland_proxy.unwrap_or(true));
    daemon.no_new_privileges = Some(c.no_new_privileges.unwrap_or(false));
    daemon.default_ulimits = Some(c.default_ulimits.clone());
    daemon.cgroup_parent = c.cgroup_parent.clone().filter(|p| !p.is_empty());
    daemon.storage_opts = c.storage_opts.clone();
}

/// `SecurityOptions` of `docker info`: `name=seccomp,profile=default`,
/// `name=rootless`, or the bare `apparmor` of old daemons.
struct SecurityOptions(Vec<HashMap<String, String>>);

impl SecurityOptions {
    fn parse(raw: &[String]) -> Self {
        Self(
            raw.iter()
                .map(|entry| {
                    entry
                        .split(',')
                        .map(|kv| match kv.split_once('=') {
                            Some((k, v)) => (k.trim().to_string(), v.trim().to_string()),
                            None => ("name".to_string(), kv.trim().to_string()),
                        })
                        .collect()
                })
                .collect(),
        )
    }

    fn find(&self, name: &str) -> Option<&HashMap<String, String>> {
        self.0.iter().find(|o| o.get("name").is_some_and(|n| n == name))
    }

    fn has(&self, name: &str) -> bool {
        self.find(name).is_some()
    }

    fn value(&self, name: &str, key: &str) -> Option<String> {
        self.find(name).and_then(|o| o.get(key)).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn security_options_old_and_new_forms() {
        let info = SystemInfo {
            security_options: Some(vec![
                "name=seccomp,profile=default".into(),
                "name=rootless".into(),
                "apparmor".into(),
            ]),
            live_restore_enabled: Some(true),
            ..Default::default()
        };
        let d = daemon_fact("unix:///x", &info, "1.41".into(), None);
        assert!(d.rootless && d.apparmor && d.seccomp && d.live_restore && !d.userns_remap);
        assert_eq!(d.seccomp_profile.as_deref(), Some("default"));
        assert_eq!(d.icc, None);
    }

    #[test]
    fn icc_from_the_default_bridge() {
        let info = SystemInfo::default();
        let mut options = HashMap::new();
        options.insert(DEFAULT_BRIDGE_OPTION.to_string(), "true".to_string());
        options.insert(ICC_OPTION.to_string(), "false".to_string());
        assert_eq!(daemon_fact("h", &info, "1.41".into(), Some(&options)).icc, Some(false));
        options.insert(ICC_OPTION.to_string(), "true".to_string());
        assert_eq!(daemon_fact("h", &info, "1.41".into(), Some(&options)).icc, Some(true));
    }
}
