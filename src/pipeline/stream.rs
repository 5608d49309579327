//! Stage 3 and 4 for a streamed scan: each part of the facts (a compose
//! project, a Dockerfile, a batch of secrets, the live targets) is enriched,
//! evaluated and written to the spool when its collector hands it over,
//! and then dropped. What stays is the findings and the gate's marks.
//!
//! The results equal those of the whole-scan stages: the Dockerfile source
//! runs before the others (their services' roles need its base images),
//! image users come from one cache for the whole scan, and parts are put
//! back in the order the collectors gave them. A scan that audits a live
//! cluster is not streamed: image drift compares it with every manifest.

use std::collections::BTreeMap;
use std::sync::{Mutex, OnceLock, PoisonError, RwLock};

use crate::collect::docker::ImageUsers;
use crate::collect::{FactSink, PartId};
use crate::config::Config;
use crate::diagnostics::{ErrorKind, ScanError};
use crate::facts::role::{self, Role};
use crate::facts::Fact;
use crate::findings::Finding;
use crate::gate::Marks;
use crate::report::spool::{SpoolRange, SpoolWriter, SpooledFacts};
use crate::rules::{Engine, RuleErrors};

/// The engine, once the rules have loaded (on their own thread).
pub type EngineCell = OnceLock<Result<Engine, ScanError>>;

pub struct Streamer<'a> {
    engine: &'a EngineCell,
    images: ImageUsers,
    bases: RwLock<BTreeMap<String, Role>>,
    spool: SpoolWriter,
    parts: Mutex<Vec<Part>>,
    findings: Mutex<Staged>,
}

struct Part {
    errors: RuleErrors,
    marks: Marks,
    written: Result<SpoolRange, ScanError>,
}

/// What the parts add up to.
pub struct Streamed {
    pub findings: Vec<Finding>,
    pub errors: Vec<ScanError>,
    pub marks: Marks,
    pub facts: Option<SpooledFacts>,
}

impl<'a> Streamer<'a> {
    pub fn new(engine: &'a EngineCell, config: &Config, spool: SpoolWriter) -> Self {
        Self {
            engine,
            images: ImageUsers::new(&config.images),
            bases: RwLock::new(BTreeMap::new()),
            spool,
            parts: Mutex::new(Vec::new()),
            findings: Mutex::new(Staged::default()),
        }
    }

    /// The parts in `order` (the collectors' order), added up.
    pub fn finish(self, order: &[(usize, PartId)]) -> Streamed {
        let mut parts: Vec<Option<Part>> =
            self.parts.into_inner().unwrap_or_else(PoisonError::into_inner).into_iter().map(Some).collect();
        // In the order they came: the sort puts them in report order,
        // whatever order the parts finished in.
        let findings = self.findings.into_inner().unwrap_or_else(PoisonError::into_inner).into_vec();
        let (mut rule_errors, mut marks) = (RuleErrors::default(), Marks::default());
        let (mut ranges, mut errors) = (Vec::new(), Vec::new());
        for (_, PartId(id)) in order {
            let Some(part) = parts.get_mut(*id).and_then(Option::take) else { continue };
            rule_errors.merge(part.errors);
            marks.extend(part.marks);
            match part.written {
                Ok(range) => ranges.push(range),
                Err(e) => errors.push(e),
            }
        }
        if let Some(Err(e)) = self.engine.get() {
            errors.insert(0, e.clone());
        }
        errors.extend(rule_errors.finish());
        let facts = match self.spool.finish(ranges) {
            Ok(facts) => Some(facts),
            Err(e) => {
                errors.push(spool_error(&e));
                None
            }
        };
        Streamed { findings, errors, marks, facts }
    }
}

impl FactSink for Streamer<'_> {
    fn take(&self, mut facts: Vec<Fact>) -> PartId {
        let own = role::dockerfile_bases(&facts);
        if !own.is_empty() {
            self.bases.write().unwrap_or_else(PoisonError::into_inner).extend(own);
        }
        self.images.resolve(&mut facts);
        role::assign_roles_with(&mut facts, &self.bases.read().unwrap_or_else(PoisonError::into_inner));
        let (findings, errors) = match self.engine.wait() {
            Ok(engine) => engine.evaluate_counted(&facts),
            Err(_) => (Vec::new(), RuleErrors::default()),
        };
        let marks = Marks::of(&facts);
        let written = self.spool.append(&facts).map_err(|e| spool_error(&e));
        drop(facts);
        self.findings.lock().unwrap_or_else(PoisonError::into_inner).extend(findings);
        let mut parts = self.parts.lock().unwrap_or_else(PoisonError::into_inner);
        parts.push(Part { errors, marks, written });
        PartId(parts.len() - 1)
    }
}

/// Findings held until the end in blocks of a fixed size. Kept per part,
/// each part's small vector sat among the findings' own strings, so its
/// memory could not be returned once they were moved into the one vector
/// the report needs: that copy doubled the findings' share of the peak. A
/// block is one allocation that is freed whole as soon as it is moved.
#[derive(Default)]
struct Staged {
    blocks: Vec<Vec<Finding>>,
    len: usize,
}

/// Findings per block: about 0.5 MB each.
const BLOCK: usize = 2048;

impl Staged {
    fn extend(&mut self, findings: Vec<Finding>) {
        self.len += findings.len();
        for finding in findings {
            match self.blocks.last_mut() {
                Some(block) if block.len() < BLOCK => block.push(finding),
                _ => {
                    let mut block = Vec::with_capacity(BLOCK);
                    block.push(finding);
                    self.blocks.push(block);
                }
            }
        }
    }

    fn into_vec(self) -> Vec<Finding> {
        let mut all = Vec::with_capacity(self.len);
        for block in self.blocks {
            all.extend(block);
        }
        all
    }
}

fn spool_error(e: &anyhow::Error) -> ScanError {
    ScanError::new(
        "report",
        "facts spool",
        ErrorKind::Io,
        format!("cannot write facts to the temporary file that holds them until the report: {e:#}"),
    )
}

/// Fills the engine cell when the rule-loading thread ends without doing
/// so (it failed), so that no collector waits for it forever.
pub struct SetOnExit<'a>(pub &'a EngineCell);

impl Drop for SetOnExit<'_> {
    fn drop(&mut self) {
        let _ = self.0.set(Err(ScanError::new(
            "rules",
            "rules",
            ErrorKind::Internal,
            "the rules could not be loaded, so nothing was evaluated",
        )));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::{FactKind, Subject};

    fn finding(n: usize) -> Finding {
        Finding::bare("r", &n.to_string(), Subject::new(FactKind::Workload, "w"))
    }

    #[test]
    fn staged_findings_come_back_whole_and_in_order_across_blocks() {
        let mut staged = Staged::default();
        let mut n = 0;
        for size in [3, BLOCK, 0, BLOCK - 1, 7] {
            staged.extend((n..n + size).map(finding).collect());
            n += size;
        }
        assert_eq!(staged.blocks.len(), 3);
        assert!(staged.blocks.iter().all(|b| b.capacity() == BLOCK), "no block grew past its size");
        let ids: Vec<usize> = staged.into_vec().iter().map(|f| f.id.parse().unwrap_or(usize::MAX)).collect();
        assert_eq!(ids, (0..n).collect::<Vec<_>>());
    }
}
