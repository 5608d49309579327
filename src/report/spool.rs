//! The facts of a streamed scan, written to an unnamed temporary file as
//! each part is evaluated, in the exact text the JSON report gives them,
//! and copied into every JSON report written from the run. A tree of
//! 10,000 services has 100 MB of facts: held as values until the report,
//! they were most of the scan's peak memory.

use std::collections::HashMap;
use std::fs::File;
use std::io::Write;
use std::os::unix::fs::FileExt;
use std::sync::{Arc, Mutex, PoisonError};

use crate::facts::{Fact, FactData};

/// Where one part's facts are in the spool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpoolRange {
    offset: u64,
    len: u64,
    count: usize,
}

/// The workload platform of each `(scope, name)`: the HTML report's source
/// filter reads it from the facts.
pub type Platforms = HashMap<(Option<String>, String), String>;

/// Appends parts' facts to the spool from any thread.
pub struct SpoolWriter {
    state: Mutex<Writing>,
}

struct Writing {
    file: File,
    end: u64,
    platforms: Platforms,
}

impl SpoolWriter {
    /// A spool in the temporary folder; the file has no name, so nothing is
    /// left behind however the process ends.
    pub fn new() -> std::io::Result<Self> {
        let file = tempfile::tempfile()?;
        Ok(Self { state: Mutex::new(Writing { file, end: 0, platforms: Platforms::new() }) })
    }

    /// Writes `facts` as report text (serialised before taking the lock,
    /// so parts serialise in parallel).
    pub fn append(&self, facts: &[Fact]) -> anyhow::Result<SpoolRange> {
        let mut text = Vec::new();
        for fact in facts {
            super::json::element(fact, &mut text)?;
        }
        let platforms: Vec<_> = facts.iter().filter_map(platform_of).collect();
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let offset = state.end;
        state.file.write_all(&text)?;
        state.end += text.len() as u64;
        state.platforms.extend(platforms);
        Ok(SpoolRange { offset, len: text.len() as u64, count: facts.len() })
    }

    /// The spool as a report reads it: `ranges` in report order.
    pub fn finish(self, ranges: Vec<SpoolRange>) -> anyhow::Result<SpooledFacts> {
        let mut state = self.state.into_inner().unwrap_or_else(PoisonError::into_inner);
        state.file.flush()?;
        Ok(SpooledFacts { file: Arc::new(state.file), ranges: ranges.into(), platforms: Arc::new(state.platforms) })
    }
}

/// A streamed scan's facts, ready to copy into reports.
#[derive(Clone)]
pub struct SpooledFacts {
    file: Arc<File>,
    ranges: Arc<[SpoolRange]>,
    platforms: Arc<Platforms>,
}

impl std::fmt::Debug for SpooledFacts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SpooledFacts").field("facts", &self.count()).finish_non_exhaustive()
    }
}

impl SpooledFacts {
    pub fn count(&self) -> usize {
        self.ranges.iter().map(|r| r.count).sum()
    }

    pub fn platforms(&self) -> &Platforms {
        &self.platforms
    }

    /// Copies the facts' text to `out`, as elements of the report's `facts`
    /// array; `first`: no element precedes them.
    pub fn copy_to(&self, out: &mut dyn Write, first: bool) -> std::io::Result<()> {
        let mut buf = vec![0; 1 << 20];
        let mut skip_separator = first;
        for range in self.ranges.iter() {
            let (mut at, end) = (range.offset, range.offset + range.len);
            while at < end {
                let want = usize::try_from(end - at).unwrap_or(usize::MAX).min(buf.len());
                let chunk = buf.get_mut(..want).unwrap_or_default();
                self.file.read_exact_at(chunk, at)?;
                at += want as u64;
                // Every element is written with the `,` before it; the
                // array's first has none.
                let chunk =
                    if std::mem::take(&mut skip_separator) { chunk.get(1..).unwrap_or_default() } else { chunk };
                out.write_all(chunk)?;
            }
        }
        Ok(())
    }
}

/// A workload fact's `(scope, name)` and platform.
fn platform_of(fact: &Fact) -> Option<((Option<String>, String), String)> {
    Some(((fact.subject.scope.clone(), fact.subject.name.clone()), workload_platform(fact)?))
}

/// A workload fact's platform as reports name it (`compose`, `kubernetes`).
pub fn workload_platform(fact: &Fact) -> Option<String> {
    let FactData::Workload(w) = &fact.data else { return None };
    Some(serde_json::to_value(w.platform).ok()?.as_str()?.to_string())
}
