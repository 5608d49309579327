//! `build:` (a context path or `{context, dockerfile, dockerfile_inline,
//! target, args}`): the Dockerfile a service is built from and the stage
//! the build stops at, analysed once per Dockerfile and arguments however
//! many services use it, so the service can take its user and health check
//! from that stage when compose does not set them.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use crate::collect::dockerfile::{self, Analysis, StageOutcome};
use crate::collect::secrets::Detector;

use super::project::{join_display, Project};
use super::tree::{Kind, Val};

pub struct BuildInfo {
    /// The Dockerfile as reports show it (or the remote context).
    pub dockerfile_display: String,
    /// What the build produces: the `target` stage, else the last one.
    /// `None` when the Dockerfile is remote, could not be read, or has no
    /// such stage: who the container runs as is then unknown.
    pub stage: Option<StageOutcome>,
}

type CacheKey = (PathBuf, BTreeMap<String, String>);

pub struct Builds {
    limit: u64,
    cache: HashMap<CacheKey, Result<Analysis, String>>,
}

impl Builds {
    pub fn new(limit: u64) -> Self {
        Self { limit, cache: HashMap::new() }
    }

    pub fn resolve(
        &mut self,
        project: &Project,
        build: &Val,
        detector: &Detector,
        err: &mut dyn FnMut(&Val, String),
    ) -> Option<BuildInfo> {
        // Relative paths start from the folder of the file that wrote them.
        let (context, context_at, dockerfile) = match (build.as_str(), build.as_map()) {
            (Some(context), _) => (context.to_string(), build, "Dockerfile".to_string()),
            (None, Some(_)) => {
                let args = build_args(build.get("args"));
                let target = build.get("target");
                if let Some(inline) = build.get("dockerfile_inline").and_then(Val::as_str) {
                    let display = format!("{} (dockerfile_inline)", project.location(build));
                    let analysis = dockerfile::analyze_with_args(inline, detector, &args.into_iter().collect());
                    let stage = pick_stage(&analysis, target, &display, err);
                    return Some(BuildInfo { dockerfile_display: display, stage });
                }
                let context_node = build.get("context");
                let context = context_node.and_then(Val::as_str).unwrap_or(".").to_string();
                let file = build.get("dockerfile").and_then(Val::as_str).unwrap_or("Dockerfile").to_string();
                (context, context_node.unwrap_or(build), file)
            }
            _ => {
                err(build, format!("build must be a path or a mapping, not a {}", build.type_name()));
                return None;
            }
        };
        if context.contains("://") || context.starts_with("git@") || context.starts_with("github.com/") {
            return Some(BuildInfo { dockerfile_display: context_at.shown(), stage: None });
        }
        let context_dir = project.dir_of(context_at).join(&context);
        let context_display = project.display_of(context_at, &context);
        let (path, display) = if dockerfile.starts_with('/') {
            (PathBuf::from(&dockerfile), dockerfile.clone())
        } else {
            (context_dir.join(&dockerfile), join_display(&context_display, &dockerfile))
        };
        let args = build_args(build.get("args"));
        let limit = self.limit;
        let result = self.cache.entry((path.clone(), args.clone())).or_insert_with(|| {
            dockerfile::analyze_file(&path, limit, detector, &args.into_iter().collect())
                .map(|(a, _)| a)
                .map_err(|e| e.to_string())
        });
        let stage = match result {
            Ok(a) => pick_stage(a, build.get("target"), &display, err),
            Err(e) => {
                err(build, format!("cannot read {display}, the Dockerfile this service is built from: {e}"));
                None
            }
        };
        Some(BuildInfo { dockerfile_display: display, stage })
    }
}

fn pick_stage(
    analysis: &Analysis,
    target: Option<&Val>,
    display: &str,
    err: &mut dyn FnMut(&Val, String),
) -> Option<StageOutcome> {
    let name = target.and_then(Val::as_str);
    match analysis.stage(name) {
        Some(stage) => Some(stage.clone()),
        None => {
            if let (Some(t), Some(name)) = (target, name) {
                err(t, format!("build target {name:?} is not a stage of {display}"));
            }
            None
        }
    }
}

/// `build.args` as a map or a `KEY=value` list (a bare `KEY` takes its
/// value from the shell at build time: unknown here).
fn build_args(args: Option<&Val>) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let Some(args) = args else { return out };
    match &args.kind {
        Kind::Map(entries) => {
            for (k, v) in entries {
                if let Some(text) = v.as_str() {
                    out.insert(k.clone(), text.to_string());
                }
            }
        }
        Kind::Seq(items) => {
            for item in items {
                if let Some((k, v)) = item.as_str().and_then(|s| s.split_once('=')) {
                    out.insert(k.trim().to_string(), v.to_string());
                }
            }
        }
        _ => {}
    }
    out
}
