//! Streamed scans: a collector hands each unit's facts (a compose project,
//! a Dockerfile, a batch of secrets) to the pipeline as soon as it has them,
//! and the pipeline evaluates them and writes them out before the next
//! units are read. Peak memory is then what the units in flight and the
//! findings need, not every fact of the tree at once.
//!
//! The collector learns nothing about rules: it gets a [`PartId`] back,
//! which keeps the place of those facts among the ones it still holds.

use super::{CollectContext, Collected};
use crate::facts::Fact;

/// The pipeline's handle on facts a collector handed over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PartId(pub usize);

/// Takes a unit's facts for good.
pub trait FactSink: Sync {
    fn take(&self, facts: Vec<Fact>) -> PartId;
}

impl Collected {
    /// Hands the facts still held to the context's sink, if the scan is
    /// streamed; errors, skipped files and counts stay.
    pub fn streamed(mut self, ctx: &CollectContext<'_>) -> Self {
        if let Some(sink) = ctx.sink {
            self.stream_into(sink);
        }
        self
    }

    /// Hands every fact still held to `sink`, a part per run of facts
    /// between parts handed over before, so the order is kept.
    pub fn stream_into(&mut self, sink: &dyn FactSink) {
        if self.facts.is_empty() {
            return;
        }
        let mut facts = std::mem::take(&mut self.facts).into_iter();
        let mut parts = Vec::with_capacity(self.streamed.len() + 1);
        let mut taken = 0;
        for (at, part) in std::mem::take(&mut self.streamed) {
            let run: Vec<Fact> = facts.by_ref().take(at.saturating_sub(taken)).collect();
            taken = taken.max(at);
            if !run.is_empty() {
                parts.push((0, sink.take(run)));
            }
            parts.push((0, part));
        }
        let rest: Vec<Fact> = facts.collect();
        if !rest.is_empty() {
            parts.push((0, sink.take(rest)));
        }
        self.streamed = parts;
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;
    use crate::facts::{FactData, FactKind, Subject};

    /// Keeps what it was given, in the order it was given.
    #[derive(Default)]
    struct Keep(Mutex<Vec<Vec<String>>>);

    impl FactSink for Keep {
        fn take(&self, facts: Vec<Fact>) -> PartId {
            let mut parts = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            parts.push(facts.into_iter().map(|f| f.subject.name).collect());
            PartId(parts.len() - 1)
        }
    }

    fn fact(name: &str) -> Fact {
        let data = FactData::from_partial(FactKind::Workload, toml::Value::Table(Default::default()));
        Fact::new(Subject::new(FactKind::Workload, name), data.unwrap_or_else(|e| panic!("{e}")))
    }

    fn held(names: &[&str]) -> Collected {
        Collected { facts: names.iter().map(|n| fact(n)).collect(), ..Collected::default() }
    }

    #[test]
    fn facts_held_and_handed_over_keep_their_order_through_merges() {
        let sink = Keep::default();
        let mut first = held(&["a", "b"]);
        first.stream_into(&sink);
        let mut out = held(&["x"]);
        out.merge(first);
        out.merge(held(&["c"]));
        let mut second = held(&["d"]);
        second.stream_into(&sink);
        out.merge(second);
        out.merge(held(&["e", "f"]));
        out.stream_into(&sink);
        assert!(out.facts.is_empty());
        let parts = sink.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
        let order: Vec<String> =
            out.streamed.iter().flat_map(|(_, PartId(i))| parts.get(*i).cloned().unwrap_or_default()).collect();
        assert_eq!(order, ["x", "a", "b", "c", "d", "e", "f"]);
    }
}
