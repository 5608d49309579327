//! The Docker daemon's own configuration on this host: `daemon.json` (or the
//! file `--config-file` names) and the flags dockerd was started with (read
//! from `/proc/<pid>/cmdline`). dockerd refuses to start when both set the
//! same option, so the two are simply combined.

use serde_json::Value;

use super::HostRoot;

const DEFAULT_CONFIG_FILE: &str = "/etc/docker/daemon.json";
/// How many processes are looked at to find dockerd: far more than a host
/// runs, but a bound all the same.
const MAX_PROCESSES: usize = 100_000;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct DaemonConfig {
    /// Where the settings were read from (`/etc/docker/daemon.json`,
    /// `dockerd command line (pid 1435)`).
    pub sources: Vec<String>,
    /// A `daemon.json` that exists but is not valid JSON (dockerd would not
    /// start with it).
    pub broken_file: Option<String>,
    pub debug: Option<bool>,
    pub log_level: Option<String>,
    pub hosts: Vec<String>,
    pub tls: Option<bool>,
    pub tls_verify: Option<bool>,
    pub tls_ca: Option<String>,
    pub tls_cert: Option<String>,
    pub tls_key: Option<String>,
    pub iptables: Option<bool>,
    pub userland_proxy: Option<bool>,
    pub no_new_privileges: Option<bool>,
    pub default_ulimits: Vec<String>,
    pub cgroup_parent: Option<String>,
    pub storage_opts: Vec<String>,
}

impl DaemonConfig {
    /// Reads what can be read; `None` when neither a config file nor a
    /// running dockerd is visible (not the Docker host, or no permission).
    pub fn read(root: &HostRoot) -> Option<Self> {
        let mut config = DaemonConfig::default();
        let cmdline = dockerd_cmdline(root);
        let file = cmdline
            .as_ref()
            .and_then(|(_, args)| flag_values(args, &["--config-file"]).pop())
            .unwrap_or_else(|| DEFAULT_CONFIG_FILE.to_string());
        if let Some(text) = root.read(&file) {
            match serde_json::from_str::<Value>(&text) {
                Ok(json) => {
                    config.apply_json(&json);
                    config.sources.push(file);
                }
                Err(_) => config.broken_file = Some(file),
            }
        }
        if let Some((pid, args)) = &cmdline {
            config.apply_flags(args);
            config.sources.push(format!("dockerd command line (pid {pid})"));
        }
        (!config.sources.is_empty() || config.broken_file.is_some()).then_some(config)
    }

    fn apply_json(&mut self, json: &Value) {
        let text = |key: &str| json.get(key).and_then(Value::as_str).map(str::to_string);
        let flag = |key: &str| json.get(key).and_then(Value::as_bool);
        let list = |key: &str| -> Vec<String> {
            json.get(key)
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
                .unwrap_or_default()
        };
        self.debug = flag("debug").or(self.debug);
        self.log_level = text("log-level").or(self.log_level.take());
        self.hosts.extend(list("hosts"));
        self.tls = flag("tls").or(self.tls);
        self.tls_verify = flag("tlsverify").or(self.tls_verify);
        self.tls_ca = text("tlscacert").or(self.tls_ca.take());
        self.tls_cert = text("tlscert").or(self.tls_cert.take());
        self.tls_key = text("tlskey").or(self.tls_key.take());
        self.iptables = flag("iptables").or(self.iptables);
        self.userland_proxy = flag("userland-proxy").or(self.userland_proxy);
        self.no_new_privileges = flag("no-new-privileges").or(self.no_new_privileges);
        self.cgroup_parent = text("cgroup-parent").or(self.cgroup_parent.take());
        self.storage_opts.extend(list("storage-opts"));
        // `"default-ulimits": {"nofile": {"Name": "nofile", "Hard": 64000, "Soft": 64000}}`
        if let Some(map) = json.get("default-ulimits").and_then(Value::as_object) {
            for (name, limit) in map {
                let n = |k: &str| limit.get(k).and_then(Value::as_i64).map(|v| v.to_string()).unwrap_or_default();
                self.default_ulimits.push(format!("{name}={}:{}", n("Soft"), n("Hard")));
            }
        }
    }

    fn apply_flags(&mut self, args: &[String]) {
        let last = |names: &[&str]| flag_values(args, names).pop();
        let boolean = |names: &[&str]| bool_flag(args, names);
        self.debug = boolean(&["-D", "--debug"]).or(self.debug);
        self.log_level = last(&["-l", "--log-level"]).or(self.log_level.take());
        self.hosts.extend(flag_values(args, &["-H", "--host"]));
        self.tls = boolean(&["--tls"]).or(self.tls);
        self.tls_verify = boolean(&["--tlsverify"]).or(self.tls_verify);
        self.tls_ca = last(&["--tlscacert"]).or(self.tls_ca.take());
        self.tls_cert = last(&["--tlscert"]).or(self.tls_cert.take());
        self.tls_key = last(&["--tlskey"]).or(self.tls_key.take());
        self.iptables = boolean(&["--iptables"]).or(self.iptables);
        self.userland_proxy = boolean(&["--userland-proxy"]).or(self.userland_proxy);
        self.no_new_privileges = boolean(&["--no-new-privileges"]).or(self.no_new_privileges);
        self.cgroup_parent = last(&["--cgroup-parent"]).or(self.cgroup_parent.take());
        self.storage_opts.extend(flag_values(args, &["--storage-opt"]));
        self.default_ulimits.extend(flag_values(args, &["--default-ulimit"]));
    }
}

/// Values of a flag given as `--name value` or `--name=value`, in order.
fn flag_values(args: &[String], names: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    let mut iter = args.iter().peekable();
    while let Some(arg) = iter.next() {
        for name in names {
            if arg == name {
                if let Some(value) = iter.next_if(|v| !v.starts_with('-')) {
                    out.push(value.clone());
                }
            } else if let Some(value) = arg.strip_prefix(name).and_then(|rest| rest.strip_prefix('=')) {
                out.push(value.to_string());
            }
        }
    }
    out
}

/// A boolean flag: `--name` (true) or `--name=false`; the last one wins.
fn bool_flag(args: &[String], names: &[&str]) -> Option<bool> {
    let mut out = None;
    for arg in args {
        for name in names {
            if arg == name {
                out = Some(true);
            } else if let Some(value) = arg.strip_prefix(name).and_then(|rest| rest.strip_prefix('=')) {
                out = value.parse::<bool>().ok().or(out);
            }
        }
    }
    out
}

/// The running dockerd's PID and arguments (after the program name).
fn dockerd_cmdline(root: &HostRoot) -> Option<(u32, Vec<String>)> {
    let proc_dir = std::fs::read_dir(root.path("/proc")).ok()?;
    for entry in proc_dir.flatten().take(MAX_PROCESSES) {
        let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else { continue };
        let comm = root.read(&format!("/proc/{pid}/comm"));
        if comm.as_deref().map(str::trim) != Some("dockerd") {
            continue;
        }
        let raw = root.read(&format!("/proc/{pid}/cmdline"))?;
        let args: Vec<String> = raw.split('\0').filter(|a| !a.is_empty()).skip(1).map(str::to_string).collect();
        return Some((pid, args));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn flags_in_both_forms() {
        let a = args(&["-H", "fd://", "--host=tcp://0.0.0.0:2375", "--tlsverify=false", "--log-level", "debug", "-D"]);
        assert_eq!(flag_values(&a, &["-H", "--host"]), ["fd://", "tcp://0.0.0.0:2375"]);
        assert_eq!(bool_flag(&a, &["--tlsverify"]), Some(false));
        assert_eq!(bool_flag(&a, &["-D", "--debug"]), Some(true));
        assert_eq!(bool_flag(&a, &["--iptables"]), None);
        assert_eq!(flag_values(&a, &["-l", "--log-level"]), ["debug"]);
    }

    #[test]
    fn reads_the_file_and_the_command_line() {
        let dir = tempfile::tempdir().unwrap();
        let root = HostRoot::at(dir.path());
        std::fs::create_dir_all(dir.path().join("etc/docker")).unwrap();
        std::fs::create_dir_all(dir.path().join("proc/77")).unwrap();
        std::fs::write(
            dir.path().join("etc/docker/daemon.json"),
            r#"{"log-level": "warn", "userland-proxy": false, "default-ulimits": {"nofile": {"Name": "nofile", "Soft": 1024, "Hard": 2048}}}"#,
        )
        .unwrap();
        std::fs::write(dir.path().join("proc/77/comm"), "dockerd\n").unwrap();
        std::fs::write(
            dir.path().join("proc/77/cmdline"),
            "/usr/bin/dockerd\0-H\0tcp://0.0.0.0:2375\0--no-new-privileges\0",
        )
        .unwrap();
        let c = DaemonConfig::read(&root).unwrap();
        assert_eq!(c.log_level.as_deref(), Some("warn"));
        assert_eq!(c.userland_proxy, Some(false));
        assert_eq!(c.default_ulimits, ["nofile=1024:2048"]);
        assert_eq!(c.hosts, ["tcp://0.0.0.0:2375"]);
        assert_eq!(c.no_new_privileges, Some(true));
        assert_eq!(c.sources, ["/etc/docker/daemon.json", "dockerd command line (pid 77)"]);
    }

    #[test]
    fn broken_json_is_reported_and_nothing_is_none() {
        let dir = tempfile::tempdir().unwrap();
        let root = HostRoot::at(dir.path());
        assert!(DaemonConfig::read(&root).is_none());
        std::fs::create_dir_all(dir.path().join("etc/docker")).unwrap();
        std::fs::write(dir.path().join("etc/docker/daemon.json"), "{ not json").unwrap();
        let c = DaemonConfig::read(&root).unwrap();
        assert_eq!(c.broken_file.as_deref(), Some("/etc/docker/daemon.json"));
        assert!(c.sources.is_empty());
    }
}
