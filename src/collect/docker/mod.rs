//! Running containers, through the Docker Engine API (read-only).
//!
//! Each configured host (or `DOCKER_HOST`, or the local socket) is audited
//! concurrently with the others, each within its own time limit; a host that
//! cannot be reached is a scan error naming it and the other hosts go on.
//! Per host: one `docker_daemon` fact from `docker info`, and one `workload`
//! fact per container, the same shape compose services and Kubernetes
//! containers take, so the same rule IDs fire. On a Swarm manager, one
//! `workload` fact per service too (its task containers are not audited
//! again), plus `swarm` and `swarm_node` facts. When stackaudit runs on the
//! host it audits, the daemon's configuration and the ownership and
//! permissions of its files (`docker_host_file` facts) as well.

mod audit;
mod capped;
mod connect;
mod daemon;
mod errors;
mod filter;
mod host;
mod image_user;
mod map;
mod security_opt;
mod swarm;

use std::time::Duration;

use futures::future::join_all;

use super::{CollectContext, Collected};
use crate::diagnostics::{ErrorKind, ScanError};

pub use image_user::{resolve_image_users, ImageUsers};

pub async fn collect(ctx: &CollectContext<'_>) -> Collected {
    let config = ctx.config;
    let mut out = Collected::default();
    if !config.docker.enabled {
        return out;
    }
    let declared_in = config.declared_at(config.target_lines.docker);
    let config_error = |message: String| {
        let e = ScanError::new("docker", "[docker]", ErrorKind::Config, message);
        e.at_declared(declared_in.as_ref())
    };
    let filter = match filter::Filter::new(&config.docker) {
        Ok(f) => f,
        Err(message) => {
            out.error(config_error(message));
            return out;
        }
    };
    let hosts = match connect::hosts(&config.docker.hosts, |p| config.resolve_path(p)) {
        Ok(h) => h,
        Err(message) => {
            out.error(config_error(message));
            return out;
        }
    };
    let secs = config.docker.timeout_secs.max(1);
    let audits = hosts.iter().map(|host| {
        let (filter, declared_in) = (&filter, declared_in.as_ref());
        let audit = super::contained_future("docker", &host.uri, audit::audit(host, ctx, filter, declared_in));
        async move {
            match tokio::time::timeout(Duration::from_secs(secs), audit).await {
                Ok(collected) => collected,
                Err(_) => {
                    let mut c = Collected::default();
                    c.error(audit::timeout_error(host, secs, declared_in));
                    c
                }
            }
        }
    });
    out.extend(join_all(audits).await);
    out
}
