//! A container's process names read from this host's `/proc`, when
//! stackaudit runs on the Docker host in the daemon's PID namespace: the
//! daemon's `top` runs `ps` for every call (a fork and exec in dockerd,
//! about six times the cost of an inspect), this reads a few small files.
//!
//! Used only when the container's main process, as `inspect` reports it, is
//! visible here and its cgroup names the container's full ID, which proves
//! the PID is that container's (not a reused one, not another namespace's).
//! Anything else (another PID namespace, cgroups not mounted, the container
//! stopping meanwhile) gives `None` and the caller asks the daemon's `top`.

use super::HostRoot;

/// The process list of the container `id` whose main process is `pid`:
/// command names (`comm`, what `ps -o comm` prints), deduplicated and sorted.
pub fn container_processes(root: &HostRoot, id: &str, pid: i64) -> Option<Vec<String>> {
    if pid <= 0 || id.len() < 64 {
        return None;
    }
    let cgroups = root.read(&format!("/proc/{pid}/cgroup"))?;
    let procs_file = procs_file(&cgroups, id)?;
    let procs = root.read(&procs_file)?;
    let mut names: Vec<String> = procs
        .lines()
        .filter_map(|l| l.trim().parse::<u32>().ok())
        // A process that exited between the two reads has no `comm`.
        .filter_map(|p| root.read(&format!("/proc/{p}/comm")))
        .filter_map(|comm| comm.split_whitespace().next().map(|exe| exe.rsplit('/').next().unwrap_or(exe).to_string()))
        .collect();
    // A running container has at least its main process.
    if names.is_empty() {
        return None;
    }
    names.sort();
    names.dedup();
    Some(names)
}

/// The `cgroup.procs` file of the cgroup listed in `/proc/<pid>/cgroup`
/// whose path names the container: the v1 `pids` hierarchy, else the v2
/// unified one.
fn procs_file(cgroups: &str, id: &str) -> Option<String> {
    let mut unified = None;
    for line in cgroups.lines() {
        let mut parts = line.splitn(3, ':');
        let (Some(_), Some(controllers), Some(path)) = (parts.next(), parts.next(), parts.next()) else { continue };
        if !path.contains(id) || path.contains("..") {
            continue;
        }
        if controllers.split(',').any(|c| c == "pids") {
            return Some(format!("/sys/fs/cgroup/pids{path}/cgroup.procs"));
        }
        if controllers.is_empty() {
            unified = Some(format!("/sys/fs/cgroup{path}/cgroup.procs"));
        }
    }
    unified
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "a465a235490c8cf1650fb6235fdd8c87844c70d2c3ed15b5c1220ae28daf348a";

    fn host(cgroup: &str, procs_at: &str, procs: &str, comms: &[(u32, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let write = |p: &str, text: &str| {
            let path = dir.path().join(p.trim_start_matches('/'));
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        };
        write("/proc/40/cgroup", cgroup);
        write(procs_at, procs);
        for (p, comm) in comms {
            write(&format!("/proc/{p}/comm"), &format!("{comm}\n"));
        }
        dir
    }

    #[test]
    fn cgroup_v1_pids_hierarchy() {
        let cgroup = format!("9:name=systemd:/docker/{ID}\n8:pids:/docker/{ID}\n");
        let dir = host(
            &cgroup,
            &format!("/sys/fs/cgroup/pids/docker/{ID}/cgroup.procs"),
            "40\n41\n42\n43\n",
            &[(40, "sh"), (41, "sshd"), (42, "sleep"), (43, "sleep")],
        );
        let names = container_processes(&HostRoot::at(dir.path()), ID, 40);
        assert_eq!(names.unwrap(), ["sh", "sleep", "sshd"]);
    }

    #[test]
    fn cgroup_v2_unified_hierarchy() {
        let cgroup = format!("0::/system.slice/docker-{ID}.scope\n");
        let dir = host(
            &cgroup,
            &format!("/sys/fs/cgroup/system.slice/docker-{ID}.scope/cgroup.procs"),
            "40\n99\n",
            &[(40, "nginx")],
        );
        // 99 exited meanwhile: no comm, skipped.
        assert_eq!(container_processes(&HostRoot::at(dir.path()), ID, 40).unwrap(), ["nginx"]);
    }

    #[test]
    fn a_pid_of_another_cgroup_or_namespace_falls_back_to_the_daemon() {
        let other = "b".repeat(64);
        let cgroup = format!("8:pids:/docker/{other}\n");
        let dir = host(&cgroup, &format!("/sys/fs/cgroup/pids/docker/{other}/cgroup.procs"), "40\n", &[(40, "sh")]);
        let root = HostRoot::at(dir.path());
        assert_eq!(container_processes(&root, ID, 40), None, "the cgroup does not name the container");
        assert_eq!(container_processes(&root, ID, 41), None, "no such process here");
        assert_eq!(container_processes(&root, ID, 0), None);
        assert_eq!(container_processes(&root, "a465a235490c", 40), None, "a short ID proves nothing");
    }

    #[test]
    fn an_empty_cgroup_falls_back_to_the_daemon() {
        let cgroup = format!("8:pids:/docker/{ID}\n");
        let dir = host(&cgroup, &format!("/sys/fs/cgroup/pids/docker/{ID}/cgroup.procs"), "", &[]);
        assert_eq!(container_processes(&HostRoot::at(dir.path()), ID, 40), None);
    }
}
