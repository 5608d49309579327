//! Which compose projects a scan audits: the file sets Docker Compose would
//! build, and nothing else.
//!
//! - sets declared in `stackaudit.toml` (`[[compose.projects]]`);
//! - `COMPOSE_FILE` in a folder's `.env` (what `docker compose` run there
//!   uses instead of its default files);
//! - per folder, the base file and the one override file `docker compose`
//!   merges by itself;
//! - every other compose file on its own, as `docker compose -f FILE` sees
//!   it, unless a project already uses it (listed in a set, included, or
//!   extended from).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use super::detect::{base_rank, override_rank};
use super::project::{join_display, parent_display};
use super::source::{key, Loaded, Sources};
use crate::collect::dotenv;
use crate::input::read_text;

/// `.env` files are small; anything larger is not one.
pub const MAX_ENV_BYTES: u64 = 1024 * 1024;
/// How far above a compose file's folder a `.env` setting `COMPOSE_FILE`
/// is looked for (it names files relative to where it is).
const ENV_SEARCH_LEVELS: usize = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// `[[compose.projects]]` in `stackaudit.toml`.
    Declared,
    /// `COMPOSE_FILE` in a `.env`.
    ComposeFileVar,
    /// A folder's base file and its override.
    Default,
    /// A file no project uses.
    Alone,
    /// `stackaudit scan -`.
    Stdin,
}

impl Origin {
    /// The whole file set is known: a file that does not stand alone is an
    /// error here, not a fragment of something else.
    pub fn set_is_known(self) -> bool {
        matches!(self, Origin::Declared | Origin::ComposeFileVar)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedFile {
    pub path: PathBuf,
    pub display: String,
}

impl PlannedFile {
    pub fn new(path: impl Into<PathBuf>, display: impl Into<String>) -> Self {
        Self { path: path.into(), display: display.into() }
    }
}

#[derive(Debug, Clone)]
pub struct Plan {
    pub origin: Origin,
    /// The `-f` files, in order.
    pub files: Vec<PlannedFile>,
    /// The project folder (the first file's).
    pub dir: PathBuf,
    pub dir_display: String,
    /// Where `${VAR}` values come from.
    pub env_files: Vec<PlannedFile>,
}

impl Plan {
    fn new(origin: Origin, files: Vec<PlannedFile>, env_files: Option<Vec<PlannedFile>>) -> Option<Self> {
        let first = files.first()?;
        let dir = first.path.parent().map(Path::to_path_buf).unwrap_or_default();
        let dir_display = parent_display(&first.display);
        let env_files =
            env_files.unwrap_or_else(|| vec![PlannedFile::new(dir.join(".env"), join_display(&dir_display, ".env"))]);
        Some(Self { origin, files, dir, dir_display, env_files })
    }
}

/// A compose file found in the scanned tree (by its name or its shape).
#[derive(Debug, Clone)]
pub struct Candidate {
    pub file: PlannedFile,
}

impl Candidate {
    fn name(&self) -> String {
        self.file.path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_ascii_lowercase()
    }
}

/// Every project to audit.
/// What the planner works from.
pub struct Inputs<'a> {
    pub candidates: &'a [Candidate],
    /// `[[compose.projects]]`: the files and the optional `env_file`.
    pub declared: Vec<(Vec<PlannedFile>, Option<PlannedFile>)>,
    /// The deepest folder holding every scanned file: a `.env` above it is
    /// outside what was asked to be scanned and is not read.
    pub tree_root: PathBuf,
}

pub fn plan(inputs: Inputs<'_>, sources: &Sources) -> Vec<Plan> {
    let Inputs { candidates, declared, tree_root } = inputs;
    // A file named by a set and found in the tree is shown as found.
    let shown: HashMap<PathBuf, String> =
        candidates.iter().map(|c| (key(&c.file.path), c.file.display.clone())).collect();
    let as_found = |files: Vec<PlannedFile>| -> Vec<PlannedFile> {
        files
            .into_iter()
            .map(|f| match shown.get(&key(&f.path)) {
                Some(d) => PlannedFile { display: d.clone(), ..f },
                None => f,
            })
            .collect()
    };
    let mut plans: Vec<Plan> = declared
        .into_iter()
        .filter_map(|(files, env)| Plan::new(Origin::Declared, as_found(files), env.map(|e| vec![e])))
        .collect();

    // COMPOSE_FILE replaces the default files of the folder it is set in.
    let mut env_folders: BTreeMap<PathBuf, String> = BTreeMap::new();
    for c in candidates {
        let mut folder = c.file.path.parent().map(Path::to_path_buf);
        let mut shown = Some(parent_display(&c.file.display));
        for _ in 0..=ENV_SEARCH_LEVELS {
            let (Some(f), Some(s)) = (folder.clone(), shown.clone()) else { break };
            if !f.starts_with(&tree_root) {
                break;
            }
            env_folders.entry(f.clone()).or_insert(s.clone());
            folder = f.parent().map(Path::to_path_buf);
            shown = (!s.is_empty()).then(|| parent_display(&s));
        }
    }
    let mut compose_file_folders: HashSet<PathBuf> = HashSet::new();
    for (folder, shown) in &env_folders {
        let env = PlannedFile::new(folder.join(".env"), join_display(shown, ".env"));
        let Some(files) = compose_file_var(&env, folder, shown) else { continue };
        if let Some(p) = Plan::new(Origin::ComposeFileVar, as_found(files), Some(vec![env])) {
            compose_file_folders.insert(key(folder));
            plans.push(p);
        }
    }

    // Files another project brings in are audited there, not again alone.
    let mut claimed_all: HashSet<PathBuf> = HashSet::new();
    let mut claimed_inner: HashSet<PathBuf> = HashSet::new();
    // A declared set says how its files are run: a folder whose base file
    // it lists is not audited again with its default files.
    for p in &plans {
        for f in &p.files {
            claimed_all.insert(key(&f.path));
            claimed_inner.insert(key(&f.path));
        }
    }
    // Included files belong to the project that includes them, when one
    // reaches them from a file nothing includes: files that only include
    // each other (a cycle) are still audited, and the cycle reported.
    // Every candidate's text is read here, on every core, but only a file
    // that could name another is parsed: a tree parsed now stays cached
    // until its project is done, and a tree of 1,000 projects held every
    // parse tree at once, most of the scan's peak memory. The others are
    // read again, and parsed, when their project runs.
    let referencing: Vec<(&Candidate, Arc<Loaded>)> = candidates
        .par_iter()
        .filter_map(|c| {
            let text = sources.read_text(&c.file.path, &c.file.display).ok()?;
            let loaded = may_reference_others(&text).then(|| sources.load_text(&c.file.path, &c.file.display, &text));
            Some((c, loaded?.ok()?))
        })
        .collect();
    let mut includes: HashMap<PathBuf, Vec<PathBuf>> = HashMap::new();
    let mut included: HashSet<PathBuf> = HashSet::new();
    for (c, loaded) in referencing {
        let dir = c.file.path.parent().unwrap_or(Path::new(""));
        for doc in &loaded.docs {
            for rel in referenced_includes(doc) {
                let k = key(&dir.join(rel));
                included.insert(k.clone());
                includes.entry(key(&c.file.path)).or_default().push(k);
            }
            for extended in referenced_extends(doc) {
                claimed_all.insert(key(&dir.join(extended)));
            }
        }
    }
    let mut reached: HashSet<PathBuf> = HashSet::new();
    let mut queue: Vec<PathBuf> = includes.keys().filter(|k| !included.contains(*k)).cloned().collect();
    while let Some(k) = queue.pop() {
        for next in includes.get(&k).into_iter().flatten() {
            if reached.insert(next.clone()) {
                queue.push(next.clone());
            }
        }
    }
    claimed_inner.extend(reached.iter().cloned());
    claimed_all.extend(reached);

    let mut by_folder: BTreeMap<PathBuf, Vec<&Candidate>> = BTreeMap::new();
    for c in candidates {
        by_folder.entry(c.file.path.parent().map(Path::to_path_buf).unwrap_or_default()).or_default().push(c);
    }
    let mut planned: HashSet<PathBuf> = HashSet::new();
    for (folder, files) in &by_folder {
        if compose_file_folders.contains(&key(folder)) {
            continue;
        }
        let base = files.iter().filter(|c| base_rank(&c.name()).is_some()).min_by_key(|c| base_rank(&c.name()));
        let Some(base) = base else { continue };
        if claimed_inner.contains(&key(&base.file.path)) {
            continue;
        }
        let over = files.iter().filter(|c| override_rank(&c.name()).is_some()).min_by_key(|c| override_rank(&c.name()));
        let mut set = vec![base.file.clone()];
        set.extend(over.map(|o| o.file.clone()));
        planned.extend(set.iter().map(|f| key(&f.path)));
        plans.extend(Plan::new(Origin::Default, set, None));
    }
    for c in candidates {
        let k = key(&c.file.path);
        if !planned.contains(&k) && !claimed_all.contains(&k) {
            plans.extend(Plan::new(Origin::Alone, vec![c.file.clone()], None));
        }
    }
    plans
}

/// Whether a file's text could hold an `include` or `extends`: the key
/// spelt out, or spelt with escapes (`"\u0069nclude"`), which need a
/// backslash. Folding cannot join a plain or single-quoted key's parts
/// without a space.
fn may_reference_others(text: &str) -> bool {
    text.contains("include") || text.contains("extends") || text.contains('\\')
}

/// The files `COMPOSE_FILE` names in `env`, if it sets it.
fn compose_file_var(env: &PlannedFile, folder: &Path, shown: &str) -> Option<Vec<PlannedFile>> {
    let text = read_text(&env.path, MAX_ENV_BYTES).ok()?;
    let (entries, _) = dotenv::parse(&text);
    let value = |name: &str| entries.iter().rev().find(|e| e.key == name).map(|e| e.value.clone());
    let list = value("COMPOSE_FILE").filter(|v| !v.trim().is_empty())?;
    let separator = value("COMPOSE_PATH_SEPARATOR").filter(|s| !s.is_empty()).unwrap_or_else(|| ":".into());
    let files: Vec<PlannedFile> = list
        .split(separator.as_str())
        .map(str::trim)
        .filter(|f| !f.is_empty())
        .map(|f| PlannedFile::new(folder.join(f), join_display(shown, f)))
        .collect();
    (!files.is_empty()).then_some(files)
}

/// Paths a file's top-level `include:` names, as written.
pub fn referenced_includes(doc: &crate::collect::yaml::Node) -> Vec<String> {
    let Some(items) = doc.get("include").and_then(|i| i.as_seq()) else { return Vec::new() };
    let mut out = Vec::new();
    for item in items {
        match (item.as_str(), item.get("path")) {
            (Some(p), _) => out.push(p.to_string()),
            (None, Some(path)) => match path.as_seq() {
                Some(paths) => out.extend(paths.iter().filter_map(|p| p.as_str().map(str::to_string))),
                None => out.extend(path.as_str().map(str::to_string)),
            },
            _ => {}
        }
    }
    out.retain(|p| !p.contains('$') && !p.contains("://"));
    out
}

/// Files the services of a file extend, as written.
fn referenced_extends(doc: &crate::collect::yaml::Node) -> Vec<String> {
    doc.get("services")
        .into_iter()
        .flat_map(|s| s.entries())
        .filter_map(|(_, service)| service.path(&["extends", "file"]).and_then(|f| f.as_str()))
        .filter(|p| !p.contains('$'))
        .map(str::to_string)
        .collect()
}
