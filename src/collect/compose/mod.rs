//! Docker Compose files (Compose Specification): every service becomes a
//! `workload` fact, the same model Kubernetes containers and running
//! containers use, and every pulled image an `image` fact.
//!
//! Files are grouped by folder into projects as `docker compose` reads
//! them: the base file (`compose.yaml`, `compose.yml`, `docker-compose.yaml`,
//! `docker-compose.yml`, first found) with the folder's override files
//! (`compose.*.yaml`, `docker-compose.*.yml`, ...) merged onto it in name
//! order, `*.override.*` first. Variables are interpolated from the
//! folder's `.env` only, so results do not depend on who runs the scan.

mod build;
mod env;
mod interpolate;
mod merge;
mod ports;
mod project;
mod service;
mod tree;
mod units;
mod volumes;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use rayon::prelude::*;

use super::files::{DiscoveredFile, Discovery};
use super::text::read_text;
use super::yaml;
use super::{CollectContext, Collected};
use crate::collect::kubernetes::is_compose_name;
use crate::diagnostics::{ErrorKind, ScanError};
use crate::facts::Location;

pub use interpolate::Interpolator;

const SOURCE: &str = "compose";
const BASE_NAMES: &[&str] = &["compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml"];

/// A problem in a compose file, with its position.
#[derive(Debug, Clone)]
pub struct Problem {
    pub file: String,
    pub line: u32,
    pub col: u32,
    pub message: String,
}

impl Problem {
    fn into_error(self) -> ScanError {
        ScanError::new(SOURCE, &self.file, ErrorKind::Malformed, self.message)
            .at(Location::at(&self.file, self.line, self.col))
    }
}

pub fn collect(discovery: &Discovery, ctx: &CollectContext<'_>) -> Collected {
    let projects = group(discovery.files.iter().filter(|f| is_compose_name(f.file_name())));
    let parts: Vec<Collected> = projects.par_iter().map(|files| collect_project(files, ctx)).collect();
    let mut out = Collected::default();
    for part in parts {
        out.merge(part);
    }
    out
}

/// Groups compose files into projects: per folder, the first base file
/// with every override; other base files, and overrides without a base,
/// stand alone.
fn group<'a>(files: impl Iterator<Item = &'a DiscoveredFile>) -> Vec<Vec<&'a DiscoveredFile>> {
    let mut by_dir: BTreeMap<&Path, Vec<&DiscoveredFile>> = BTreeMap::new();
    for f in files {
        by_dir.entry(f.path.parent().unwrap_or(Path::new(""))).or_default().push(f);
    }
    let mut projects = Vec::new();
    for (_, files) in by_dir {
        let lower = |f: &DiscoveredFile| f.file_name().to_ascii_lowercase();
        let mut bases: Vec<&DiscoveredFile> =
            files.iter().copied().filter(|f| BASE_NAMES.contains(&lower(f).as_str())).collect();
        bases.sort_by_key(|f| BASE_NAMES.iter().position(|b| *b == lower(f)));
        let mut overrides: Vec<&DiscoveredFile> =
            files.iter().copied().filter(|f| !BASE_NAMES.contains(&lower(f).as_str())).collect();
        overrides.sort_by_key(|f| (!lower(f).contains(".override."), lower(f)));
        match bases.split_first() {
            Some((base, others)) => {
                let mut project = vec![*base];
                project.extend(overrides);
                projects.push(project);
                projects.extend(others.iter().map(|o| vec![*o]));
            }
            None => projects.extend(overrides.into_iter().map(|o| vec![o])),
        }
    }
    projects
}

fn collect_project(files: &[&DiscoveredFile], ctx: &CollectContext<'_>) -> Collected {
    let mut out = Collected::default();
    let base = files[0];
    let dir = base.path.parent().unwrap_or(Path::new("")).to_path_buf();
    let dir_display = base.display.rsplit_once('/').map(|(d, _)| d.to_string()).unwrap_or_default();
    let env = Interpolator::new(dotenv_vars(&dir.join(".env")));
    let project = project::Project {
        dir,
        dir_display,
        files: files.iter().map(|f| f.display.clone()).collect(),
        scope: base.display.clone(),
    };

    let mut merged: Option<tree::Val> = None;
    for (index, file) in files.iter().enumerate() {
        let Some(doc) = load(file, ctx.config.scan.max_config_bytes, &mut out) else { continue };
        let val = tree::Val::from_node(&doc, index, &env);
        merged = Some(match merged {
            Some(m) => merge::merge(m, val),
            None => val,
        });
    }
    let Some(root) = merged else { return out };

    let mut problems = Vec::new();
    let mut builds = build::Builds::new(ctx.config.scan.max_config_bytes);
    match root.get("services") {
        Some(services) => match services.as_map() {
            Some(entries) => {
                for (name, node) in entries {
                    if node.is_null() {
                        continue;
                    }
                    let input = service::ServiceInput {
                        project: &project,
                        name,
                        node,
                        builds: &mut builds,
                        detector: ctx.detector,
                    };
                    out.facts.extend(service::service_facts(input, &mut problems, &mut out.skipped));
                }
            }
            None => problems.push(
                project.problem(services, format!("`services` must be a mapping, not a {}", services.type_name())),
            ),
        },
        None if root.get("include").is_some() => {}
        None => problems.push(project.problem(&root, "no `services`: not a compose file".into())),
    }
    out.errors.extend(problems.into_iter().map(Problem::into_error));
    out
}

/// Reads and parses one file; problems are recorded in `out`.
fn load(file: &DiscoveredFile, limit: u64, out: &mut Collected) -> Option<yaml::Node> {
    let display = &file.display;
    let text = match read_text(&file.path, limit) {
        Ok(t) => t,
        Err(e) => {
            out.error(e.into_scan_error(SOURCE, display));
            return None;
        }
    };
    out.stats.files += 1;
    out.stats.bytes += text.len() as u64;
    let doc = match yaml::parse_single(&text) {
        Ok(doc) => doc,
        Err(e) => {
            out.error(
                ScanError::new(SOURCE, display, ErrorKind::Malformed, format!("invalid YAML: {e}"))
                    .at(e.location(display)),
            );
            return None;
        }
    };
    if doc.as_map().is_none() {
        let what = if doc.is_null() { "empty".to_string() } else { format!("a {}, not a mapping", doc.type_name()) };
        out.error(
            ScanError::new(
                SOURCE,
                display,
                ErrorKind::Malformed,
                format!("not a compose file: the document is {what}"),
            )
            .at(doc.location(display)),
        );
        return None;
    }
    Some(doc)
}

/// The project's `.env` (for interpolation only); absent or unreadable
/// means no variables.
fn dotenv_vars(path: &Path) -> HashMap<String, String> {
    match read_text(path, 1024 * 1024) {
        Ok(text) => super::dotenv::parse(&text).0.into_iter().map(|e| (e.key, e.value)).collect(),
        Err(_) => HashMap::new(),
    }
}
