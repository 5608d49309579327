//! Docker Swarm, on a manager: services (as `workload` facts, the service as
//! the subject), their tasks, the nodes, and the swarm's own settings. All
//! through the same Engine API client, and only with GET requests: `GET
//! /swarm`, `/nodes`, `/services`, `/tasks`, `/networks`, `/secrets` (names
//! only; the API never returns a secret's value), `/images/{ref}/json` for
//! each service image present on the manager, and one task container's
//! `/containers/{id}/json` per service for its health check.

mod cluster;
mod service;

use std::collections::{BTreeSet, HashMap, HashSet};

use bollard::query_parameters::{
    ListNetworksOptions, ListNodesOptions, ListSecretsOptions, ListServicesOptions, ListTasksOptions,
};
use bollard::Docker;
use futures::stream::{self, StreamExt};

use super::errors::HostError;
use super::filter::Filter;
use super::host::HostRoot;
use super::map::ImageConfig;
use crate::collect::{CollectContext, Collected};
use crate::diagnostics::ScanError;
use crate::facts::{Fact, FactData, FactKind, Location, Subject};

/// The container label that ties a task's container to its service.
pub const SERVICE_ID_LABEL: &str = "com.docker.swarm.service.id";
/// Swarm's control-plane port.
const MANAGER_PORT: u16 = 2377;

/// What the swarm audit produced, and the services whose task containers
/// are therefore not audited again as plain containers.
#[derive(Default)]
pub struct SwarmAudit {
    pub collected: Collected,
    pub service_ids: HashSet<String>,
}

/// Audits the swarm this manager runs. `local` is the host's filesystem
/// when stackaudit runs on the manager itself.
pub async fn audit(
    docker: &Docker,
    host: &str,
    ctx: &CollectContext<'_>,
    filter: &Filter,
    local: Option<&HostRoot>,
) -> SwarmAudit {
    let mut out = SwarmAudit::default();
    let fail = |e: bollard::errors::Error, doing: &str| HostError::from(e).to_scan_error(host, doing);
    let (swarm, nodes, services, tasks, networks, secrets) = tokio::join!(
        docker.inspect_swarm(),
        docker.list_nodes(None::<ListNodesOptions>),
        docker.list_services(None::<ListServicesOptions>),
        docker.list_tasks(None::<ListTasksOptions>),
        docker.list_networks(None::<ListNetworksOptions>),
        docker.list_secrets(None::<ListSecretsOptions>),
    );
    let services = match services {
        Ok(s) => s,
        Err(e) => {
            out.collected.error(fail(e, "cannot list swarm services"));
            return out;
        }
    };
    out.service_ids = services.iter().filter_map(|s| s.id.clone()).collect();
    let networks = networks.unwrap_or_else(|e| {
        out.collected.error(fail(e, "cannot list networks"));
        Vec::new()
    });
    let network_names: HashMap<String, String> =
        networks.iter().filter_map(|n| Some((n.id.clone()?, n.name.clone()?))).collect();
    let tasks = tasks.unwrap_or_else(|e| {
        out.collected.error(fail(e, "cannot list swarm tasks"));
        Vec::new()
    });

    match (swarm, nodes) {
        (Ok(swarm), Ok(nodes)) => {
            let listen = local.and_then(|root| super::host::listening_on(root, MANAGER_PORT));
            let secrets = secrets.as_ref().map(Vec::len).unwrap_or(0);
            let settings = cluster::Settings {
                host,
                intended: ctx.config.docker.swarm_intended,
                services: services.len(),
                secrets,
                listen,
            };
            out.collected.facts.push(cluster::swarm_fact(&swarm, &nodes, &networks, &settings));
            out.collected.facts.extend(nodes.iter().map(|n| cluster::node_fact(host, n)));
        }
        (Err(e), _) => out.collected.error(fail(e, "cannot inspect the swarm")),
        (_, Err(e)) => out.collected.error(fail(e, "cannot list swarm nodes")),
    }
    if let Err(e) = secrets {
        out.collected.error(fail(e, "cannot list swarm secrets"));
    }

    let selected: Vec<&bollard::models::Service> = services
        .iter()
        .filter(|s| {
            let spec = s.spec.as_ref();
            let name = spec.and_then(|s| s.name.as_deref()).unwrap_or_default();
            filter.accepts(name, &spec.and_then(|s| s.labels.clone()).unwrap_or_default())
        })
        .collect();
    let concurrency = ctx.config.docker.concurrency.max(1);
    let images = service_images(docker, &selected, concurrency).await;
    let task_health = task_healthchecks(docker, &selected, concurrency).await;
    let running = running_tasks(&tasks);
    if !selected.is_empty() {
        ctx.detector.ready().await;
    }
    for s in selected {
        let image_ref = image_of(s);
        let cx = service::ServiceContext {
            networks: &network_names,
            image: image_ref.and_then(|r| images.get(r)),
            detector: ctx.detector,
        };
        let mut workload = service::workload(s, &cx);
        if !workload.healthcheck.defined {
            if let Some(h) = s.id.as_ref().and_then(|id| task_health.get(id)) {
                workload.healthcheck = h.clone();
            }
        }
        let spec = s.spec.as_ref();
        let name = spec.and_then(|s| s.name.clone()).unwrap_or_else(|| s.id.clone().unwrap_or_default());
        let id = s.id.clone().unwrap_or_default();
        let mode = match spec.and_then(|s| s.mode.as_ref()) {
            Some(m) if m.global.is_some() => "global",
            Some(m) if m.replicated_job.is_some() || m.global_job.is_some() => "job",
            _ => "replicated",
        };
        let mut subject = Subject::scoped(FactKind::Workload, name, host)
            .with_label("service_id", id.chars().take(12).collect::<String>())
            .with_label("image", image_ref.unwrap_or_default())
            .with_label("mode", mode)
            .with_label("tasks_running", running.get(id.as_str()).copied().unwrap_or(0).to_string());
        let mounted = service::mounted_secrets(s);
        if !mounted.is_empty() {
            subject = subject.with_label("secrets_mounted", mounted.join(","));
        }
        out.collected.facts.push(Fact::new(subject, FactData::Workload(workload)));
    }
    out
}

fn image_of(service: &bollard::models::Service) -> Option<&str> {
    service.spec.as_ref()?.task_template.as_ref()?.container_spec.as_ref()?.image.as_deref()
}

/// Running tasks per service ID.
fn running_tasks(tasks: &[bollard::models::Task]) -> HashMap<&str, usize> {
    let mut out = HashMap::new();
    for t in tasks {
        let state = t.status.as_ref().and_then(|s| s.state).map(|s| s.to_string());
        if let (Some(service), Some("running")) = (t.service_id.as_deref(), state.as_deref()) {
            *out.entry(service).or_default() += 1;
        }
    }
    out
}

/// Each distinct service image that is present on this manager: by the
/// reference as written, then without the digest swarm pinned it to.
async fn service_images(
    docker: &Docker,
    services: &[&bollard::models::Service],
    concurrency: usize,
) -> HashMap<String, ImageConfig> {
    let refs: BTreeSet<&str> = services.iter().filter_map(|s| image_of(s)).collect();
    let refs: Vec<&str> = refs.into_iter().collect();
    let refs = &refs;
    // Indices, not `&str` items: a closure over borrowed items is not
    // general enough for the future to be `Send`, and the pipeline runs
    // each network source as its own task.
    stream::iter(0..refs.len())
        .map(|i| async move {
            let reference = refs.get(i).copied().unwrap_or_default();
            let candidates = [Some(reference), reference.split_once('@').map(|(name, _)| name)];
            for candidate in candidates.into_iter().flatten() {
                if let Ok(inspect) = docker.inspect_image(candidate).await {
                    let config = inspect.config.unwrap_or_default();
                    let user = config.user.filter(|u| !u.trim().is_empty());
                    return Some((reference.to_string(), ImageConfig { user, healthcheck: config.healthcheck }));
                }
            }
            None
        })
        .buffer_unordered(concurrency)
        .filter_map(|x| async move { x })
        .collect()
        .await
}

/// The health check each service's tasks run with, read from one of its
/// task containers on this node (`GET /containers/json` filtered on the
/// service label, then `GET /containers/{id}/json`). The service spec has it
/// too, but under a key (`Healthcheck`) the client's model does not read; a
/// service with no task here falls back to its image's.
async fn task_healthchecks(
    docker: &Docker,
    services: &[&bollard::models::Service],
    concurrency: usize,
) -> HashMap<String, crate::facts::workload::Healthcheck> {
    let filters = HashMap::from([("label".to_string(), vec![SERVICE_ID_LABEL.to_string()])]);
    let options = bollard::query_parameters::ListContainersOptions { filters: Some(filters), ..Default::default() };
    let Ok(containers) = docker.list_containers(Some(options)).await else { return HashMap::new() };
    let wanted: HashSet<&str> = services.iter().filter_map(|s| s.id.as_deref()).collect();
    let mut one_per_service: HashMap<String, String> = HashMap::new();
    for c in &containers {
        let service = c.labels.as_ref().and_then(|l| l.get(SERVICE_ID_LABEL));
        if let (Some(service), Some(id)) = (service, &c.id) {
            if wanted.contains(service.as_str()) {
                one_per_service.entry(service.clone()).or_insert_with(|| id.clone());
            }
        }
    }
    stream::iter(one_per_service)
        .map(|(service, container)| async move {
            let inspect = docker.inspect_container(&container, None).await.ok()?;
            let health = inspect.config.and_then(|c| c.healthcheck);
            let h = super::map::healthcheck(health.as_ref(), None);
            h.defined.then_some((service, h))
        })
        .buffer_unordered(concurrency)
        .filter_map(|x| async move { x })
        .collect()
        .await
}

/// Marks every fact (and error) of the swarm audit with the config entry.
pub fn locate(collected: &mut Collected, declared_in: Option<&Location>) {
    let Some(l) = declared_in else { return };
    for fact in &mut collected.facts {
        fact.declared_in = Some(l.clone());
    }
    for e in &mut collected.errors {
        if e.location.is_none() {
            *e = ScanError { location: Some(l.clone()), ..e.clone() };
        }
    }
}
