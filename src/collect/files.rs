//! Finding the files to scan: one walk of the given paths, shared by every
//! file collector. What `.gitignore` keeps out and what is not a regular
//! file are recorded under `skipped`, never dropped silently (see `walk`).

mod git;
mod walk;

use std::io::Read;
use std::path::{Path, PathBuf};

use ignore::overrides::{Override, OverrideBuilder};

use crate::diagnostics::{ErrorKind, ScanError, Skipped};

pub use git::MAX_INDEX_BYTES;

/// Largest input accepted on standard input.
const MAX_STDIN_BYTES: u64 = 256 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct DiscoveredFile {
    pub path: PathBuf,
    /// The path as shown in reports (as the user gave it, `./` stripped).
    pub display: String,
    pub size: u64,
    /// Named on the command line rather than found by walking a folder.
    pub explicit: bool,
}

impl DiscoveredFile {
    pub fn file_name(&self) -> &str {
        self.path.file_name().and_then(|n| n.to_str()).unwrap_or("")
    }
}

#[derive(Debug, Default)]
pub struct Discovery {
    pub files: Vec<DiscoveredFile>,
    /// Text read from standard input (`stackaudit scan -`).
    pub stdin: Option<String>,
    pub errors: Vec<ScanError>,
    /// Files deliberately not scanned: FIFOs, devices, links leading out of
    /// the scanned folder, and a count of what `.gitignore` excluded.
    pub skipped: Vec<Skipped>,
    /// The folders walked, canonical: a file under one of them that is not
    /// in `files` was left out on purpose (ignored, untracked), and a
    /// collector following references (nginx includes) must not read it.
    pub roots: Vec<PathBuf>,
}

impl Discovery {
    pub fn by_name<'a>(
        &'a self,
        pred: impl Fn(&DiscoveredFile) -> bool + 'a,
    ) -> impl Iterator<Item = &'a DiscoveredFile> {
        self.files.iter().filter(move |f| pred(f))
    }
}

pub use crate::input::display_path;

/// Walks `paths` (files or folders; `-` is standard input).
pub fn discover(paths: &[PathBuf], exclude: &[String]) -> Discovery {
    let mut discovery = Discovery::default();
    let mut files = Vec::new();
    for root in paths {
        if root.as_os_str() == "-" {
            read_stdin(&mut discovery);
            continue;
        }
        let shown = display_path(root);
        let meta = match std::fs::metadata(root) {
            Ok(m) => m,
            Err(e) => {
                discovery.errors.push(ScanError::new(
                    "files",
                    &shown,
                    ErrorKind::from_io(&e),
                    format!("cannot scan this path: {e}"),
                ));
                continue;
            }
        };
        if meta.is_file() {
            files.push(DiscoveredFile { path: root.clone(), display: shown, size: meta.len(), explicit: true });
            continue;
        }
        if !meta.is_dir() {
            // `scan /dev/zero` or a FIFO: nothing to read, and saying so
            // beats an empty, passing scan.
            let kind = crate::input::special_kind(meta.file_type()).unwrap_or("not a regular file");
            discovery.errors.push(ScanError::new(
                "files",
                &shown,
                ErrorKind::Unsupported,
                format!("cannot scan this path: it is {kind}, and only regular files and folders are scanned"),
            ));
            continue;
        }
        if let Ok(canonical) = std::fs::canonicalize(root) {
            discovery.roots.push(canonical);
        }
        let (excludes, errors) = excludes(root, exclude);
        discovery.errors.extend(errors);
        let walked = walk::walk(root, &excludes);
        files.extend(walked.files);
        discovery.skipped.extend(walked.skipped);
        discovery.errors.extend(walked.errors);
    }
    files.sort();
    files.dedup_by(|a, b| a.path == b.path);
    discovery.files = files;
    discovery
}

/// `scan.exclude` patterns (gitignore syntax) for the folder `root`; an
/// invalid pattern is an error and the others still apply.
fn excludes(root: &Path, patterns: &[String]) -> (Override, Vec<ScanError>) {
    let mut errors = Vec::new();
    if patterns.is_empty() {
        return (Override::empty(), errors);
    }
    let base = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let mut builder = OverrideBuilder::new(base);
    for pattern in patterns {
        if let Err(e) = builder.add(&format!("!{pattern}")) {
            errors.push(ScanError::new("files", pattern, ErrorKind::Config, format!("invalid exclude pattern: {e}")));
        }
    }
    let excludes = builder.build().unwrap_or_else(|e| {
        errors.push(ScanError::new(
            "files",
            "scan.exclude",
            ErrorKind::Config,
            format!("invalid exclude patterns: {e}"),
        ));
        Override::empty()
    });
    (excludes, errors)
}

fn read_stdin(discovery: &mut Discovery) {
    let mut buf = Vec::new();
    let read = std::io::stdin().lock().take(MAX_STDIN_BYTES + 1).read_to_end(&mut buf);
    let result = read.map_err(crate::input::ReadError::from).and_then(|_| {
        if buf.len() as u64 > MAX_STDIN_BYTES {
            Err(crate::input::ReadError::TooLarge { size: buf.len() as u64, limit: MAX_STDIN_BYTES })
        } else {
            crate::input::bytes_to_text(std::mem::take(&mut buf))
        }
    });
    match result {
        Ok(text) => discovery.stdin = Some(text),
        Err(e) => discovery.errors.push(e.into_scan_error("files", "<stdin>")),
    }
}
