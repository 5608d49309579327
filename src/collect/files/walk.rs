//! Walking one scanned folder: every regular file, with `.gitignore` applied
//! the way git applies it and nothing skipped silently.
//!
//! - In a git work tree, a file the index tracks is always scanned, even
//!   when a `.gitignore` pattern matches it (it was committed, so it is
//!   deployed); an ignored file git does not track is skipped and counted.
//! - Outside git, `.gitignore` files still apply, and what they excluded is
//!   counted too.
//! - `.gitignore` files of the folders above the scanned one apply up to
//!   the work tree's top (as in git), and `.git/info/exclude` at the top;
//!   the machine's global excludes (`core.excludesFile`) do not, so the
//!   result depends only on what is scanned.
//! - FIFOs, devices and sockets are skipped with a reason. A symlink is
//!   resolved: to a regular file inside the scanned folder it is scanned,
//!   anything else is skipped with a reason; linked folders are not
//!   entered (no loops, nothing outside the scanned folder).

use std::path::{Path, PathBuf};
use std::rc::Rc;

use ignore::gitignore::{Gitignore, GitignoreBuilder};
use ignore::overrides::Override;
use ignore::Match;

use super::git::{self, Tracked};
use super::{display_path, DiscoveredFile};
use crate::diagnostics::{ErrorKind, ScanError, Skipped};
use crate::input::{read_text, special_kind};

/// Entries looked at when counting the files inside ignored folders, over
/// the whole walk; past it, counts are given as "at least".
const MAX_COUNTED_ENTRIES: usize = 200_000;
/// Ignored paths named in the summary.
const EXAMPLES: usize = 5;
/// Largest `.gitignore` read.
const MAX_GITIGNORE_BYTES: u64 = 1024 * 1024;

#[derive(Default)]
pub struct Walked {
    pub files: Vec<DiscoveredFile>,
    pub skipped: Vec<Skipped>,
    pub errors: Vec<ScanError>,
}

/// What `.gitignore` kept out of the scan.
#[derive(Default)]
struct Ignored {
    files: usize,
    examples: Vec<String>,
    counted_entries: usize,
    incomplete: bool,
}

struct Walker<'a> {
    /// The folder as the user gave it, and canonical.
    root: &'a Path,
    root_abs: PathBuf,
    excludes: &'a Override,
    repo: Option<(git::Repo, Tracked)>,
    ignored: Ignored,
    out: Walked,
}

/// A folder to read: its path as shown, its canonical path, the ignore
/// files that apply (outermost first), and whether it is itself ignored
/// (entered only because it holds tracked files).
struct Folder {
    user: PathBuf,
    abs: PathBuf,
    rules: Rc<Vec<Gitignore>>,
    ignored: bool,
}

pub fn walk(root: &Path, excludes: &Override) -> Walked {
    let root_abs = match root.canonicalize() {
        Ok(p) => p,
        Err(e) => {
            let mut out = Walked::default();
            out.errors.push(io_error(root, &e));
            return out;
        }
    };
    let mut walker =
        Walker { root, root_abs, excludes, repo: None, ignored: Ignored::default(), out: Walked::default() };
    let rules = walker.start();
    walker.walk(Folder { user: root.to_path_buf(), abs: walker.root_abs.clone(), rules, ignored: false });
    walker.summarise();
    walker.out
}

fn io_error(path: &Path, e: &std::io::Error) -> ScanError {
    ScanError::new("files", display_path(path), ErrorKind::from_io(e), format!("cannot read: {e}"))
}

impl Walker<'_> {
    /// Finds the work tree and the ignore rules that apply above the root.
    fn start(&mut self) -> Rc<Vec<Gitignore>> {
        let mut rules = Vec::new();
        if let Some(repo) = git::find_repo(&self.root_abs) {
            let tracked = match repo.tracked() {
                Ok(t) => t,
                Err(e) => {
                    self.out.skipped.push(Skipped {
                        path: display_path(&repo.git_dir.join("index")),
                        reason: format!("{e}; files .gitignore matches are skipped even if git tracks them"),
                    });
                    Tracked::default()
                }
            };
            rules.extend(load_rules(&repo.common_dir.join("info/exclude"), &repo.work_tree));
            let above: Vec<&Path> =
                self.root_abs.ancestors().skip(1).take_while(|d| d.starts_with(&repo.work_tree)).collect();
            for dir in above.into_iter().rev() {
                rules.extend(load_rules(&dir.join(".gitignore"), dir));
            }
            self.repo = Some((repo, tracked));
        }
        Rc::new(rules)
    }

    fn walk(&mut self, first: Folder) {
        let mut pending = vec![first];
        while let Some(folder) = pending.pop() {
            let mut rules = folder.rules;
            if let Some(own) = load_rules(&folder.abs.join(".gitignore"), &folder.abs) {
                let mut extended = rules.as_ref().clone();
                extended.push(own);
                rules = Rc::new(extended);
            }
            let mut entries: Vec<std::fs::DirEntry> = match std::fs::read_dir(&folder.abs) {
                Ok(read) => read.filter_map(Result::ok).collect(),
                Err(e) => {
                    self.out.errors.push(io_error(&folder.user, &e));
                    continue;
                }
            };
            entries.sort_by_key(std::fs::DirEntry::file_name);
            // Depth-first in name order: push in reverse.
            let mut folders = Vec::new();
            for entry in entries {
                if let Some(sub) = self.entry(&entry, &folder.user, &rules, folder.ignored) {
                    folders.push(sub);
                }
            }
            pending.extend(folders.into_iter().rev());
        }
    }

    /// Handles one entry; returns the folder to enter, if it is one.
    fn entry(
        &mut self,
        entry: &std::fs::DirEntry,
        parent_user: &Path,
        rules: &Rc<Vec<Gitignore>>,
        in_ignored: bool,
    ) -> Option<Folder> {
        let name = entry.file_name();
        if name == ".git" {
            return None;
        }
        let user = parent_user.join(&name);
        let abs = entry.path();
        let file_type = entry.file_type().ok()?;
        let is_dir = file_type.is_dir();
        if self.excludes.matched(&abs, is_dir).is_ignore() {
            return None;
        }
        if in_ignored || is_ignored(rules, &abs, is_dir) {
            if !self.tracked(&abs, is_dir) {
                self.count_ignored(&user, &abs, is_dir);
                return None;
            }
            // Tracked although ignored: scanned; in a folder, only what is
            // tracked, unless the folder is a submodule (its own repository,
            // whose files the outer index does not list).
            if is_dir {
                let submodule = abs.join(".git").symlink_metadata().is_ok();
                return Some(Folder { user, abs, rules: Rc::clone(rules), ignored: !submodule });
            }
        } else if is_dir {
            return Some(Folder { user, abs, rules: Rc::clone(rules), ignored: false });
        }
        if file_type.is_symlink() {
            self.symlink(user, &abs);
        } else if let Some(kind) = special_kind(file_type) {
            self.skip(&user, format!("{kind}: only regular files are read"));
        } else {
            self.add(user, &abs);
        }
        None
    }

    fn add(&mut self, user: PathBuf, abs: &Path) {
        match abs.metadata() {
            Ok(meta) => {
                let display = display_path(&user);
                self.out.files.push(DiscoveredFile { path: user, display, size: meta.len(), explicit: false });
            }
            Err(e) => self.out.errors.push(io_error(&user, &e)),
        }
    }

    fn symlink(&mut self, user: PathBuf, abs: &Path) {
        let target = match abs.canonicalize() {
            Ok(t) => t,
            Err(e) => return self.skip(&user, format!("symbolic link that cannot be resolved ({e})")),
        };
        let file_type = match target.metadata() {
            Ok(m) => m.file_type(),
            Err(e) => return self.skip(&user, format!("symbolic link that cannot be resolved ({e})")),
        };
        if let Some(kind) = special_kind(file_type) {
            let why = if file_type.is_dir() { "linked folders are not entered" } else { "only regular files are read" };
            return self.skip(&user, format!("symbolic link to {kind}: {why}"));
        }
        if !target.starts_with(&self.root_abs) {
            return self.skip(&user, "symbolic link to a file outside the scanned folder: not followed".to_string());
        }
        self.add(user, abs);
    }

    fn skip(&mut self, user: &Path, reason: String) {
        self.out.skipped.push(Skipped { path: display_path(user), reason });
    }

    fn tracked(&self, abs: &Path, is_dir: bool) -> bool {
        let Some((repo, tracked)) = &self.repo else { return false };
        let Ok(rel) = abs.strip_prefix(&repo.work_tree) else { return false };
        let key = std::os::unix::ffi::OsStrExt::as_bytes(rel.as_os_str());
        if is_dir {
            tracked.dirs.contains(key)
        } else {
            tracked.files.contains(key)
        }
    }

    fn count_ignored(&mut self, user: &Path, abs: &Path, is_dir: bool) {
        let shown = display_path(user);
        if is_dir {
            let n = self.count_files(abs);
            self.ignored.files += n;
            if self.ignored.examples.len() < EXAMPLES {
                self.ignored.examples.push(format!("{shown}/ ({})", files(n)));
            }
        } else {
            self.ignored.files += 1;
            if self.ignored.examples.len() < EXAMPLES {
                self.ignored.examples.push(shown);
            }
        }
    }

    /// Files under an ignored folder, within the walk's counting budget.
    fn count_files(&mut self, dir: &Path) -> usize {
        let mut n = 0;
        let mut pending = vec![dir.to_path_buf()];
        while let Some(d) = pending.pop() {
            let Ok(read) = std::fs::read_dir(&d) else { continue };
            for entry in read.filter_map(Result::ok) {
                self.ignored.counted_entries += 1;
                if self.ignored.counted_entries > MAX_COUNTED_ENTRIES {
                    self.ignored.incomplete = true;
                    return n;
                }
                match entry.file_type() {
                    Ok(t) if t.is_dir() => pending.push(entry.path()),
                    Ok(_) => n += 1,
                    Err(_) => {}
                }
            }
        }
        n
    }

    /// One `skipped` entry for the root saying what `.gitignore` excluded.
    fn summarise(&mut self) {
        self.ignored.examples.sort();
        let ignored = &self.ignored;
        if ignored.files == 0 && ignored.examples.is_empty() {
            return;
        }
        let count =
            if ignored.incomplete { format!("at least {}", files(ignored.files)) } else { files(ignored.files) };
        let why = if self.repo.is_some() {
            "matched by .gitignore and not tracked by git"
        } else {
            "excluded by .gitignore (not a git work tree)"
        };
        self.out.skipped.push(Skipped {
            path: display_path(self.root),
            reason: format!("{count} {why}, not scanned: {}", ignored.examples.join(", ")),
        });
    }
}

fn files(n: usize) -> String {
    if n == 1 {
        "1 file".into()
    } else {
        format!("{n} files")
    }
}

/// The last matching rule decides, innermost file first.
fn is_ignored(rules: &[Gitignore], abs: &Path, is_dir: bool) -> bool {
    for rule in rules.iter().rev() {
        match rule.matched(abs, is_dir) {
            Match::Ignore(_) => return true,
            Match::Whitelist(_) => return false,
            Match::None => {}
        }
    }
    false
}

/// A `.gitignore`-format file's rules, matched relative to `base`; read
/// through the capped regular-file reader (a FIFO named `.gitignore`
/// cannot hang the walk).
fn load_rules(path: &Path, base: &Path) -> Option<Gitignore> {
    let text = read_text(path, MAX_GITIGNORE_BYTES).ok()?;
    let mut builder = GitignoreBuilder::new(base);
    for line in text.trim_start_matches('\u{feff}').lines() {
        // An invalid pattern is ignored, as git does.
        let _ = builder.add_line(Some(path.to_path_buf()), line);
    }
    builder.build().ok().filter(|g| !g.is_empty())
}
