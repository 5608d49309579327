//! Finding the files to scan: one walk of the given paths, honouring
//! `.gitignore` and the configured excludes, shared by every file collector.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use ignore::overrides::OverrideBuilder;
use ignore::{WalkBuilder, WalkState};

use crate::diagnostics::{ErrorKind, ScanError};

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
}

impl Discovery {
    pub fn by_name<'a>(
        &'a self,
        pred: impl Fn(&DiscoveredFile) -> bool + 'a,
    ) -> impl Iterator<Item = &'a DiscoveredFile> {
        self.files.iter().filter(move |f| pred(f))
    }
}

/// The display form of a path: relative paths stay relative, `./` dropped.
pub fn display_path(path: &Path) -> String {
    let s = path.to_string_lossy();
    s.strip_prefix("./").unwrap_or(&s).to_string()
}

/// Walks `paths` (files or folders; `-` is standard input).
pub fn discover(paths: &[PathBuf], exclude: &[String]) -> Discovery {
    let mut discovery = Discovery::default();
    let found = Mutex::new(Vec::new());
    let errors = Mutex::new(Vec::new());
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
            found.lock().unwrap().push(DiscoveredFile {
                path: root.clone(),
                display: shown,
                size: meta.len(),
                explicit: true,
            });
            continue;
        }
        let mut builder = WalkBuilder::new(root);
        // Hidden files matter here: `.env` is where secrets leak.
        builder.hidden(false).git_ignore(true).git_exclude(true).parents(true).require_git(false);
        builder.filter_entry(|e| e.file_name() != ".git");
        if !exclude.is_empty() {
            let mut ob = OverrideBuilder::new(root);
            for pattern in exclude {
                if let Err(e) = ob.add(&format!("!{pattern}")) {
                    discovery.errors.push(ScanError::new(
                        "files",
                        pattern,
                        ErrorKind::Config,
                        format!("invalid exclude pattern: {e}"),
                    ));
                }
            }
            if let Ok(ov) = ob.build() {
                builder.overrides(ov);
            }
        }
        builder.build_parallel().run(|| {
            Box::new(|entry| {
                match entry {
                    // A symlink to a regular file is read like the file (a
                    // `docker-compose.yml` linked to a shared one).
                    Ok(e) if e.file_type().is_some_and(|t| t.is_file() || (t.is_symlink() && e.path().is_file())) => {
                        let size = std::fs::metadata(e.path()).map(|m| m.len()).unwrap_or(0);
                        let path = e.into_path();
                        let display = display_path(&path);
                        found.lock().unwrap().push(DiscoveredFile { path, display, size, explicit: false });
                    }
                    Ok(_) => {}
                    Err(err) => {
                        let target = match &err {
                            ignore::Error::WithPath { path, .. } => display_path(path),
                            _ => String::from("(walk)"),
                        };
                        let kind = err.io_error().map_or(ErrorKind::Io, ErrorKind::from_io);
                        errors.lock().unwrap().push(ScanError::new(
                            "files",
                            target,
                            kind,
                            format!("cannot read: {err}"),
                        ));
                    }
                }
                WalkState::Continue
            })
        });
    }
    let mut files = found.into_inner().unwrap();
    files.sort();
    files.dedup_by(|a, b| a.path == b.path);
    discovery.files = files;
    let mut errs = errors.into_inner().unwrap();
    errs.sort_by(|a, b| a.target.cmp(&b.target));
    discovery.errors.extend(errs);
    discovery
}

fn read_stdin(discovery: &mut Discovery) {
    let mut buf = Vec::new();
    let read = std::io::stdin().lock().take(MAX_STDIN_BYTES + 1).read_to_end(&mut buf);
    let result = read.map_err(super::text::ReadError::from).and_then(|_| {
        if buf.len() as u64 > MAX_STDIN_BYTES {
            Err(super::text::ReadError::TooLarge { size: buf.len() as u64, limit: MAX_STDIN_BYTES })
        } else {
            super::text::bytes_to_text(std::mem::take(&mut buf))
        }
    });
    match result {
        Ok(text) => discovery.stdin = Some(text),
        Err(e) => discovery.errors.push(e.into_scan_error("files", "<stdin>")),
    }
}
