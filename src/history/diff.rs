//! New, resolved and unchanged findings between two runs, matched by
//! fingerprint (which ignores line numbers, so moved lines are "unchanged").
//! Works on findings: whoever read the previous run (the pipeline, `diff`)
//! hands over its findings and when it ran.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::findings::Finding;

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct Diff {
    pub previous: PreviousRun,
    /// Fingerprints of findings this run has that the previous did not.
    pub new: Vec<String>,
    /// Fingerprints of findings both runs have.
    pub unchanged: Vec<String>,
    /// Findings of the previous run that are gone, as they were then.
    pub resolved: Vec<Finding>,
}

/// Which run this one was compared with.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
pub struct PreviousRun {
    pub path: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
}

impl Diff {
    /// The new fingerprints as a set, for membership tests.
    pub fn new_ids(&self) -> HashSet<&str> {
        self.new.iter().map(String::as_str).collect()
    }
}

/// Compares `current` with the findings of the run `run` describes.
pub fn diff_findings(run: PreviousRun, previous: &[Finding], current: &[Finding]) -> Diff {
    let before: HashSet<&str> = previous.iter().map(|f| f.id.as_str()).collect();
    let now: HashSet<&str> = current.iter().map(|f| f.id.as_str()).collect();
    let mut new = Vec::new();
    let mut unchanged = Vec::new();
    for f in current {
        if before.contains(f.id.as_str()) {
            unchanged.push(f.id.clone());
        } else {
            new.push(f.id.clone());
        }
    }
    let resolved = previous.iter().filter(|f| !now.contains(f.id.as_str())).cloned().collect();
    Diff { previous: run, new, unchanged, resolved }
}
