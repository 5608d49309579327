//! Top-level `include:`: other compose projects imported into this one, as
//! Docker Compose does it. Each entry is a project of its own (its first
//! file's folder, or `project_directory`, is where its relative paths
//! start; its `.env` or `env_file` adds variables the including project
//! does not set), whose services, networks, volumes, secrets and configs
//! join the including file; a name defined differently on both sides is an
//! error. Nesting is bounded and an include cycle is an error.

use std::path::Path;

use super::assemble::{env_vars, same_content, Assembler};
use super::interpolate::Interpolator;
use super::plan::PlannedFile;
use super::project::{join_display, parent_display};
use super::source::key;
use super::tree::{Kind, Val};
use crate::diagnostics::Skipped;

/// Deepest chain of includes followed.
pub const MAX_INCLUDE_DEPTH: usize = 8;
const RESOURCES: &[&str] = &["services", "networks", "volumes", "secrets", "configs"];

pub fn import(a: &mut Assembler<'_>, root: &mut Val, env: &Interpolator, depth: usize) {
    let Some(include) = root.remove("include") else { return };
    let Some(items) = include.as_seq() else {
        a.problem(&include, format!("`include` must be a list, not a {}", include.type_name()));
        return;
    };
    for item in items {
        let Some(entry) = Entry::parse(item) else {
            a.problem(item, "an `include` entry must be a path or have `path`".into());
            continue;
        };
        if entry.paths.iter().any(|p| p.as_str().is_some_and(is_remote)) {
            let shown: Vec<String> = entry.paths.iter().map(|p| p.shown()).collect();
            a.skipped.push(Skipped {
                path: a.project.location(item).to_string(),
                reason: format!("remote include {} is not fetched: its services are not audited", shown.join(", ")),
            });
            continue;
        }
        if depth >= MAX_INCLUDE_DEPTH {
            a.problem(item, format!("includes nested deeper than {MAX_INCLUDE_DEPTH} levels: not followed"));
            continue;
        }
        let Some(first) = entry.paths.first() else { continue };
        // Paths are relative to the including project's folder.
        let working_dir = a.project.dir_of(first);
        let files: Vec<PlannedFile> = entry
            .paths
            .iter()
            .filter_map(|p| p.as_str().map(|rel| PlannedFile::new(working_dir.join(rel), a.project.display_of(p, rel))))
            .collect();
        let Some(main) = files.first() else {
            a.problem(item, "`include` path must be a string".into());
            continue;
        };
        if let Some(pos) = a.stack.iter().position(|k| *k == key(&main.path)) {
            let cycle: Vec<String> = a.stack.iter().skip(pos).map(|p| p.display().to_string()).collect();

            a.problem(item, format!("include cycle: {} includes {} again", cycle.join(" → "), main.display));
            continue;
        }
        let (dir, dir_display) = match entry.project_directory.and_then(|d| d.as_str().map(|s| (d, s))) {
            Some((at, rel)) => (working_dir.join(rel), a.project.display_of(at, rel)),
            None => (main.path.parent().map(Path::to_path_buf).unwrap_or_default(), parent_display(&main.display)),
        };
        let env_files: Vec<PlannedFile> = if entry.env_files.is_empty() {
            vec![PlannedFile::new(dir.join(".env"), join_display(&dir_display, ".env"))]
        } else {
            entry
                .env_files
                .iter()
                .filter_map(|f| {
                    f.as_str().map(|rel| PlannedFile::new(working_dir.join(rel), a.project.display_of(f, rel)))
                })
                .collect()
        };
        // The including project's variables win over the included one's.
        let mut vars = env.vars().clone();
        for (k, v) in env_vars(&env_files) {
            vars.entry(k).or_insert(v);
        }
        let sub_env = Interpolator::new(vars);
        let Some(imported) = a.merge_files(&files, &dir, &dir_display, &sub_env, depth + 1) else { continue };
        import_resources(a, root, imported, &main.display);
    }
}

struct Entry<'v> {
    paths: Vec<&'v Val>,
    project_directory: Option<&'v Val>,
    env_files: Vec<&'v Val>,
}

impl<'v> Entry<'v> {
    fn parse(item: &'v Val) -> Option<Self> {
        if item.as_str().is_some() {
            return Some(Self { paths: vec![item], project_directory: None, env_files: Vec::new() });
        }
        let path = item.get("path")?;
        let list = |v: &'v Val| -> Vec<&'v Val> {
            match v.as_seq() {
                Some(items) => items.iter().collect(),
                None => vec![v],
            }
        };
        Some(Self {
            paths: list(path),
            project_directory: item.get("project_directory"),
            env_files: item.get("env_file").map(list).unwrap_or_default(),
        })
    }
}

fn is_remote(path: &str) -> bool {
    path.contains("://") || path.starts_with("git@")
}

/// Adds the included project's resources to `root`; the same name defined
/// differently on both sides is an error (Docker Compose refuses it).
fn import_resources(a: &mut Assembler<'_>, root: &mut Val, imported: Val, from: &str) {
    let Kind::Map(sections) = imported.kind else { return };
    for (section, value) in sections {
        if !RESOURCES.contains(&section.as_str()) {
            continue;
        }
        let Kind::Map(items) = value.kind else { continue };
        let root_at = Val::null_at(root);
        let Some(entries) = root.map_mut() else { return };
        let target = match entries.iter().position(|(k, _)| *k == section) {
            Some(p) => p,
            None => {
                let at = items.first().map(|(_, v)| Val::null_at(v)).unwrap_or(root_at);
                entries.push((section.clone(), Val { kind: Kind::Map(Vec::new()), ..at }));
                entries.len() - 1
            }
        };
        let mut conflicts = Vec::new();
        if let Some((_, existing)) = entries.get_mut(target) {
            if existing.is_null() {
                existing.kind = Kind::Map(Vec::new());
            }
            if let Some(own) = existing.map_mut() {
                for (name, v) in items {
                    match own.iter().find(|(k, _)| *k == name) {
                        Some((_, mine)) if same_content(mine, &v) => {}
                        Some((_, mine)) => conflicts.push((mine.clone(), name)),
                        None => own.push((name, v)),
                    }
                }
            }
        }
        for (at, name) in conflicts {
            a.problem(&at, format!("{section}.{name} conflicts with the one {from} defines (included)"));
        }
    }
}
