//! Ownership and permissions of the Docker daemon's files on this host, as
//! CIS Docker Benchmark v1.6.0 section 3 lists them. `stat` only: a file
//! that is absent is simply not reported (the benchmark's "not found").

use std::os::unix::fs::{FileTypeExt, MetadataExt};

use super::users::Names;
use super::{DaemonConfig, HostRoot};
use crate::facts::docker_host_file::DockerHostFile;

/// One kind of file the benchmark covers.
struct Expected {
    purpose: &'static str,
    owner: &'static str,
    group: &'static str,
    max_mode: u32,
    cis_ownership: &'static str,
    cis_permissions: &'static str,
}

const SERVICE: Expected = Expected {
    purpose: "docker.service",
    owner: "root",
    group: "root",
    max_mode: 0o644,
    cis_ownership: "3.1",
    cis_permissions: "3.2",
};
const SOCKET_UNIT: Expected = Expected {
    purpose: "docker.socket",
    owner: "root",
    group: "root",
    max_mode: 0o644,
    cis_ownership: "3.3",
    cis_permissions: "3.4",
};
const ETC_DOCKER: Expected = Expected {
    purpose: "/etc/docker",
    owner: "root",
    group: "root",
    max_mode: 0o755,
    cis_ownership: "3.5",
    cis_permissions: "3.6",
};
const REGISTRY_CERT: Expected = Expected {
    purpose: "registry certificate",
    owner: "root",
    group: "root",
    max_mode: 0o444,
    cis_ownership: "3.7",
    cis_permissions: "3.8",
};
const TLS_CA: Expected = Expected {
    purpose: "TLS CA certificate",
    owner: "root",
    group: "root",
    max_mode: 0o444,
    cis_ownership: "3.9",
    cis_permissions: "3.10",
};
const TLS_CERT: Expected = Expected {
    purpose: "Docker server certificate",
    owner: "root",
    group: "root",
    max_mode: 0o444,
    cis_ownership: "3.11",
    cis_permissions: "3.12",
};
const TLS_KEY: Expected = Expected {
    purpose: "Docker server certificate key",
    owner: "root",
    group: "root",
    max_mode: 0o400,
    cis_ownership: "3.13",
    cis_permissions: "3.14",
};
const DOCKER_SOCK: Expected = Expected {
    purpose: "Docker socket",
    owner: "root",
    group: "docker",
    max_mode: 0o660,
    cis_ownership: "3.15",
    cis_permissions: "3.16",
};
const DAEMON_JSON: Expected = Expected {
    purpose: "daemon.json",
    owner: "root",
    group: "root",
    max_mode: 0o644,
    cis_ownership: "3.17",
    cis_permissions: "3.18",
};
const DEFAULT_DOCKER: Expected = Expected {
    purpose: "/etc/default/docker",
    owner: "root",
    group: "root",
    max_mode: 0o644,
    // docker-bench-security (v1.6.0 checks) numbers this file's permissions
    // 3.22 and /etc/sysconfig/docker's 3.20/3.21; cited as it prints them so
    // the two reports line up check by check.
    cis_ownership: "3.19",
    cis_permissions: "3.22",
};
const SYSCONFIG_DOCKER: Expected = Expected {
    purpose: "/etc/sysconfig/docker",
    owner: "root",
    group: "root",
    max_mode: 0o644,
    cis_ownership: "3.21",
    cis_permissions: "3.20",
};
const CONTAINERD_SOCK: Expected = Expected {
    purpose: "containerd socket",
    owner: "root",
    group: "root",
    max_mode: 0o660,
    cis_ownership: "3.23",
    cis_permissions: "3.24",
};

/// Where systemd looks for units, highest precedence first.
const UNIT_DIRS: &[&str] = &[
    "/etc/systemd/system",
    "/run/systemd/system",
    "/usr/local/lib/systemd/system",
    "/lib/systemd/system",
    "/usr/lib/systemd/system",
];
/// containerd's own socket, and the one dockerd starts its managed
/// containerd with.
const CONTAINERD_SOCKETS: &[&str] = &["/run/containerd/containerd.sock", "/var/run/docker/containerd/containerd.sock"];
/// Registry certificates: `/etc/docker/certs.d/<registry>/<file>`.
const CERTS_D: &str = "/etc/docker/certs.d";
/// More registries than any host trusts; a bound on the walk all the same.
const MAX_REGISTRY_FILES: usize = 1000;

/// The section 3 files of the Docker host `host` (its socket at `socket`).
pub fn host_files(root: &HostRoot, host: &str, socket: &str, config: Option<&DaemonConfig>) -> Vec<DockerHostFile> {
    let names = Names::load(root);
    let mut candidates: Vec<(String, &Expected)> = Vec::new();
    for (unit, expected) in [("docker.service", &SERVICE), ("docker.socket", &SOCKET_UNIT)] {
        if let Some(path) = UNIT_DIRS.iter().map(|d| format!("{d}/{unit}")).find(|p| root.path(p).exists()) {
            candidates.push((path, expected));
        }
    }
    candidates.push(("/etc/docker".into(), &ETC_DOCKER));
    candidates.extend(registry_certs(root).into_iter().map(|p| (p, &REGISTRY_CERT)));
    if let Some(c) = config {
        for (path, expected) in [(&c.tls_ca, &TLS_CA), (&c.tls_cert, &TLS_CERT), (&c.tls_key, &TLS_KEY)] {
            if let Some(p) = path {
                candidates.push((p.clone(), expected));
            }
        }
    }
    candidates.push((socket.to_string(), &DOCKER_SOCK));
    let config_file = config
        .and_then(|c| c.sources.iter().chain(&c.broken_file).find(|s| s.starts_with('/')).cloned())
        .unwrap_or_else(|| "/etc/docker/daemon.json".into());
    candidates.push((config_file, &DAEMON_JSON));
    candidates.push(("/etc/default/docker".into(), &DEFAULT_DOCKER));
    candidates.push(("/etc/sysconfig/docker".into(), &SYSCONFIG_DOCKER));
    candidates.extend(CONTAINERD_SOCKETS.iter().map(|p| (p.to_string(), &CONTAINERD_SOCK)));

    let mut seen = std::collections::BTreeSet::new();
    candidates
        .into_iter()
        .filter_map(|(path, expected)| {
            // /lib is often /usr/lib: one file, one fact.
            let real = std::fs::canonicalize(root.path(&path)).ok()?;
            if !seen.insert(real) {
                return None;
            }
            let meta = std::fs::metadata(root.path(&path)).ok()?;
            Some(describe(host, &path, expected, &meta, &names))
        })
        .collect()
}

fn registry_certs(root: &HostRoot) -> Vec<String> {
    let mut out = Vec::new();
    let Ok(registries) = std::fs::read_dir(root.path(CERTS_D)) else { return out };
    for registry in registries.flatten().take(MAX_REGISTRY_FILES) {
        let Ok(files) = std::fs::read_dir(registry.path()) else { continue };
        for file in files.flatten().take(MAX_REGISTRY_FILES) {
            if let (Some(reg), Some(name)) = (registry.file_name().to_str(), file.file_name().to_str()) {
                out.push(format!("{CERTS_D}/{reg}/{name}"));
            }
        }
    }
    out.sort();
    out.truncate(MAX_REGISTRY_FILES);
    out
}

fn describe(host: &str, path: &str, expected: &Expected, meta: &std::fs::Metadata, names: &Names) -> DockerHostFile {
    let mode = meta.mode() & 0o7777;
    let file_type = if meta.is_dir() {
        "directory"
    } else if meta.file_type().is_socket() {
        "socket"
    } else {
        "file"
    };
    DockerHostFile {
        host: host.to_string(),
        path: path.to_string(),
        purpose: expected.purpose.to_string(),
        file_type: file_type.to_string(),
        owner: names.user(meta.uid()),
        group: names.group(meta.gid()),
        mode: format!("{mode:04o}"),
        expected_owner: expected.owner.to_string(),
        expected_group: expected.group.to_string(),
        max_mode: format!("{:04o}", expected.max_mode),
        excess_mode: format!("{:04o}", mode & !expected.max_mode),
        cis_ownership: expected.cis_ownership.to_string(),
        cis_permissions: expected.cis_permissions.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn reports_present_files_with_their_excess_bits() {
        let dir = tempfile::tempdir().unwrap();
        let root = HostRoot::at(dir.path());
        let p = |rel: &str| dir.path().join(rel);
        std::fs::create_dir_all(p("etc/docker/certs.d/registry.example.com")).unwrap();
        std::fs::create_dir_all(p("lib/systemd/system")).unwrap();
        std::fs::write(p("lib/systemd/system/docker.service"), "[Service]\n").unwrap();
        std::fs::write(p("etc/docker/daemon.json"), "{}").unwrap();
        std::fs::write(p("etc/docker/certs.d/registry.example.com/ca.crt"), "x").unwrap();
        std::fs::create_dir_all(p("etc/default")).unwrap();
        std::fs::create_dir_all(p("etc/sysconfig")).unwrap();
        std::fs::write(p("etc/default/docker"), "DOCKER_OPTS=\n").unwrap();
        std::fs::write(p("etc/sysconfig/docker"), "OPTIONS=\n").unwrap();
        std::fs::set_permissions(p("etc/docker/daemon.json"), std::fs::Permissions::from_mode(0o666)).unwrap();
        std::fs::set_permissions(
            p("etc/docker/certs.d/registry.example.com/ca.crt"),
            std::fs::Permissions::from_mode(0o444),
        )
        .unwrap();
        let files = host_files(&root, "unix:///var/run/docker.sock", "/var/run/docker.sock", None);
        let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "/lib/systemd/system/docker.service",
                "/etc/docker",
                "/etc/docker/certs.d/registry.example.com/ca.crt",
                "/etc/docker/daemon.json",
                "/etc/default/docker",
                "/etc/sysconfig/docker"
            ]
        );
        // docker-bench-security's numbers for the two environment files.
        let cis = |purpose: &str| {
            let f = files.iter().find(|f| f.purpose == purpose).unwrap();
            (f.cis_ownership.clone(), f.cis_permissions.clone())
        };
        assert_eq!(cis("/etc/default/docker"), ("3.19".to_string(), "3.22".to_string()));
        assert_eq!(cis("/etc/sysconfig/docker"), ("3.21".to_string(), "3.20".to_string()));
        let json = files.iter().find(|f| f.purpose == "daemon.json").unwrap();
        assert_eq!((json.mode.as_str(), json.excess_mode.as_str()), ("0666", "0022"));
        assert_eq!((json.cis_ownership.as_str(), json.cis_permissions.as_str()), ("3.17", "3.18"));
        let cert = files.iter().find(|f| f.purpose == "registry certificate").unwrap();
        assert_eq!(cert.excess_mode, "0000");
    }
}
