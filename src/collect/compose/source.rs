//! Reading compose files: each file is read and parsed once per scan,
//! however many projects, `extends` and `include`s use it, and its read or
//! syntax error is reported once.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use crate::collect::yaml::{self, Node};
use crate::collect::Collected;
use crate::diagnostics::{ErrorKind, ScanError};
use crate::input::read_text;

use super::SOURCE;

/// One parsed file: its mapping documents, in order (Docker Compose merges
/// the documents of a multi-document file like `-f` files).
#[derive(Debug)]
pub struct Loaded {
    pub display: String,
    pub path: PathBuf,
    pub docs: Vec<Node>,
}

/// Why a file gave nothing.
#[derive(Debug, Clone)]
pub enum Failure {
    /// It could not be read: the error, for whoever reports it (a project
    /// file's error names the file; a file referenced by `extends` or
    /// `include` is reported where it is referenced).
    Read(ScanError),
    /// It is not valid YAML or not a mapping: reported when first read.
    Parse,
}

type Slot = Arc<OnceLock<Result<Arc<Loaded>, Failure>>>;

pub struct Sources {
    limit: u64,
    cache: Mutex<HashMap<PathBuf, Slot>>,
    /// How many planned projects still need each file: a file's parse tree
    /// is dropped when the last one is done, so memory follows the projects
    /// in flight rather than the whole tree (1,000 projects held 1,000
    /// trees until the end of the scan).
    pending: Mutex<HashMap<PathBuf, usize>>,
    /// Files already counted in the statistics: a file dropped and read
    /// again (an `extends` target shared late) counts once.
    counted: Mutex<std::collections::HashSet<PathBuf>>,
    report: Mutex<Collected>,
}

/// The key a file is cached under: its real path, so `a/../b/x.yml` and a
/// symlink to it are one file.
pub fn key(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

impl Sources {
    pub fn new(limit: u64) -> Self {
        Self {
            limit,
            cache: Mutex::new(HashMap::new()),
            pending: Mutex::new(HashMap::new()),
            counted: Mutex::new(std::collections::HashSet::new()),
            report: Mutex::new(Collected::default()),
        }
    }

    /// Records that a project will read `path`.
    pub fn expect_use(&self, path: &Path) {
        *self.pending.lock().unwrap_or_else(|e| e.into_inner()).entry(key(path)).or_default() += 1;
    }

    /// A project that read `path` is done: the last one drops its tree. A
    /// later reader (through `extends` or `include`) reads it again; its
    /// errors are deduplicated at the end and its statistics count once.
    pub fn done_with(&self, path: &Path) {
        let key = key(path);
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        let Some(n) = pending.get_mut(&key) else { return };
        *n = n.saturating_sub(1);
        if *n == 0 {
            pending.remove(&key);
            self.cache.lock().unwrap_or_else(|e| e.into_inner()).remove(&key);
        }
    }

    fn slot(&self, key: PathBuf) -> Slot {
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        cache.entry(key).or_default().clone()
    }

    /// Records text that was already read and parsed (a sniffed YAML file,
    /// standard input).
    pub fn insert(&self, key: PathBuf, loaded: Loaded, bytes: u64) {
        let slot = self.slot(key.clone());
        if slot.set(Ok(Arc::new(loaded))).is_ok() {
            self.count(&key, bytes);
        }
    }

    /// The parsed file. A parse error is recorded the first time; a read
    /// error is returned for the caller to report.
    pub fn load(&self, path: &Path, display: &str) -> Result<Arc<Loaded>, Failure> {
        let slot = self.slot(key(path));
        slot.get_or_init(|| self.read(path, display).map(Arc::new)).clone()
    }

    /// A project file: its read error is recorded too (once however many
    /// projects list it: errors are deduplicated at the end).
    pub fn load_reporting(&self, path: &Path, display: &str) -> Option<Arc<Loaded>> {
        match self.load(path, display) {
            Ok(l) => Some(l),
            Err(Failure::Read(e)) => {
                self.error(e);
                None
            }
            Err(Failure::Parse) => None,
        }
    }

    /// [`load`](Self::load) of a file whose text the caller already read.
    pub fn load_text(&self, path: &Path, display: &str, text: &str) -> Result<Arc<Loaded>, Failure> {
        let slot = self.slot(key(path));
        slot.get_or_init(|| self.parse_text(path, display, text).map(Arc::new)).clone()
    }

    /// The file's text, read under the scan's size limit.
    pub fn read_text(&self, path: &Path, display: &str) -> Result<String, ScanError> {
        read_text(path, self.limit).map_err(|e| e.into_scan_error(SOURCE, display))
    }

    fn read(&self, path: &Path, display: &str) -> Result<Loaded, Failure> {
        let text = self.read_text(path, display).map_err(Failure::Read)?;
        self.parse_text(path, display, &text)
    }

    fn parse_text(&self, path: &Path, display: &str, text: &str) -> Result<Loaded, Failure> {
        self.count(&key(path), text.len() as u64);
        match parse(text, display) {
            Ok(docs) => Ok(Loaded { display: display.to_string(), path: path.to_path_buf(), docs }),
            Err(e) => {
                self.error(e);
                Err(Failure::Parse)
            }
        }
    }

    fn count(&self, key: &Path, bytes: u64) {
        if !self.counted.lock().unwrap_or_else(|e| e.into_inner()).insert(key.to_path_buf()) {
            return;
        }
        let mut report = self.report.lock().unwrap_or_else(|e| e.into_inner());
        report.stats.files += 1;
        report.stats.bytes += bytes;
    }

    fn error(&self, e: ScanError) {
        self.report.lock().unwrap_or_else(|e| e.into_inner()).error(e);
    }

    /// Errors and counts of every file read.
    pub fn into_report(self) -> Collected {
        self.report.into_inner().unwrap_or_else(|e| e.into_inner())
    }
}

/// The mapping documents of a compose file. A document that is not a
/// mapping is an error; an empty one is nothing.
pub fn parse(text: &str, display: &str) -> Result<Vec<Node>, ScanError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let docs = yaml::parse_documents(text).map_err(|e| {
        ScanError::new(SOURCE, display, ErrorKind::Malformed, format!("invalid YAML: {e}")).at(e.location(display))
    })?;
    let mut out = Vec::with_capacity(docs.len());
    for doc in docs {
        if doc.is_null() {
            continue;
        }
        if doc.as_map().is_none() {
            return Err(ScanError::new(
                SOURCE,
                display,
                ErrorKind::Malformed,
                format!("not a compose file: the document is a {}, not a mapping", doc.type_name()),
            )
            .at(doc.location(display)));
        }
        out.push(doc);
    }
    Ok(out)
}
