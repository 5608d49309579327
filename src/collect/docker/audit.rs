//! Auditing one Docker host: `version` (to agree on an API version), `info`,
//! the default bridge, one list call, one inspect per distinct image, and
//! one inspect per container, over one client; the process list of a
//! running container from this host's `/proc` when stackaudit runs on the
//! Docker host in the daemon's PID namespace, else one `top` per container.
//! Every call here is a GET: stackaudit never changes anything on a daemon.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use bollard::query_parameters::{ListContainersOptions, TopOptions};
use bollard::Docker;
use futures::stream::{self, StreamExt};

use super::connect::{self, Host};
use super::daemon::daemon_fact;
use super::errors::HostError;
use super::filter::Filter;
use super::host::{container_processes, host_files, local_socket, DaemonConfig, HostRoot};
use super::map::{self, ImageConfig, Observed};
use crate::collect::{CollectContext, Collected};
use crate::diagnostics::{ErrorKind, ScanError, Skipped};
use crate::facts::{Fact, FactData, FactKind, Location, Subject};

/// `ps` arguments for `top`: the daemon runs `ps` on the host, so this works
/// for images without a `ps` of their own; `comm` is the executable's name.
/// Without a selection option, daemons since 20.10 add `-q <the container's
/// pids>`, so `ps` reads only those processes instead of the whole host's.
const PS_ARGS: &str = "-o pid,comm";
/// For older daemons, which run `ps` with exactly the arguments given and
/// filter afterwards: every process, so the container's are among them.
const PS_ARGS_ALL: &str = "-eo pid,comm";

pub async fn audit(
    host: &Host,
    ctx: &CollectContext<'_>,
    filter: &Filter,
    declared_in: Option<&Location>,
) -> Collected {
    let config = &ctx.config.docker;
    let mut out = Collected::default();
    // A TLS host's CA, certificate and key are read from disk: blocking
    // I/O, kept off the async workers like the other collectors' files.
    let connecting = {
        let (host, timeout) = (host.clone(), config.timeout_secs.max(1));
        tokio::task::spawn_blocking(move || connect::client(&host, timeout)).await
    };
    let connected = connecting.unwrap_or_else(|e| {
        Err(HostError::Api { kind: ErrorKind::Internal, message: format!("opening the client failed: {e}") })
    });
    let docker = match connected {
        Ok(d) => d,
        Err(e) => {
            out.error(at(e.to_scan_error(&host.shown, "cannot connect"), declared_in));
            return out;
        }
    };
    let docker = match docker.negotiate_version().await {
        Ok(d) => d,
        Err(e) => {
            out.error(at(HostError::from(e).to_scan_error(&host.shown, "cannot reach the Docker daemon"), declared_in));
            return out;
        }
    };
    let info = match docker.info().await {
        Ok(i) => i,
        Err(e) => {
            out.error(at(HostError::from(e).to_scan_error(&host.shown, "cannot read `docker info`"), declared_in));
            return out;
        }
    };
    // No default bridge (rootless without slirp, `--bridge none`): icc
    // cannot be judged, which the fact says with `icc: None`.
    let bridge = docker.inspect_network("bridge", None).await.ok().and_then(|n| n.options);
    let mut daemon = daemon_fact(&host.shown, &info, docker.client_version().to_string(), bridge.as_ref());
    daemon.plain_tcp = host.tls.is_none() && (host.uri.starts_with("tcp://") || host.uri.starts_with("http://"));
    let daemon_apparmor = daemon.apparmor;
    // On the Docker host itself: its configuration and files (never for a
    // rootless daemon, whose files are its user's, not the system's).
    let root = HostRoot::system();
    let local = local_socket(&host.uri, &root).filter(|_| !daemon.rootless);
    // The host's files are read on the blocking pool, not on an async
    // worker that other hosts' and sources' requests share.
    let daemon_config = match &local {
        Some(_) => {
            let root = root.clone();
            tokio::task::spawn_blocking(move || DaemonConfig::read(&root))
                .await
                .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))
        }
        None => None,
    };
    if let Some(c) = &daemon_config {
        if let Some(file) = &c.broken_file {
            out.error(at(
                ScanError::new(
                    "docker",
                    file.as_str(),
                    ErrorKind::Malformed,
                    "the daemon's configuration file is not valid JSON",
                )
                .at(Location::file(file.as_str())),
                None,
            ));
        }
        super::daemon::apply_config(&mut daemon, c);
    }
    let swarm_manager = daemon.swarm_manager;
    let subject = Subject::new(FactKind::DockerDaemon, &host.shown)
        .with_label("server_version", daemon.server_version.clone().unwrap_or_default());
    let mut fact = Fact::new(subject, FactData::DockerDaemon(daemon));
    fact.declared_in = declared_in.cloned();
    out.facts.push(fact);
    if let Some(socket) = local.clone() {
        let (files_root, uri, config) = (root.clone(), host.shown.clone(), daemon_config.clone());
        let files = tokio::task::spawn_blocking(move || host_files(&files_root, &uri, &socket, config.as_ref()))
            .await
            .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()));
        for file in files {
            let subject = Subject::scoped(FactKind::DockerHostFile, &file.path, &host.shown);
            let mut fact = Fact::new(subject, FactData::DockerHostFile(file));
            fact.declared_in = declared_in.cloned();
            out.facts.push(fact);
        }
    }
    let swarm = if swarm_manager {
        let mut s = super::swarm::audit(&docker, &host.shown, ctx, filter, local.as_ref().map(|_| &root)).await;
        super::swarm::locate(&mut s.collected, declared_in);
        s
    } else {
        super::swarm::SwarmAudit::default()
    };
    let service_ids = swarm.service_ids;
    out.merge(swarm.collected);

    let list = docker.list_containers(Some(ListContainersOptions { all: config.all, ..Default::default() })).await;
    let summaries = match list {
        Ok(l) => l,
        Err(e) => {
            out.error(at(HostError::from(e).to_scan_error(&host.shown, "cannot list containers"), declared_in));
            return out;
        }
    };
    // A swarm task's container is audited as its service: one subject, one
    // finding, however many replicas.
    let is_task = |s: &bollard::models::ContainerSummary| {
        s.labels.as_ref().and_then(|l| l.get(super::swarm::SERVICE_ID_LABEL)).is_some_and(|id| service_ids.contains(id))
    };
    let tasks = summaries.iter().filter(|s| is_task(s)).count();
    if tasks > 0 {
        out.skipped.push(Skipped {
            path: host.shown.clone(),
            reason: format!("{tasks} swarm task container(s) audited as their services"),
        });
    }
    let selected: Vec<(String, String)> = summaries
        .iter()
        .filter(|s| !is_task(s))
        .filter_map(|s| {
            let id = s.id.clone()?;
            let name = s.names.as_ref()?.first()?.trim_start_matches('/').to_string();
            filter.accepts(&name, &s.labels.clone().unwrap_or_default()).then_some((id, name))
        })
        .collect();
    let concurrency = config.concurrency.max(1);

    // Each image once, however many containers run it.
    let image_ids: BTreeSet<String> = summaries
        .iter()
        .filter(|s| s.id.as_ref().is_some_and(|id| selected.iter().any(|(sel, _)| sel == id)))
        .filter_map(|s| s.image_id.clone())
        .collect();
    let images: HashMap<String, ImageConfig> = stream::iter(image_ids)
        .map(|id| {
            let docker = &docker;
            async move {
                let config = docker.inspect_image(&id).await.ok()?.config?;
                let user = config.user.filter(|u| !u.trim().is_empty());
                Some((id, ImageConfig { user, healthcheck: config.healthcheck }))
            }
        })
        .buffer_unordered(concurrency)
        .filter_map(|x| async move { x })
        .collect()
        .await;
    let images = Arc::new(images);
    // Process lists from /proc only on the daemon's own host.
    let proc_root = local.as_ref().map(|_| root.clone());

    let mut results: Vec<(String, Result<Option<ContainerFacts>, ScanError>)> = stream::iter(selected)
        .map(|(id, name)| {
            let docker = &docker;
            let images = images.clone();
            let proc_root = proc_root.clone();
            async move {
                let observer = Observer { host: &host.shown, images: &images, daemon_apparmor, proc_root };
                let r = container(docker, &observer, &id, &name, ctx).await;
                (name, r)
            }
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    results.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, result) in results {
        match result {
            Ok(Some(mut c)) => {
                c.fact.declared_in = declared_in.cloned();
                out.facts.push(c.fact);
                if let Some(e) = c.top_error {
                    out.error(at(e, declared_in));
                }
            }
            Ok(None) => out.skipped.push(Skipped {
                path: format!("{} › {name}", host.shown),
                reason: "container removed while the scan ran".into(),
            }),
            Err(e) => out.error(at(e, declared_in)),
        }
    }
    out
}

struct ContainerFacts {
    fact: Fact,
    /// The process list could not be read: the sshd check is incomplete.
    top_error: Option<ScanError>,
}

/// What every container of a host is looked at with.
struct Observer<'a> {
    host: &'a str,
    images: &'a HashMap<String, ImageConfig>,
    daemon_apparmor: bool,
    /// This host's filesystem, when it is the Docker host.
    proc_root: Option<HostRoot>,
}

async fn container(
    docker: &Docker,
    observer: &Observer<'_>,
    id: &str,
    name: &str,
    ctx: &CollectContext<'_>,
) -> Result<Option<ContainerFacts>, ScanError> {
    let Observer { host, images, daemon_apparmor, .. } = *observer;
    let target = format!("{host} › {name}");
    let inspect = match docker.inspect_container(id, None).await {
        Ok(i) => i,
        Err(bollard::errors::Error::DockerResponseServerError { status_code: 404, .. }) => return Ok(None),
        Err(e) => return Err(HostError::from(e).to_scan_error(&target, "cannot inspect the container")),
    };
    let running = inspect.state.as_ref().and_then(|s| s.running).unwrap_or(false);
    let mut top_error = None;
    let mut processes = Vec::new();
    // On the Docker host: the container's cgroup and /proc, no `ps` in the
    // daemon (on the blocking pool: file reads).
    let local = match (&observer.proc_root, inspect.state.as_ref().and_then(|s| s.pid)) {
        (Some(root), Some(pid)) if running => {
            let (root, full_id) = (root.clone(), inspect.id.clone().unwrap_or_default());
            tokio::task::spawn_blocking(move || container_processes(&root, &full_id, pid)).await.ok().flatten()
        }
        _ => None,
    };
    if let Some(names) = local {
        processes = names;
    } else if running {
        let mut top = docker.top_processes(id, Some(TopOptions { ps_args: PS_ARGS.to_string() })).await;
        // A running container has at least one process: none listed means
        // the daemon did not narrow `ps` to the container.
        if top.as_ref().is_ok_and(|t| t.processes.as_ref().is_none_or(Vec::is_empty)) {
            top = docker.top_processes(id, Some(TopOptions { ps_args: PS_ARGS_ALL.to_string() })).await;
        }
        match top {
            Ok(top) => processes = command_names(&top),
            // Stopped between inspect and top: nothing runs, nothing to check.
            Err(bollard::errors::Error::DockerResponseServerError { status_code: 404 | 409, .. }) => {}
            Err(e) => {
                top_error = Some(HostError::from(e).to_scan_error(&target, "cannot list the container's processes"))
            }
        }
    }
    let image = inspect.image.as_ref().and_then(|i| images.get(i));
    let observed = Observed { host, inspect: &inspect, image, processes, daemon_apparmor };
    ctx.detector.ready().await;
    let workload = map::workload(&observed, ctx.detector);
    let short_id: String = id.chars().take(12).collect();
    let image_name = workload.image.as_ref().map(|i| i.raw.clone()).unwrap_or_default();
    let subject = Subject::scoped(FactKind::Workload, name, host)
        .with_label("container_id", short_id)
        .with_label("image", image_name);
    Ok(Some(ContainerFacts { fact: Fact::new(subject, FactData::Workload(workload)), top_error }))
}

/// The `COMMAND` column of `ps -o comm`, deduplicated and sorted.
fn command_names(top: &bollard::models::ContainerTopResponse) -> Vec<String> {
    let titles = top.titles.as_deref().unwrap_or_default();
    let column = titles.iter().position(|t| t == "COMMAND" || t == "CMD").unwrap_or(titles.len().saturating_sub(1));
    let names: BTreeSet<String> = top
        .processes
        .as_deref()
        .unwrap_or_default()
        .iter()
        .filter_map(|row| row.get(column))
        .filter_map(|cmd| cmd.split_whitespace().next())
        .map(|exe| exe.rsplit('/').next().unwrap_or(exe).to_string())
        .collect();
    names.into_iter().collect()
}

fn at(error: ScanError, declared_in: Option<&Location>) -> ScanError {
    match declared_in {
        Some(l) => error.at(l.clone()),
        None => error,
    }
}

/// A host that took longer than its limit.
pub fn timeout_error(host: &Host, secs: u64, declared_in: Option<&Location>) -> ScanError {
    at(
        ScanError::new(
            "docker",
            &host.shown,
            ErrorKind::Timeout,
            format!("the audit of this host did not finish within {secs} s"),
        ),
        declared_in,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use bollard::models::ContainerTopResponse;

    #[test]
    fn command_names_from_comm_or_cmd() {
        let top = ContainerTopResponse {
            titles: Some(vec!["PID".into(), "COMMAND".into()]),
            processes: Some(vec![vec!["1".into(), "sshd".into()], vec!["2".into(), "sleep".into()]]),
        };
        assert_eq!(command_names(&top), ["sleep", "sshd"]);
        let top = ContainerTopResponse {
            titles: Some(vec!["UID".into(), "PID".into(), "CMD".into()]),
            processes: Some(vec![vec!["root".into(), "1".into(), "/usr/sbin/sshd -D".into()]]),
        };
        assert_eq!(command_names(&top), ["sshd"]);
    }
}
