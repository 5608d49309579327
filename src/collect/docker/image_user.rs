//! The user an image is configured with, for workloads that set none
//! (a compose service with only `image:`, a Kubernetes container without
//! `runAsUser`): asked of the local Docker engine, read-only (`GET
//! /images/{name}/json`), all lookups within one time limit, and only if an
//! engine is there. No engine, or an engine without the image, leaves the
//! user unknown: never an error, never a guess.

use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;
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
    ImageUsers::new(config).resolve(facts);
}

/// Image users asked of the engine once per image, however many parts of a
/// scan ask: a streamed scan resolves each compose project as it is read.
/// One connection and one time limit serve the whole scan. Lookups run one
/// part at a time, under the lock: a part waits only for images it has not
/// seen answered yet, and after the first parts nearly every image has been.
pub struct ImageUsers {
    enabled: bool,
    timeout_secs: u64,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// Opened at the first lookup; `None` inside: no usable engine.
    engine: Option<Option<Engine>>,
    /// Every image asked about: `Some` when the engine has it (with its
    /// `Config.User`), `None` when it does not or did not answer in time.
    asked: HashMap<String, Option<Option<String>>>,
}

struct Engine {
    runtime: tokio::runtime::Runtime,
    docker: bollard::Docker,
    deadline: tokio::time::Instant,
}

impl ImageUsers {
    pub fn new(config: &ImagesConfig) -> Self {
        Self {
            enabled: config.engine_lookup,
            timeout_secs: config.engine_timeout_secs.max(1),
            state: Mutex::new(State::default()),
        }
    }

    /// Fills in `user` of the workloads in `facts` whose image decides it.
    pub fn resolve(&self, facts: &mut [Fact]) {
        if !self.enabled {
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
        let known = self.lookup(wanted);
        for fact in facts.iter_mut() {
            let FactData::Workload(w) = &mut fact.data else { continue };
            let Some(image) = w.user.awaits_image() else { continue };
            if let Some(Some(user)) = known.get(image) {
                w.user = User::from_image_config(image, user.as_deref());
            }
        }
    }

    /// What the engine says of each of `wanted`, asking only about images
    /// not asked about before.
    fn lookup(&self, wanted: BTreeSet<String>) -> HashMap<String, Option<Option<String>>> {
        let mut state = self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let room = MAX_IMAGES.saturating_sub(state.asked.len());
        let new: Vec<String> = wanted.iter().filter(|i| !state.asked.contains_key(*i)).take(room).cloned().collect();
        if !new.is_empty() {
            let timeout_secs = self.timeout_secs;
            let engine = state.engine.get_or_insert_with(|| open(timeout_secs));
            let found = match engine {
                Some(engine) => inspect(engine, &new),
                None => HashMap::new(),
            };
            for image in new {
                let user = found.get(&image).cloned();
                state.asked.insert(image, user);
            }
        }
        wanted.into_iter().filter_map(|i| Some((i.clone(), state.asked.get(&i)?.clone()))).collect()
    }
}

/// The local engine, if one answers within the time limit. Only a local
/// socket or a plain TCP/TLS endpoint: an `ssh://` host would start a
/// process for what is a file scan.
fn open(timeout_secs: u64) -> Option<Engine> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().ok()?;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(timeout_secs);
    let docker = runtime.block_on(async {
        let hosts = connect::hosts(&[], |p: &str| std::path::PathBuf::from(p)).ok()?;
        let host = hosts.into_iter().next().filter(|h| !h.uri.starts_with("ssh://"))?;
        let docker = connect::client(&host, timeout_secs).ok()?;
        tokio::time::timeout_at(deadline, docker.negotiate_version()).await.ok()?.ok()
    })?;
    Some(Engine { runtime, docker, deadline })
}

/// `Config.User` of each image the engine has (`None` inside: it sets no
/// user). Images the engine does not have are absent.
fn inspect(engine: &Engine, images: &[String]) -> HashMap<String, Option<String>> {
    let (docker, deadline) = (&engine.docker, engine.deadline);
    engine.runtime.block_on(async {
        stream::iter(images.iter().cloned())
            .map(|image| async move {
                let inspect = tokio::time::timeout_at(deadline, docker.inspect_image(&image)).await.ok()?.ok()?;
                let user = inspect.config.and_then(|c| c.user).filter(|u| !u.trim().is_empty());
                Some((image, user))
            })
            .buffer_unordered(CONCURRENCY)
            .filter_map(|x| async move { x })
            .collect()
            .await
    })
}
