//! A compose project: the base file of a folder and the override files
//! merged onto it, with the paths findings are reported under.

use std::path::PathBuf;

use crate::facts::Location;

use super::tree::Val;
use super::Problem;

#[derive(Debug, Clone)]
pub struct Project {
    /// The folder relative paths (build contexts, env files) start from.
    pub dir: PathBuf,
    /// `dir` as shown in reports (empty for the current folder).
    pub dir_display: String,
    /// Display paths of the files, base first; `Val::file` indexes this.
    pub files: Vec<String>,
    /// What tells services of different projects apart: the base file.
    pub scope: String,
}

impl Project {
    pub fn location(&self, v: &Val) -> Location {
        Location::at(self.file(v.file), v.line, v.col)
    }

    pub fn problem(&self, v: &Val, message: String) -> Problem {
        Problem { file: self.file(v.file).to_string(), line: v.line, col: v.col, message }
    }

    fn file(&self, index: usize) -> &str {
        self.files.get(index).or(self.files.first()).map(String::as_str).unwrap_or_default()
    }

    /// A path relative to the project folder, as reports show it.
    pub fn join_display(&self, rel: &str) -> String {
        if rel.starts_with('/') {
            return rel.to_string();
        }
        let mut parts: Vec<&str> = self.dir_display.split('/').filter(|p| !p.is_empty() && *p != ".").collect();
        for part in rel.split('/') {
            match part {
                "" | "." => {}
                ".." if parts.last().is_some_and(|p| *p != "..") => {
                    parts.pop();
                }
                other => parts.push(other),
            }
        }
        if parts.is_empty() {
            ".".into()
        } else {
            parts.join("/")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_paths() {
        let p = Project { dir: "x".into(), dir_display: "examples/stack".into(), files: vec![], scope: String::new() };
        assert_eq!(p.join_display("./app/Dockerfile"), "examples/stack/app/Dockerfile");
        assert_eq!(p.join_display("../Dockerfile"), "examples/Dockerfile");
        let root = Project { dir_display: String::new(), ..p };
        assert_eq!(root.join_display("./Dockerfile"), "Dockerfile");
    }
}
