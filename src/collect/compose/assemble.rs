//! Building one project's model as Docker Compose does: each `-f` file in
//! order, each of its documents interpolated, its services' `extends`
//! resolved and its `include`s imported, then merged onto what came before.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::interpolate::Interpolator;
use super::merge::merge;
use super::plan::{Plan, PlannedFile, MAX_ENV_BYTES};
use super::project::Project;
use super::source::{key, Failure, Loaded, Sources};
use super::tree::{Issue, Kind, Val};
use super::{extends, include, Problem};
use crate::collect::dotenv;
use crate::diagnostics::Skipped;
use crate::input::read_text;

/// One project, merged.
pub struct Assembled {
    pub project: Project,
    /// `None` when no file could be read (their errors are recorded where
    /// they were read) or every file is empty.
    pub root: Option<Val>,
    pub problems: Vec<Problem>,
    pub skipped: Vec<Skipped>,
    /// Every file of the plan was read and parsed.
    pub all_loaded: bool,
}

pub struct Assembler<'a> {
    pub sources: &'a Sources,
    pub project: Project,
    pub problems: Vec<Problem>,
    pub skipped: Vec<Skipped>,
    /// Files being merged, outermost first: an `include` of one of them is
    /// a cycle.
    pub stack: Vec<PathBuf>,
    /// Files brought in by `extends`, converted once: key → (file index,
    /// document).
    pub extended: HashMap<PathBuf, Option<(usize, Val)>>,
    all_loaded: bool,
}

pub fn assemble(plan: &Plan, sources: &Sources) -> Assembled {
    let scope = plan.files.first().map(|f| f.display.clone()).unwrap_or_default();
    let mut a = Assembler {
        sources,
        project: Project { files: Vec::new(), scope },
        problems: Vec::new(),
        skipped: Vec::new(),
        stack: Vec::new(),
        extended: HashMap::new(),
        all_loaded: true,
    };
    let env = Interpolator::new(env_vars(&plan.env_files));
    let root = a.merge_files(&plan.files, &plan.dir, &plan.dir_display, &env, 0);
    Assembled { project: a.project, root, problems: a.problems, skipped: a.skipped, all_loaded: a.all_loaded }
}

/// Variables from `.env` files, earlier files winning (absent or unreadable
/// files mean no variables: the scan never uses its own environment).
pub fn env_vars(files: &[PlannedFile]) -> HashMap<String, String> {
    let mut vars = HashMap::new();
    for f in files {
        if let Ok(text) = read_text(&f.path, MAX_ENV_BYTES) {
            for e in dotenv::parse(&text).0 {
                vars.entry(e.key).or_insert(e.value);
            }
        }
    }
    vars
}

impl Assembler<'_> {
    /// Merges `files` as the `-f` files of one project whose relative paths
    /// start from `dir`.
    pub fn merge_files(
        &mut self,
        files: &[PlannedFile],
        dir: &Path,
        dir_display: &str,
        env: &Interpolator,
        include_depth: usize,
    ) -> Option<Val> {
        let mut merged: Option<Val> = None;
        for f in files {
            let Some(loaded) = self.sources.load_reporting(&f.path, &f.display) else {
                self.all_loaded = false;
                continue;
            };
            let index = self.project.add(&loaded.display, dir, dir_display);
            self.stack.push(key(&loaded.path));
            for doc in &loaded.docs {
                let mut val = self.convert(doc, index, env);
                extends::resolve(self, &mut val, &loaded, env);
                include::import(self, &mut val, env, include_depth);
                merged = Some(match merged {
                    Some(m) => merge(m, val),
                    None => val,
                });
            }
            self.stack.pop();
        }
        merged
    }

    pub fn convert(&mut self, doc: &crate::collect::yaml::Node, index: usize, env: &Interpolator) -> Val {
        let (val, issues) = Val::from_node(doc, index, env);
        self.issues(issues);
        val
    }

    fn issues(&mut self, issues: Vec<Issue>) {
        for i in issues {
            let file = self.project.file(i.file).to_string();
            self.problems.push(Problem { file, line: i.line, col: i.col, message: i.message });
        }
    }

    pub fn problem(&mut self, at: &Val, message: String) {
        self.problems.push(self.project.problem(at, message));
    }

    /// A file referenced from `at` (relative to `at`'s file's folder), read
    /// and with its documents merged into one.
    pub fn load_referenced(&mut self, at: &Val, rel: &str) -> Option<(std::sync::Arc<Loaded>, PlannedFile)> {
        let path = self.project.dir_of(at).join(rel);
        let display = self.project.display_of(at, rel);
        let file = PlannedFile::new(path, display);
        match self.sources.load(&file.path, &file.display) {
            Ok(l) => Some((l, file)),
            Err(Failure::Read(e)) => {
                let reason = e.message.strip_prefix("cannot read: ").unwrap_or(&e.message).to_string();
                self.problem(at, format!("cannot read {}: {reason}", file.display));
                None
            }
            Err(Failure::Parse) => None,
        }
    }
}

/// Whether two values say the same thing, wherever they were written.
pub fn same_content(a: &Val, b: &Val) -> bool {
    match (&a.kind, &b.kind) {
        (Kind::Null, Kind::Null) => true,
        (Kind::Scalar { text: x, .. }, Kind::Scalar { text: y, .. }) => x == y,
        (Kind::Seq(x), Kind::Seq(y)) => x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same_content(a, b)),
        (Kind::Map(x), Kind::Map(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|((ka, va), (kb, vb))| ka == kb && same_content(va, vb))
        }
        _ => false,
    }
}
