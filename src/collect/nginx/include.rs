//! Loading a configuration the way nginx does: each `include` is replaced by
//! the directives of the files it names (globs sorted, relative paths taken
//! from the configuration's prefix folder, then from the including file's
//! folder). An absolute path such as `/etc/nginx/conf.d/*.conf` names a path
//! inside the container; it is resolved against the repository's copy of
//! that folder (the prefix folder plays `/etc/nginx`), never against the
//! scanning machine's own `/etc`, so results depend only on what is scanned.
//! A standalone file may have several candidate prefix folders: the first
//! where an include's files exist is used.

use std::collections::{HashMap, HashSet};
use std::path::{Component, Path, PathBuf};
use std::rc::Rc;
use std::sync::OnceLock;

use globset::GlobBuilder;

use super::syntax::{self, Directive, MAX_BLOCK_DEPTH};
use crate::collect::files::display_path;
use crate::diagnostics::{ErrorKind, ScanError, Skipped};
use crate::facts::Location;
use crate::input::read_text;

use super::SOURCE;

/// Where nginx images keep their configuration; an absolute include under
/// one of these maps onto the prefix folder.
const CONTAINER_PREFIXES: &[&str] = &[
    "/etc/nginx",
    "/usr/local/nginx/conf",
    "/usr/local/etc/nginx",
    "/opt/bitnami/nginx/conf",
    "/usr/local/openresty/nginx/conf",
    "/etc/openresty",
];

/// Includes nested deeper than this are refused (nginx has no limit and
/// crashes on a loop; real configurations nest two or three).
pub const MAX_INCLUDE_DEPTH: usize = 32;
/// Directives one main file may expand to, counting a file each time it is
/// included. Bounds the work of includes in a diamond (a.conf includes
/// b.conf twice, b includes c twice, ...), which doubles per level; a large
/// real configuration (a 100,000-line `map`) stays well under it.
pub const MAX_EXPANDED_DIRECTIVES: usize = 250_000;
/// Bytes of configuration text one main file may expand to, counted the
/// same way.
pub const MAX_EXPANDED_BYTES: u64 = 64 * 1024 * 1024;

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
    /// Bytes of the distinct files read.
    pub bytes: u64,
    /// The root could not be read or parsed, or its expansion hit a limit:
    /// nothing of it is judged, since a partial tree gives false findings.
    pub failed: bool,
}

/// A file an include names: canonical path, and the path as found.
type Resolved = (PathBuf, PathBuf);

/// A file parsed once, however often it is included.
struct Parsed {
    directives: Rc<Vec<Directive>>,
    bytes: u64,
}

/// Which files an include may read: those discovery listed, and any outside
/// the folders it walked. A file `.gitignore` excluded (and git does not
/// track) sits in the checkout only and is never deployed, so an include
/// glob must not pull it in.
#[derive(Debug, Default)]
pub struct Scope {
    pub roots: Vec<PathBuf>,
    /// The files discovery listed, as it found them.
    files: Vec<PathBuf>,
    /// Their canonical paths, worked out for the first include that lands
    /// inside a walked folder: a canonical path costs system calls for each
    /// folder above the file, for every file of the scan, and most scans
    /// have no such include.
    listed: OnceLock<HashSet<PathBuf>>,
}

impl Scope {
    pub fn new(roots: Vec<PathBuf>, files: Vec<PathBuf>) -> Self {
        Self { roots, files, listed: OnceLock::new() }
    }

    fn allows(&self, canonical: &Path) -> bool {
        if !self.roots.iter().any(|r| canonical.starts_with(r)) {
            return true;
        }
        let listed = self.listed.get_or_init(|| {
            self.files.iter().map(|f| std::fs::canonicalize(f).unwrap_or_else(|_| f.clone())).collect()
        });
        listed.contains(canonical)
    }
}

pub struct Loader<'s> {
    scope: &'s Scope,
    /// Folders that may play nginx's prefix, most likely first.
    prefixes: Vec<PathBuf>,
    limit: u64,
    root_display: String,
    /// Filesystem path of each file, indexed like `Loaded::files`.
    paths: Vec<PathBuf>,
    /// By canonical path; `None` when reading or parsing failed (reported once).
    cache: HashMap<PathBuf, Option<Parsed>>,
    /// Includes already resolved, by pattern and including file, and
    /// canonical paths already looked up: a file included many times costs
    /// its file system lookups once.
    resolved: HashMap<(String, usize), Option<Vec<Resolved>>>,
    canonical: HashMap<PathBuf, PathBuf>,
    /// Files an include matched but the scope left out, noted once each.
    left_out: HashSet<String>,
    /// Include loops and too-deep includes already reported, by including
    /// file and target: the first site is reported, not every site and
    /// every path to it (458 self-including globs made 400,000 errors).
    reported: HashSet<(usize, PathBuf)>,
    expanded_directives: usize,
    expanded_bytes: u64,
    out: Loaded,
}

impl<'s> Loader<'s> {
    /// Loads `root` (shown as `display`), expanding includes relative to
    /// the folder that plays nginx's prefix (`/etc/nginx`): the first of
    /// `prefixes` where an include's files are found.
    pub fn load(root: &Path, display: &str, prefixes: &[PathBuf], limit: u64, scope: &'s Scope) -> Loaded {
        let mut loader = Loader {
            scope,
            prefixes: prefixes.to_vec(),
            limit,
            root_display: display.to_string(),
            paths: Vec::new(),
            cache: HashMap::new(),
            resolved: HashMap::new(),
            canonical: HashMap::new(),
            left_out: HashSet::new(),
            reported: HashSet::new(),
            expanded_directives: 0,
            expanded_bytes: 0,
            out: Loaded::default(),
        };
        let mut stack = Vec::new();
        match loader.load_file(root, display.to_string(), &mut stack, 0, None) {
            Some(directives) if !loader.out.failed => loader.out.directives = directives,
            _ => loader.out.failed = true,
        }
        loader.out
    }

    /// Reads and parses a file once; later calls get the same directives.
    fn parsed(&mut self, path: &Path, canonical: &Path, display: String) -> Option<(Rc<Vec<Directive>>, u64)> {
        if let Some(entry) = self.cache.get(canonical) {
            return entry.as_ref().map(|p| (Rc::clone(&p.directives), p.bytes));
        }
        let parsed = self.read_and_parse(path, canonical, display);
        let result = parsed.as_ref().map(|p| (Rc::clone(&p.directives), p.bytes));
        self.cache.insert(canonical.to_path_buf(), parsed);
        result
    }

    fn read_and_parse(&mut self, path: &Path, canonical: &Path, display: String) -> Option<Parsed> {
        let text = match read_text(path, self.limit) {
            Ok(t) => t,
            Err(e) => {
                self.out.errors.push(e.into_scan_error(SOURCE, &display));
                return None;
            }
        };
        self.out.read.insert(canonical.to_path_buf());
        self.out.bytes += text.len() as u64;
        let index = self.out.files.len();
        self.out.files.push(display.clone());
        self.paths.push(path.to_path_buf());
        match syntax::parse(&text, index) {
            Ok(d) => Some(Parsed { directives: Rc::new(d), bytes: text.len() as u64 }),
            Err(e) => {
                self.out.errors.push(
                    ScanError::new(SOURCE, &display, ErrorKind::Malformed, e.message)
                        .at(Location::line(&display, e.line)),
                );
                None
            }
        }
    }

    fn load_file(
        &mut self,
        path: &Path,
        display: String,
        stack: &mut Vec<(PathBuf, String)>,
        depth: usize,
        at: Option<&Location>,
    ) -> Option<Vec<Directive>> {
        let canonical = self.canonical(path);
        let (directives, bytes) = self.parsed(path, &canonical, display.clone())?;
        self.expanded_directives = self.expanded_directives.saturating_add(Directive::count(&directives));
        self.expanded_bytes = self.expanded_bytes.saturating_add(bytes);
        if self.expanded_directives > MAX_EXPANDED_DIRECTIVES || self.expanded_bytes > MAX_EXPANDED_BYTES {
            self.exhausted(at);
            return None;
        }
        stack.push((canonical, display));
        let expanded = self.expand(directives.as_ref().clone(), stack, depth);
        stack.pop();
        Some(expanded)
    }

    /// Records, once, that the expansion budget ran out; the root is then
    /// not judged.
    fn exhausted(&mut self, at: Option<&Location>) {
        if self.out.failed {
            return;
        }
        self.out.failed = true;
        let mut error = ScanError::new(
            SOURCE,
            &self.root_display,
            ErrorKind::Unsupported,
            format!(
                "include expansion stopped: {} and its includes expand to more than {MAX_EXPANDED_DIRECTIVES} directives or {} MiB \
                 (stackaudit's limit per main file; a file counts each time it is included, as in a diamond of includes); \
                 not audited",
                self.root_display,
                MAX_EXPANDED_BYTES / (1024 * 1024)
            ),
        );
        if let Some(at) = at {
            error = error.at(at.clone());
        }
        self.out.errors.push(error);
    }

    fn expand(
        &mut self,
        directives: Vec<Directive>,
        stack: &mut Vec<(PathBuf, String)>,
        depth: usize,
    ) -> Vec<Directive> {
        let mut out = Vec::with_capacity(directives.len());
        for mut d in directives {
            if self.out.failed {
                break;
            }
            if d.name == "include" && d.block.is_none() {
                self.include(&d, stack, depth, &mut out);
                continue;
            }
            if let Some(block) = d.block.take() {
                if depth >= MAX_BLOCK_DEPTH {
                    self.too_deep(&d);
                    break;
                }
                d.block = Some(self.expand(block, stack, depth + 1));
            }
            out.push(d);
        }
        out
    }

    /// Blocks nested too deep once included files are counted in.
    fn too_deep(&mut self, d: &Directive) {
        let at = Location::line(self.out.files.get(d.file).cloned().unwrap_or_default(), d.line);
        self.out.errors.push(
            ScanError::new(
                SOURCE,
                &*at.path,
                ErrorKind::Unsupported,
                format!(
                    "blocks nested deeper than {MAX_BLOCK_DEPTH} levels, counting included files (stackaudit's limit for nginx configuration); {} not audited",
                    self.root_display
                ),
            )
            .at(at),
        );
        self.out.failed = true;
    }

    fn include(&mut self, d: &Directive, stack: &mut Vec<(PathBuf, String)>, depth: usize, out: &mut Vec<Directive>) {
        let at = Location::line(self.out.files.get(d.file).cloned().unwrap_or_default(), d.line);
        let Some(pattern) = d.arg(0) else {
            self.out
                .errors
                .push(ScanError::new(SOURCE, &*at.path, ErrorKind::Malformed, "\"include\" needs a file name").at(at));
            return;
        };
        let key = (pattern.to_string(), d.file);
        let resolved = match self.resolved.get(&key) {
            Some(r) => r.clone(),
            None => {
                let r = self
                    .resolve(pattern, d.file)
                    .map(|paths| paths.into_iter().map(|p| (self.canonical(&p), p)).collect::<Vec<_>>());
                self.resolved.insert(key, r.clone());
                r
            }
        };
        let Some(paths) = resolved else {
            self.out.skipped.push(Skipped {
                path: at.to_string(),
                reason: format!("include {pattern:?} is not among the scanned files; its directives are not audited"),
            });
            return;
        };
        for (canonical, path) in paths {
            // Every file an include names costs one directive of the
            // budget, refused or not: refused ones are work too.
            self.expanded_directives = self.expanded_directives.saturating_add(1);
            if self.expanded_directives > MAX_EXPANDED_DIRECTIVES {
                self.exhausted(Some(&at));
                return;
            }
            let refused = stack.iter().any(|(p, _)| *p == canonical) || stack.len() >= MAX_INCLUDE_DEPTH;
            if refused && !self.reported.insert((d.file, canonical.clone())) {
                continue;
            }
            let display = display_path(&path);
            if let Some(pos) = stack.iter().position(|(p, _)| *p == canonical) {
                let chain: Vec<&str> =
                    stack.iter().skip(pos).map(|(_, d)| d.as_str()).chain([display.as_str()]).collect();
                self.out.errors.push(
                    ScanError::new(
                        SOURCE,
                        &*at.path,
                        ErrorKind::Malformed,
                        format!("include loop: {}", chain.join(" → ")),
                    )
                    .at(at.clone()),
                );
                continue;
            }
            if stack.len() >= MAX_INCLUDE_DEPTH {
                self.out.errors.push(
                    ScanError::new(
                        SOURCE,
                        &*at.path,
                        ErrorKind::Unsupported,
                        format!("includes nested deeper than {MAX_INCLUDE_DEPTH} files (stackaudit's limit for nginx configuration)"),
                    )
                    .at(at.clone()),
                );
                continue;
            }
            if let Some(directives) = self.load_file(&path, display, stack, depth, Some(&at)) {
                out.extend(directives);
            }
            if self.out.failed {
                return;
            }
        }
    }

    fn canonical(&mut self, path: &Path) -> PathBuf {
        if let Some(c) = self.canonical.get(path) {
            return c.clone();
        }
        let c = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        self.canonical.insert(path.to_path_buf(), c.clone());
        c
    }

    /// The files an include names; `None` when its folder (or file) is not
    /// among the scanned files at all.
    fn resolve(&mut self, pattern: &str, from_file: usize) -> Option<Vec<PathBuf>> {
        let path = Path::new(pattern);
        let mut candidates: Vec<PathBuf> = if path.is_absolute() {
            self.prefixes.iter().flat_map(|p| container_paths(p, path)).collect()
        } else {
            self.prefixes.iter().map(|p| p.join(path)).collect()
        };
        if !path.is_absolute() {
            let including_dir =
                self.paths.get(from_file).and_then(|p| p.parent()).map(Path::to_path_buf).unwrap_or_default();
            candidates.push(including_dir.join(path));
        }
        let files = candidates.into_iter().find_map(|c| expand_glob(&c))?;
        let (kept, left_out): (Vec<PathBuf>, Vec<PathBuf>) = files.into_iter().partition(|f| {
            let canonical = self.canonical(f);
            self.scope.allows(&canonical)
        });
        for f in left_out {
            self.note_left_out(&f);
        }
        Some(kept)
    }

    fn note_left_out(&mut self, path: &Path) {
        let shown = display_path(path);
        if self.left_out.insert(shown.clone()) {
            self.out.skipped.push(Skipped {
                path: shown,
                reason: "nginx include matches it, but it is not among the scanned files (ignored by .gitignore and \
                         not tracked): not read"
                    .into(),
            });
        }
    }
}

/// Where a path inside the container is in the repository: under a known
/// prefix, relative to the prefix folder; otherwise the longest tail of it
/// (folder and name at least) found in the prefix folder or in one of its
/// two parent folders.
fn container_paths(prefix: &Path, path: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for container in CONTAINER_PREFIXES {
        if let Ok(rest) = path.strip_prefix(container) {
            out.push(prefix.join(rest));
        }
    }
    let parts: Vec<&std::ffi::OsStr> =
        path.components().filter_map(|c| if let Component::Normal(p) = c { Some(p) } else { None }).collect();
    let bases: Vec<&Path> = prefix.ancestors().take(3).collect();
    for skip in 1..parts.len().saturating_sub(1) {
        let tail: PathBuf = parts.iter().skip(skip).collect();
        out.extend(bases.iter().map(|b| b.join(&tail)));
    }
    out
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
