//! A baseline is a previous JSON report: findings it already had are marked
//! and do not fail the gate, so a team can adopt the gate without fixing
//! everything on day one.

use std::collections::HashSet;
use std::path::Path;

use crate::diagnostics::{ErrorKind, ScanError};
use crate::findings::Finding;

pub struct Baseline {
    ids: HashSet<String>,
}

impl Baseline {
    pub fn load(path: &Path) -> Result<Self, ScanError> {
        let report = crate::report::json::load(path)
            .map_err(|e| ScanError::new("baseline", path.display().to_string(), ErrorKind::Config, format!("{e:#}")))?;
        Ok(Self { ids: report.findings.into_iter().map(|f| f.id).collect() })
    }

    /// Marks findings present in the baseline, under their ID or an ID an
    /// earlier version gave them; returns how many.
    pub fn apply(&self, findings: &mut [Finding]) -> usize {
        let mut n = 0;
        let known = |f: &Finding| self.ids.contains(&f.id) || f.legacy_ids.iter().any(|id| self.ids.contains(id));
        for f in findings.iter_mut().filter(|f| known(f)) {
            f.baseline = true;
            n += 1;
        }
        n
    }
}
