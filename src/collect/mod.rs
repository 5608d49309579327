//! Collectors: one module per source. Each turns targets into facts and
//! records its own errors; none knows anything about rules.

pub mod dotenv;
pub mod error_chain;
pub mod files;
pub mod interpolate;
pub mod locations;
pub mod privileges;
pub mod source;
pub mod stream;
pub mod yaml;

pub mod cluster;
pub mod compose;
pub mod dns;
pub mod docker;
pub mod dockerfile;
pub mod firewall;
pub mod http;
pub mod kubernetes;
pub mod nginx;
pub mod secrets;
pub mod tls;

use crate::config::Config;
pub use source::{FileSource, NetworkSource, Source, Work};
pub use stream::{FactSink, PartId};

/// Every source, in report order. Adding a source: its folder under
/// `collect/` and one line here; its name is what `--only`/`--skip` and
/// `[scan] only/skip` accept (see [`source_names`]).
pub static SOURCES: &[&(dyn Source + Send)] = &[
    &FileSource { name: "compose", collect: compose::collect, first: false },
    &FileSource { name: "dockerfile", collect: dockerfile::collect, first: true },
    &FileSource { name: "kubernetes", collect: kubernetes::collect, first: false },
    &FileSource { name: "nginx", collect: nginx::collect, first: false },
    &FileSource { name: "secrets", collect: secrets::collect, first: false },
    &NetworkSource { name: "docker", collect: |ctx, _| Box::pin(docker::collect(ctx)) },
    &NetworkSource { name: "kubernetes-api", collect: |ctx, progress| Box::pin(cluster::collect(ctx, progress)) },
    &NetworkSource { name: "tls", collect: |ctx, _| Box::pin(tls::collect(ctx)) },
    &NetworkSource { name: "http", collect: |ctx, _| Box::pin(http::collect(ctx)) },
    &NetworkSource { name: "dns", collect: |ctx, _| Box::pin(dns::collect(ctx)) },
    &NetworkSource { name: "firewall", collect: |ctx, _| Box::pin(firewall::collect(ctx)) },
];
/// The names of [`SOURCES`], in order: the vocabulary the config and the
/// command line validate `only`/`skip` against (config may not import this
/// module, so the CLI passes it in).
pub fn source_names() -> Vec<&'static str> {
    SOURCES.iter().map(|s| s.name()).collect()
}

use crate::diagnostics::{ScanError, Skipped};
use crate::facts::Fact;

/// What a collector produced.
#[derive(Debug, Default)]
pub struct Collected {
    pub facts: Vec<Fact>,
    /// Facts already handed to the pipeline's [`FactSink`], each part with
    /// the number of `facts` before it, so the order of facts across both
    /// stays the order of the files they came from.
    pub streamed: Vec<(usize, PartId)>,
    pub errors: Vec<ScanError>,
    pub skipped: Vec<Skipped>,
    pub stats: Stats,
}

#[derive(Debug, Default, Clone, Copy)]
pub struct Stats {
    pub files: usize,
    pub bytes: u64,
}

impl Collected {
    pub fn merge(&mut self, other: Collected) {
        let before = self.facts.len();
        self.streamed.extend(other.streamed.into_iter().map(|(at, part)| (at + before, part)));
        self.facts.extend(other.facts);
        self.errors.extend(other.errors);
        self.skipped.extend(other.skipped);
        self.stats.files += other.stats.files;
        self.stats.bytes += other.stats.bytes;
    }

    pub fn error(&mut self, error: ScanError) {
        self.errors.push(error);
    }
}

/// Parts merge in the order given, so facts and errors keep the order of
/// the files and targets they came from.
impl Extend<Collected> for Collected {
    fn extend<I: IntoIterator<Item = Collected>>(&mut self, parts: I) {
        for part in parts {
            self.merge(part);
        }
    }
}

impl FromIterator<Collected> for Collected {
    fn from_iter<I: IntoIterator<Item = Collected>>(parts: I) -> Self {
        let mut out = Collected::default();
        out.extend(parts);
        out
    }
}

/// Parallel parts merge in the iterator's order too, not in the order they
/// finish: reports stay stable whatever the thread count.
impl rayon::iter::FromParallelIterator<Collected> for Collected {
    fn from_par_iter<I: rayon::iter::IntoParallelIterator<Item = Collected>>(parts: I) -> Self {
        use rayon::iter::ParallelIterator;
        parts.into_par_iter().collect::<Vec<Collected>>().into_iter().collect()
    }
}

/// Runs one item's work (a file, a project, a network target); a panic in
/// it becomes one scan error naming the item, and the other items' results
/// are kept.
pub fn contained(source: &str, item: &str, work: impl FnOnce() -> Collected) -> Collected {
    crate::contain::catch(|| {
        crate::contain::test_trigger(item);
        work()
    })
    .unwrap_or_else(|description| panicked(source, item, &description))
}

/// [`contained`] for a network target's future.
pub async fn contained_future(
    source: &str,
    item: &str,
    work: impl std::future::Future<Output = Collected>,
) -> Collected {
    let guarded = async {
        crate::contain::test_trigger(item);
        work.await
    };
    crate::contain::catch_future(guarded).await.unwrap_or_else(|description| panicked(source, item, &description))
}

/// The scan error for a contained panic.
pub fn panicked(source: &str, item: &str, description: &str) -> Collected {
    let mut out = Collected::default();
    out.error(ScanError::new(
        source,
        item,
        crate::diagnostics::ErrorKind::Internal,
        crate::contain::message(&format!("auditing {item}"), description),
    ));
    out
}

/// Progress callbacks, so the CLI can show a spinner without the pipeline
/// or a collector knowing about terminals.
pub trait Progress: Sync {
    fn stage(&self, _name: &str) {}
    /// Items done so far in a long collection (`total` when known).
    fn count(&self, _what: &str, _done: u64, _total: Option<u64>) {}
}

pub struct NoProgress;
impl Progress for NoProgress {}

/// What every collector may read.
pub struct CollectContext<'a> {
    pub config: &'a Config,
    /// The secret matcher the pipeline built from the secret rules: the file
    /// scan and the classification of literal values (environment, build
    /// args) use the same one.
    pub detector: &'a secrets::Detector,
    /// Where a collector hands each unit's facts once it has them (a
    /// streamed scan, see [`stream`]); `None`: they stay in `Collected`.
    pub sink: Option<&'a dyn FactSink>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::ErrorKind;
    use rayon::prelude::*;

    fn part(target: &str, bytes: u64) -> Collected {
        let mut c = Collected { stats: Stats { files: 1, bytes }, ..Collected::default() };
        c.error(ScanError::new("test", target, ErrorKind::Io, "x"));
        c
    }

    #[test]
    fn parts_merge_in_the_order_given_sequentially_and_in_parallel() {
        let names: Vec<String> = (0..200).map(|i| format!("t{i}")).collect();
        let sequential: Collected = names.iter().map(|n| part(n, 2)).collect();
        let parallel: Collected = names.par_iter().map(|n| part(n, 2)).collect();
        for merged in [&sequential, &parallel] {
            let targets: Vec<&String> = merged.errors.iter().map(|e| &e.target).collect();
            assert_eq!(targets, names.iter().collect::<Vec<_>>());
            assert_eq!((merged.stats.files, merged.stats.bytes), (200, 400));
        }
        let mut extended = part("first", 1);
        extended.extend([part("second", 1)]);
        assert_eq!(extended.errors.iter().map(|e| e.target.as_str()).collect::<Vec<_>>(), ["first", "second"]);
    }
}
