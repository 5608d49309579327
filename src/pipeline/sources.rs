//! Stage 2: running the selected sources of `collect::SOURCES`.
//!
//! File sources run in parallel on the thread pool (each also spreads its
//! files over the cores). Network sources run concurrently, each as its own
//! task on a multi-threaded runtime, so a source that blocks a worker holds
//! up no other. A fault in one source costs that source: a panic that
//! escapes its own per-target containment becomes one scan error naming it.
//! Results merge in registry order, network sources first, whatever order
//! they finish in, so reports are stable.

use std::sync::Arc;

use rayon::prelude::*;
use tokio::sync::mpsc;

use crate::collect::files::Discovery;
use crate::collect::{self, CollectContext, Collected, Progress, Source, Work, SOURCES};
use crate::config::sources::Selection;
use crate::diagnostics::{ErrorKind, ScanError};

pub fn collect_all(
    discovery: &Discovery,
    ctx: &CollectContext<'_>,
    selection: &Selection,
    progress: &dyn Progress,
) -> Collected {
    let selected: Vec<&'static (dyn Source + Send)> =
        SOURCES.iter().copied().filter(|s| selection.runs(s.name())).collect();
    let (files, network): (Vec<_>, Vec<_>) = selected.into_iter().partition(|s| s.reads_files());
    let run = |source: &&'static (dyn Source + Send)| match source.work(ctx, progress) {
        Work::Files(collect) => {
            let name = source.name();
            collect::contained(name, &format!("{name} collector"), || collect(discovery, ctx)).streamed(ctx)
        }
        Work::Network(_) => Collected::default(),
    };
    // A streamed scan evaluates facts as they come: the sources others'
    // facts depend on go first.
    let first = |source: &&'static (dyn Source + Send)| ctx.sink.is_some() && source.runs_first();
    let (file_parts, mut out) = rayon::join(
        || {
            let early: Vec<Collected> =
                files.par_iter().map(|s| if first(s) { run(s) } else { Collected::default() }).collect();
            files.par_iter().zip(early).map(|(s, done)| if first(s) { done } else { run(s) }).collect::<Collected>()
        },
        || run_network(&network, ctx, progress),
    );
    out.merge(file_parts);
    out
}

/// A progress report from a network task, relayed to the caller's
/// `Progress` (which need not be `Send`).
struct Count {
    what: String,
    done: u64,
    total: Option<u64>,
}

struct Relay(mpsc::UnboundedSender<Count>);

impl Progress for Relay {
    fn count(&self, what: &str, done: u64, total: Option<u64>) {
        // The receiver lives until every task has finished.
        let _ = self.0.send(Count { what: what.to_string(), done, total });
    }
}

fn run_network(
    sources: &[&'static (dyn Source + Send)],
    ctx: &CollectContext<'_>,
    progress: &dyn Progress,
) -> Collected {
    let mut out = Collected::default();
    if sources.is_empty() {
        return out;
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            out.error(ScanError::new(
                "runtime",
                "async runtime",
                ErrorKind::Io,
                format!("cannot start the network runtime: {e}"),
            ));
            return out;
        }
    };
    // Each task owns what it reads: tasks outlive no borrow.
    let config = Arc::new(ctx.config.clone());
    let detector = ctx.detector.clone();
    let (sender, mut counts) = mpsc::unbounded_channel();
    let parts = runtime.block_on(async {
        let handles: Vec<_> = sources
            .iter()
            .map(|&source| {
                let (config, detector, relay) = (config.clone(), detector.clone(), Relay(sender.clone()));
                let task = tokio::spawn(async move {
                    let ctx = CollectContext { config: &config, detector: &detector, sink: None };
                    let collected = match source.work(&ctx, &relay) {
                        Work::Network(work) => {
                            let name = source.name();
                            collect::contained_future(name, &format!("{name} collector"), work).await
                        }
                        Work::Files(_) => Collected::default(),
                    };
                    collected
                });
                (source.name(), task)
            })
            .collect();
        drop(sender);
        let waiting = futures::future::join_all(handles.into_iter().map(|(name, task)| async move {
            task.await.unwrap_or_else(|e| {
                let why = if e.is_panic() { "crashed" } else { "was cancelled" };
                collect::panicked(name, &format!("{name} collector"), &format!("the task {why}"))
            })
        }));
        tokio::pin!(waiting);
        loop {
            tokio::select! {
                Some(c) = counts.recv() => progress.count(&c.what, c.done, c.total),
                parts = &mut waiting => break parts,
            }
        }
    });
    out.extend(parts);
    out
}

#[cfg(test)]
mod tests {
    use crate::collect::source_names;
    use crate::config::sources::{canonical, ALIASES};

    #[test]
    fn source_names_are_unique_and_every_alias_selects_a_registered_source() {
        let names = source_names();
        let mut unique = names.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), names.len(), "{names:?}");
        for (alias, name) in ALIASES {
            assert!(!names.contains(alias), "{alias} is both a name and an alias");
            assert_eq!(canonical(alias, &names), Some(*name), "{alias}");
        }
    }
}
