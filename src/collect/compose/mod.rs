//! Docker Compose files (Compose Specification): every service becomes a
//! `workload` fact, the same model Kubernetes containers and running
//! containers use, and every pulled image an `image` fact.
//!
//! Files are audited in the projects Docker Compose builds from them (see
//! `plan`): a folder's base file with its one override, `COMPOSE_FILE` and
//! `stackaudit.toml` file sets, every other compose file alone. Each project
//! is merged as `docker compose config` would (`assemble`: interpolation
//! from the project's `.env` only, so results do not depend on who runs
//! the scan; `extends`; `include`). A file that only adds to services
//! defined elsewhere (a fragment) is audited merged when its file set is
//! known, and otherwise recorded as skipped, never audited as complete.

mod assemble;
mod build;
mod detect;
mod env;
mod extends;
mod include;
mod merge;
mod plan;
mod ports;
mod project;
mod service;
mod source;
mod tree;
mod units;
mod volumes;

use std::collections::{HashMap, HashSet};

use rayon::prelude::*;

use super::files::{display_path, DiscoveredFile, Discovery};
use super::{CollectContext, Collected};
use crate::diagnostics::{ErrorKind, ScanError, Skipped};
use crate::facts::Location;
use crate::input::read_text;

pub use detect::{has_compose_shape, is_named_compose};
// One interpolator for compose files and Dockerfiles.
use super::interpolate;
pub use super::interpolate::Interpolator;

use plan::{Candidate, Origin, Plan, PlannedFile};
use source::{Loaded, Sources};
use tree::Val;

const SOURCE: &str = "compose";
const STDIN: &str = "<stdin>";

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
    let limit = ctx.config.scan.max_config_bytes;
    let sources = Sources::new(limit);
    let mut candidates: Vec<Candidate> = discovery
        .files
        .iter()
        .filter(|f| is_named_compose(f.file_name()))
        .map(|f| Candidate { file: PlannedFile::new(&f.path, &f.display) })
        .collect();
    let other_yaml: Vec<&DiscoveredFile> = discovery
        .files
        .iter()
        .filter(|f| !is_named_compose(f.file_name()) && detect::is_yaml_name(f.file_name()))
        .collect();
    let sniffed: Vec<Result<Option<Candidate>, String>> =
        other_yaml.par_iter().map(|f| crate::contain::catch(|| sniff(f, limit, &sources))).collect();
    let mut out = Collected::default();
    for (file, result) in other_yaml.iter().zip(sniffed) {
        match result {
            Ok(candidate) => candidates.extend(candidate),
            Err(description) => out.merge(super::panicked(SOURCE, &file.display, &description)),
        }
    }

    let declared = ctx
        .config
        .compose
        .projects
        .iter()
        .map(|p| {
            let file = |f: &String| {
                let path = ctx.config.resolve_path(f);
                let display = display_path(&path);
                PlannedFile::new(path, display)
            };
            (p.files.iter().filter(|f| !f.trim().is_empty()).map(file).collect(), p.env_file.as_ref().map(file))
        })
        .collect();
    let inputs = plan::Inputs { candidates: &candidates, declared, tree_root: tree_root(&discovery.files) };
    let mut plans = plan::plan(inputs, &sources);
    if let Some(text) = &discovery.stdin {
        plans.extend(stdin(text, &sources, &mut out));
    }

    for plan in &plans {
        plan.files.iter().for_each(|f| sources.expect_use(&f.path));
    }
    let parts: Collected = plans
        .par_iter()
        .map(|p| {
            let item = p.files.iter().map(|f| f.display.as_str()).collect::<Vec<_>>().join(" + ");
            let part = super::contained(SOURCE, &item, || {
                p.files.iter().for_each(|f| crate::contain::test_trigger(&f.display));
                collect_project(p, &sources, ctx)
            });
            // Released even when the project panicked, so the tree is freed.
            p.files.iter().for_each(|f| sources.done_with(&f.path));
            part.streamed(ctx)
        })
        .collect();
    out.merge(parts);
    out.merge(sources.into_report());
    dedupe(&mut out);
    out
}

/// One fuzz case (`crate::fuzzing`): `text` as the `compose.yaml` of a
/// project in `dir` with a fixed `.env` (so `${...}` resolves) and itself as
/// the override file (so merging sees two copies), through discovery,
/// planning, interpolation, merging and the service model.
pub(crate) fn fuzz_one(text: &str, dir: &std::path::Path, ctx: &CollectContext<'_>) {
    let _ = interpolate::has_reference(text);
    let files: [(&str, &str); 3] = [
        ("compose.yaml", text),
        ("compose.override.yaml", text),
        (".env", "TAG=1\nDB_PASSWORD=Xk9mQ2vLp7wZ\nEMPTY=\nNESTED=${TAG}\n"),
    ];
    for (name, body) in files {
        if std::fs::write(dir.join(name), body).is_err() {
            return;
        }
    }
    let discovery = super::files::discover(&[dir.to_path_buf()], &[]);
    let _ = collect(&discovery, ctx);
}

/// The deepest folder that holds every discovered file.
fn tree_root(files: &[DiscoveredFile]) -> std::path::PathBuf {
    let mut parents = files.iter().filter_map(|f| f.path.parent());
    let Some(first) = parents.next() else { return std::path::PathBuf::new() };
    let mut root = first.to_path_buf();
    for p in parents {
        while !p.starts_with(&root) {
            if !root.pop() {
                return std::path::PathBuf::new();
            }
        }
    }
    root
}

/// A YAML file without a compose name: a compose file if its shape says so
/// (a swarm `stack.yml`, `deploy/app.yml`). Anything else is not ours and
/// is left alone without a word.
fn sniff(file: &DiscoveredFile, limit: u64, sources: &Sources) -> Option<Candidate> {
    let text = read_text(&file.path, limit).ok()?;
    if !detect::may_be_compose(&text) {
        return None;
    }
    let docs = source::parse(&text, &file.display).ok()?;
    if !docs.iter().any(has_compose_shape) {
        return None;
    }
    let loaded = Loaded { display: file.display.clone(), path: file.path.clone(), docs };
    sources.insert(source::key(&file.path), loaded, text.len() as u64);
    Some(Candidate { file: PlannedFile::new(&file.path, &file.display) })
}

/// `stackaudit scan -` with a compose file on standard input: a project of
/// its own in the current folder. Text that is not a compose file is left
/// to the other collectors.
fn stdin(text: &str, sources: &Sources, out: &mut Collected) -> Option<Plan> {
    if !detect::may_be_compose(text) {
        return None;
    }
    let docs = match source::parse(text, STDIN) {
        Ok(d) => d,
        Err(e) => {
            out.error(e);
            return None;
        }
    };
    let compose = docs.iter().any(|d| {
        let manifest = d.get("apiVersion").is_some() && d.get("kind").is_some();
        !manifest && (d.get("services").is_some_and(|s| s.as_map().is_some()) || has_compose_shape(d))
    });
    if !compose {
        return None;
    }
    let loaded = Loaded { display: STDIN.into(), path: STDIN.into(), docs };
    sources.insert(source::key(std::path::Path::new(STDIN)), loaded, text.len() as u64);
    Some(Plan {
        origin: Origin::Stdin,
        files: vec![PlannedFile::new(STDIN, STDIN)],
        dir: ".".into(),
        dir_display: String::new(),
        env_files: vec![PlannedFile::new(".env", ".env")],
    })
}

fn collect_project(plan: &Plan, sources: &Sources, ctx: &CollectContext<'_>) -> Collected {
    let mut out = Collected::default();
    let assembled = assemble::assemble(plan, sources);
    out.skipped = assembled.skipped;
    let project = assembled.project;
    let mut problems = assembled.problems;
    let first = plan.files.first().map(|f| f.display.clone()).unwrap_or_default();
    let Some(root) = assembled.root else {
        if assembled.all_loaded {
            problems.push(Problem { file: first, line: 1, col: 1, message: "empty compose file".into() });
        }
        out.errors.extend(problems.into_iter().map(Problem::into_error));
        return out;
    };

    match root.get("services") {
        Some(services) => match services.as_map() {
            Some(entries) => {
                let entries = last_of_each(entries);
                let partial: Vec<&str> = entries
                    .iter()
                    .filter(|(_, s)| s.as_map().is_some() && s.get("image").is_none() && s.get("build").is_none())
                    .map(|(n, _)| n.as_str())
                    .collect();
                let names_override = plan.origin == Origin::Alone && detect::names_itself_an_override(&first);
                if !plan.origin.set_is_known() && (names_override || !partial.is_empty()) {
                    out.skipped.push(Skipped { path: first, reason: fragment_reason(plan, &partial) });
                    // What makes the file itself broken still counts.
                    out.errors.extend(problems.into_iter().map(Problem::into_error));
                    return out;
                }
                let mut builds = build::Builds::new(ctx.config.scan.max_config_bytes);
                for (name, node) in entries {
                    if node.is_null() {
                        continue;
                    }
                    if partial.contains(&name.as_str()) {
                        let files: Vec<&str> = plan.files.iter().map(|f| f.display.as_str()).collect();
                        problems.push(project.problem(
                            node,
                            format!(
                                "service {name:?} has neither `image` nor `build` once {} are merged",
                                files.join(", ")
                            ),
                        ));
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
        None => out.skipped.push(Skipped {
            path: first,
            reason: "no `services`: nothing to audit (networks and volumes only, or a fragment of a larger project)"
                .into(),
        }),
    }
    out.errors.extend(problems.into_iter().map(Problem::into_error));
    out
}

/// Services by name, the last definition of a name winning (a duplicate
/// name is reported as such when the file is read).
fn last_of_each(entries: &[(String, Val)]) -> Vec<&(String, Val)> {
    let last: HashMap<&str, usize> = entries.iter().enumerate().map(|(i, (n, _))| (n.as_str(), i)).collect();
    entries.iter().enumerate().filter(|(i, (n, _))| last.get(n.as_str()) == Some(i)).map(|(_, e)| e).collect()
}

fn fragment_reason(plan: &Plan, partial: &[&str]) -> String {
    let files: Vec<&str> = plan.files.iter().map(|f| f.display.as_str()).collect();
    let what = if partial.is_empty() {
        "compose override file without the file it overrides".to_string()
    } else {
        let list: Vec<String> = partial.iter().map(|p| format!("{p:?}")).collect();
        format!(
            "compose fragment: service {} {} neither `image` nor `build`{}, so {} only {} to services defined in other files",
            list.join(", "),
            if list.len() == 1 { "has" } else { "have" },
            if files.len() > 1 { format!(" once {} are merged", files.join(" and ")) } else { String::new() },
            if files.len() > 1 { "these files" } else { "this file" },
            if files.len() > 1 { "add" } else { "adds" },
        )
    };
    format!(
        "{what}: not audited alone. Declare its file set under [[compose.projects]] in stackaudit.toml, or as \
         COMPOSE_FILE in the project's .env, to audit it merged"
    )
}

/// One error per problem, however many projects share the file it is in.
fn dedupe(out: &mut Collected) {
    let mut seen = HashSet::new();
    out.errors.retain(|e| seen.insert((e.target.clone(), e.message.clone(), e.location.clone())));
    let mut seen = HashSet::new();
    out.skipped.retain(|s| seen.insert((s.path.clone(), s.reason.clone())));
}
