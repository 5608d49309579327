//! The user an image is configured with, for workloads that set none
//! (a compose service with only `image:`, a Kubernetes container without
//! `runAsUser`): asked of the local Docker engine, read-only (`GET
//! /images/{name}/json`), all lookups within one time limit, and only if an
//! engine is there. No engine, or an engine without the image, leaves the
//! user unknown: never an error, never a guess.

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use futures::stream::{self, StreamExt};

use super::connect;
use crate::config::ImagesConfig;
use crate::facts::workload::User;
use crate::facts::{Fact, FactData};

/// Inspections in flight at once.
const CONCURRENCY: usize = 8;
/// Distinct images looked up per scan; past that, users stay unknown (a
/// generated tree with thousands of tags must not turn into thousands of
/// requests).
const MAX_IMAGES: usize = 500;

/// Fills in `user` of every workload whose image decides it, where the
/// local engine has that image.
pub fn resolve_image_users(facts: &mut [Fact], config: &ImagesConfig) {
    if !config.engine_lookup {
        return;
    }
    let wanted: BTreeSet<String> = facts
        .iter()
        .filter_map(|f| match &f.data {
            FactData::Workload(w) => w.user.awaits_image().map(str::to_string),
            _ => None,
        })
        .collect();
    if wanted.is_empty() {
        return;
    }
    let wanted: BTreeSet<String> = wanted.into_iter().take(MAX_IMAGES).collect();
    let configured = lookup(&wanted, config.engine_timeout_secs.max(1));
    for fact in facts.iter_mut() {
        let FactData::Workload(w) = &mut fact.data else { continue };
        let Some(image) = w.user.awaits_image() else { continue };
        if let Some(user) = configured.get(image) {
            w.user = User::from_image_config(image, user.as_deref());
        }
    }
}

/// `Config.User` of each image the engine has (`None` inside: it sets no
/// user). Images the engine does not have are absent.
fn lookup(images: &BTreeSet<String>, timeout_secs: u64) -> HashMap<String, Option<String>> {
    let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
        return HashMap::new();
    };
    runtime.block_on(async {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(timeout_secs);
        let Ok(hosts) = connect::hosts(&[], |p: &str| std::path::PathBuf::from(p)) else { return HashMap::new() };
        // Only a local socket or a plain TCP/TLS endpoint: an `ssh://` host
        // would start a process for what is a file scan.
        let Some(host) = hosts.into_iter().next().filter(|h| !h.uri.starts_with("ssh://")) else {
            return HashMap::new();
        };
        let Ok(docker) = connect::client(&host, timeout_secs) else { return HashMap::new() };
        let Ok(Ok(docker)) = tokio::time::timeout_at(deadline, docker.negotiate_version()).await else {
            return HashMap::new();
        };
        stream::iter(images.iter().cloned())
            .map(|image| {
                let docker = &docker;
                async move {
                    let inspect = tokio::time::timeout_at(deadline, docker.inspect_image(&image)).await.ok()?.ok()?;
                    let user = inspect.config.and_then(|c| c.user).filter(|u| !u.trim().is_empty());
                    Some((image, user))
                }
            })
            .buffer_unordered(CONCURRENCY)
            .filter_map(|x| async move { x })
            .collect()
            .await
    })
}
