//! A baseline is the set of finding IDs of a previous run: findings it
//! already had are marked and do not fail the gate, so a team can adopt the
//! gate without fixing everything on day one. The pipeline reads the
//! previous report; the gate sees only the IDs.

use std::collections::HashSet;

use crate::findings::Finding;

#[derive(Debug, Default)]
pub struct Baseline {
    ids: HashSet<String>,
}

impl FromIterator<String> for Baseline {
    fn from_iter<I: IntoIterator<Item = String>>(ids: I) -> Self {
        Self { ids: ids.into_iter().collect() }
    }
}

impl Baseline {
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
