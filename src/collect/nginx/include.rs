//! Loading a configuration the way nginx does: each `include` is replaced by
//! the directives of the files it names (globs sorted, relative paths taken
//! from the configuration's prefix folder, then from the including file's
//! folder). An absolute path such as `/etc/nginx/conf.d/*.conf` names a path
//! inside the container; it is resolved against the repository's copy of
//! that folder (the main file's folder plays `/etc/nginx`), never against
//! the scanning machine's own `/etc`, so results depend only on what is
//! scanned.

use std::collections::HashSet;
use std::path::{Component, Path, PathBuf};

use globset::GlobBuilder;

use super::syntax::{self, Directive};
use crate::collect::files::display_path;
use crate::collect::text::read_text;
use crate::diagnostics::{ErrorKind, ScanError, Skipped};
use crate::facts::Location;

use super::SOURCE;

/// Where nginx images keep their configuration; an absolute include under
/// one of these maps onto the folder of the main file.
const CONTAINER_PREFIXES: &[&str] = &[
    "/etc/nginx",
    "/usr/local/nginx/conf",
    "/usr/local/etc/nginx",
    "/opt/bitnami/nginx/conf",
    "/usr/local/openresty/nginx/conf",
    "/etc/openresty",
];

/// Deeper nesting than this is taken for a loop nginx would also refuse.
const MAX_DEPTH: usize = 32;

/// A configuration with its includes expanded.
#[derive(Debug, Default)]
pub struct Loaded {
    pub directives: Vec<Directive>,
    /// Display path of each file read, indexed by `Directive::file`.
    pub files: Vec<String>,
    /// Canonical paths of every file read, the root included.
    pub read: HashSet<PathBuf>,
    pub errors: Vec<ScanError>,
    pub skipped: Vec<Skipped>,
    pub bytes: u64,
    /// The root itself could not be read or parsed.
    pub failed: bool,
}

pub struct Loader {
    prefix: PathBuf,
    limit: u64,
    paths: Vec<PathBuf>,
    out: Loaded,
}

impl Loader {
    /// Loads `root` (shown as `display`), expanding includes.
    pub fn load(root: &Path, display: &str, limit: u64) -> Loaded {
        let prefix = root.parent().map(Path::to_path_buf).unwrap_or_default();
        let mut loader = Loader { prefix, limit, paths: Vec::new(), out: Loaded::default() };
        let mut stack = Vec::new();
        match loader.load_file(root, display.to_string(), &mut stack) {
            Some(directives) => loader.out.directives = directives,
            None => loader.out.failed = true,
        }
        loader.out
    }

    fn load_file(
        &mut self,
        path: &Path,
        display: String,
        stack: &mut Vec<(PathBuf, String)>,
    ) -> Option<Vec<Directive>> {
        let text = match read_text(path, self.limit) {
            Ok(t) => t,
            Err(e) => {
                self.out.errors.push(e.into_scan_error(SOURCE, &display));
                return None;
            }
        };
        let canonical = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        self.out.read.insert(canonical.clone());
        self.out.bytes += text.len() as u64;
        let index = self.out.files.len();
        self.out.files.push(display.clone());
        self.paths.push(path.to_path_buf());
        let directives = match syntax::parse(&text, index) {
            Ok(d) => d,
            Err(e) => {
                self.out.errors.push(
                    ScanError::new(SOURCE, &display, ErrorKind::Malformed, e.message)
                        .at(Location::line(&display, e.line)),
                );
                return None;
            }
        };
        stack.push((canonical, display));
        let expanded = self.expand(directives, stack);
        stack.pop();
        Some(expanded)
    }

    fn expand(&mut self, directives: Vec<Directive>, stack: &mut Vec<(PathBuf, String)>) -> Vec<Directive> {
        let mut out = Vec::with_capacity(directives.len());
        for mut d in directives {
            if d.name == "include" && d.block.is_none() {
                self.include(&d, stack, &mut out);
                continue;
            }
            if let Some(block) = d.block.take() {
                d.block = Some(self.expand(block, stack));
            }
            out.push(d);
        }
        out
    }

    fn include(&mut self, d: &Directive, stack: &mut Vec<(PathBuf, String)>, out: &mut Vec<Directive>) {
        let at = Location::line(&self.out.files[d.file], d.line);
        let Some(pattern) = d.arg(0) else {
            self.out
                .errors
                .push(ScanError::new(SOURCE, &at.path, ErrorKind::Malformed, "\"include\" needs a file name").at(at));
            return;
        };
        let Some(paths) = self.resolve(pattern, d.file) else {
            self.out.skipped.push(Skipped {
                path: at.to_string(),
                reason: format!("include {pattern:?} is not among the scanned files; its directives are not audited"),
            });
            return;
        };
        for path in paths {
            let canonical = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
            let display = display_path(&path);
            if let Some(pos) = stack.iter().position(|(p, _)| *p == canonical) {
                let chain: Vec<&str> = stack[pos..].iter().map(|(_, d)| d.as_str()).chain([display.as_str()]).collect();
                self.out.errors.push(
                    ScanError::new(
                        SOURCE,
                        &at.path,
                        ErrorKind::Malformed,
                        format!("include loop: {}", chain.join(" → ")),
                    )
                    .at(at.clone()),
                );
                continue;
            }
            if stack.len() >= MAX_DEPTH {
                self.out.errors.push(
                    ScanError::new(
                        SOURCE,
                        &at.path,
                        ErrorKind::Malformed,
                        format!("includes nested deeper than {MAX_DEPTH}"),
                    )
                    .at(at.clone()),
                );
                continue;
            }
            if let Some(directives) = self.load_file(&path, display, stack) {
                out.extend(directives);
            }
        }
    }

    /// The files an include names; `None` when its folder (or file) is not
    /// among the scanned files at all.
    fn resolve(&self, pattern: &str, from_file: usize) -> Option<Vec<PathBuf>> {
        let path = Path::new(pattern);
        let candidates: Vec<PathBuf> = if path.is_absolute() {
            self.container_paths(path)
        } else {
            let including_dir = self.paths[from_file].parent().map(Path::to_path_buf).unwrap_or_default();
            vec![self.prefix.join(path), including_dir.join(path)]
        };
        candidates.into_iter().find_map(|c| expand_glob(&c))
    }

    /// Where a path inside the container is in the repository: under a known
    /// prefix, relative to the main file's folder; otherwise the longest tail
    /// of it (folder and name at least) found next to the main file or in
    /// one of its two parent folders.
    fn container_paths(&self, path: &Path) -> Vec<PathBuf> {
        let mut out = Vec::new();
        for prefix in CONTAINER_PREFIXES {
            if let Ok(rest) = path.strip_prefix(prefix) {
                out.push(self.prefix.join(rest));
            }
        }
        let parts: Vec<&std::ffi::OsStr> =
            path.components().filter_map(|c| if let Component::Normal(p) = c { Some(p) } else { None }).collect();
        let bases: Vec<&Path> = self.prefix.ancestors().take(3).collect();
        for skip in 1..parts.len().saturating_sub(1) {
            let tail: PathBuf = parts[skip..].iter().collect();
            out.extend(bases.iter().map(|b| b.join(&tail)));
        }
        out
    }
}

/// Files matching a path whose components may hold glob characters, sorted;
/// `None` when the path (or the folder a glob looks in) does not exist.
fn expand_glob(path: &Path) -> Option<Vec<PathBuf>> {
    let is_glob = |s: &str| s.contains(['*', '?', '[']);
    if !is_glob(&path.to_string_lossy()) {
        return path.is_file().then(|| vec![path.to_path_buf()]);
    }
    let mut current = vec![PathBuf::new()];
    let mut first_glob = true;
    for component in path.components() {
        let text = component.as_os_str().to_string_lossy();
        if !is_glob(&text) {
            current.iter_mut().for_each(|p| p.push(component));
            continue;
        }
        if first_glob && !current.iter().any(|p| p.is_dir()) {
            return None;
        }
        first_glob = false;
        let matcher = GlobBuilder::new(&text).literal_separator(true).build().ok()?.compile_matcher();
        let mut next = Vec::new();
        for dir in &current {
            let Ok(entries) = std::fs::read_dir(dir) else { continue };
            for entry in entries.flatten() {
                let name = entry.file_name();
                let name = name.to_string_lossy();
                // glob(3), which nginx uses, does not match hidden files with `*`.
                if !name.starts_with('.') && matcher.is_match(name.as_ref()) {
                    next.push(dir.join(name.as_ref()));
                }
            }
        }
        next.sort();
        current = next;
    }
    Some(current.into_iter().filter(|p| p.is_file()).collect())
}
