//! `build:` (a context path or `{context, dockerfile, dockerfile_inline}`):
//! the Dockerfile a service is built from, analysed once however many
//! services use it, so the service can take its user and health check from
//! the final stage when compose does not set them.

use std::collections::HashMap;
use std::path::PathBuf;

use crate::collect::dockerfile::{self, Analysis};
use crate::collect::secrets::Detector;

use super::project::Project;
use super::tree::Val;

pub struct BuildInfo {
    /// The Dockerfile as reports show it (or the remote context).
    pub dockerfile_display: String,
    /// `None` when the Dockerfile is remote or could not be read.
    pub analysis: Option<Analysis>,
}

pub struct Builds {
    limit: u64,
    cache: HashMap<PathBuf, Result<Analysis, String>>,
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
        let (context, dockerfile) = match (build.as_str(), build.as_map()) {
            (Some(context), _) => (context.to_string(), "Dockerfile".to_string()),
            (None, Some(_)) => {
                if let Some(inline) = build.get("dockerfile_inline").and_then(Val::as_str) {
                    let display = format!("{} (dockerfile_inline)", project.location(build));
                    return Some(BuildInfo {
                        dockerfile_display: display,
                        analysis: Some(dockerfile::analyze(inline, detector)),
                    });
                }
                let context = build.get("context").and_then(Val::as_str).unwrap_or(".").to_string();
                let file = build.get("dockerfile").and_then(Val::as_str).unwrap_or("Dockerfile").to_string();
                (context, file)
            }
            _ => {
                err(build, format!("build must be a path or a mapping, not a {}", build.type_name()));
                return None;
            }
        };
        if context.contains("://") || context.starts_with("git@") || context.starts_with("github.com/") {
            return Some(BuildInfo { dockerfile_display: context, analysis: None });
        }
        let rel = if dockerfile.starts_with('/') { dockerfile.clone() } else { format!("{context}/{dockerfile}") };
        let display = project.join_display(&rel);
        let path = project.dir.join(&rel);
        let limit = self.limit;
        let result = self.cache.entry(path.clone()).or_insert_with(|| {
            dockerfile::analyze_file(&path, limit, detector).map(|(a, _)| a).map_err(|e| e.to_string())
        });
        let analysis = match result {
            Ok(a) => Some(a.clone()),
            Err(e) => {
                err(build, format!("cannot read {display}, the Dockerfile this service is built from: {e}"));
                None
            }
        };
        Some(BuildInfo { dockerfile_display: display, analysis })
    }
}
