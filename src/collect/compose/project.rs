//! A compose project as Docker Compose builds it: the files merged into it
//! (the `-f` files, and the files `extends` and `include` bring in), each
//! with the folder its relative paths start from, and the paths findings are
//! reported under.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::facts::Location;

use super::tree::Val;
use super::Problem;

/// One file of a project.
#[derive(Debug, Clone)]
pub struct ProjectFile {
    /// As reports show it; shared by every location in the file.
    pub display: Arc<str>,
    /// The folder its relative paths (build contexts, env files) start
    /// from: the project folder for every `-f` file, the file's own folder
    /// for an `extends` file, the included project's folder for `include`.
    pub dir: PathBuf,
    /// `dir` as reports show it (empty for the current folder).
    pub dir_display: String,
}

#[derive(Debug, Clone, Default)]
pub struct Project {
    /// `Val::file` indexes this.
    pub files: Vec<ProjectFile>,
    /// What tells services of different projects apart: the first file.
    pub scope: String,
}

impl Project {
    /// Adds a file; returns its index for `Val::file`.
    pub fn add(&mut self, display: &str, dir: &Path, dir_display: &str) -> usize {
        self.files.push(ProjectFile {
            display: Arc::from(display),
            dir: dir.to_path_buf(),
            dir_display: dir_display.to_string(),
        });
        self.files.len() - 1
    }

    /// Where `v` is; its path is the file's shared one, not a copy.
    pub fn location(&self, v: &Val) -> Location {
        let path = self.entry(v.file).map_or_else(|| Arc::from(""), |f| Arc::clone(&f.display));
        Location::at(path, v.line, v.col)
    }

    /// A problem at `v`; no value interpolated into `v` is echoed.
    pub fn problem(&self, v: &Val, message: String) -> Problem {
        Problem { file: self.file(v.file).to_string(), line: v.line, col: v.col, message: v.redact(message) }
    }

    pub fn file(&self, index: usize) -> &str {
        self.entry(index).map(|f| &*f.display).unwrap_or_default()
    }

    fn entry(&self, index: usize) -> Option<&ProjectFile> {
        self.files.get(index).or(self.files.first())
    }

    /// The folder relative paths written in `v`'s file start from.
    pub fn dir_of(&self, v: &Val) -> PathBuf {
        self.entry(v.file).map(|f| f.dir.clone()).unwrap_or_default()
    }

    /// A path written in `v`'s file, relative to its folder, as reports
    /// show it.
    pub fn display_of(&self, v: &Val, rel: &str) -> String {
        join_display(self.entry(v.file).map(|f| f.dir_display.as_str()).unwrap_or_default(), rel)
    }
}

/// `dir/rel` with `.` and `..` folded, as reports show paths.
pub fn join_display(dir_display: &str, rel: &str) -> String {
    if rel.starts_with('/') {
        return rel.to_string();
    }
    let mut parts: Vec<&str> = dir_display.split('/').filter(|p| !p.is_empty() && *p != ".").collect();
    for part in rel.split('/') {
        match part {
            "" | "." => {}
            ".." if parts.last().is_some_and(|p| *p != "..") => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    match (dir_display.starts_with('/'), joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".into(),
        (false, false) => joined,
    }
}

/// The folder part of a display path (`""` for a file in the current folder).
pub fn parent_display(display: &str) -> String {
    display.rsplit_once('/').map(|(d, _)| d.to_string()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_paths() {
        assert_eq!(join_display("examples/stack", "./app/Dockerfile"), "examples/stack/app/Dockerfile");
        assert_eq!(join_display("examples/stack", "../Dockerfile"), "examples/Dockerfile");
        assert_eq!(join_display("", "./Dockerfile"), "Dockerfile");
        assert_eq!(join_display("", "../x"), "../x");
        assert_eq!(join_display("/srv/app", "./tests/Dockerfile"), "/srv/app/tests/Dockerfile");
        assert_eq!(parent_display("a/b/compose.yml"), "a/b");
        assert_eq!(parent_display("compose.yml"), "");
    }
}
