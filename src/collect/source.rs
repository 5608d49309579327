//! Sources are a list: each implements [`Source`] in its own folder and is
//! registered with one line in [`SOURCES`](super::SOURCES). The pipeline
//! runs the selected file sources in parallel on the thread pool and each
//! network source as its own task on the async runtime, so a slow or
//! blocking source holds up no other.

use futures::future::BoxFuture;

use super::files::Discovery;
use super::{CollectContext, Collected, Progress};

/// Where a source's work runs.
pub enum Work<'a> {
    /// Reads discovered files: CPU-bound, on the thread pool.
    Files(fn(&Discovery, &CollectContext<'_>) -> Collected),
    /// Talks to network targets: a future on the async runtime, with the
    /// context it owns (the pipeline gives every network task its own).
    Network(BoxFuture<'a, Collected>),
}

/// One source of facts.
pub trait Source: Sync {
    /// The name `--only` and `--skip` select it by; unique in the registry.
    fn name(&self) -> &'static str;

    /// Whether it reads the discovered files (else it reads network targets
    /// from the config).
    fn reads_files(&self) -> bool;

    /// Its work for this run.
    fn work<'a>(&self, ctx: &'a CollectContext<'a>, progress: &'a dyn Progress) -> Work<'a>;

    /// Whether other sources' facts need its facts before they are
    /// evaluated (a Dockerfile's base image gives the role of the services
    /// built from it): a streamed scan runs it before the others.
    fn runs_first(&self) -> bool {
        false
    }
}

/// A source that reads discovered files with one function.
pub struct FileSource {
    pub name: &'static str,
    pub collect: fn(&Discovery, &CollectContext<'_>) -> Collected,
    /// See [`Source::runs_first`].
    pub first: bool,
}

impl Source for FileSource {
    fn name(&self) -> &'static str {
        self.name
    }

    fn reads_files(&self) -> bool {
        true
    }

    fn work<'a>(&self, _ctx: &'a CollectContext<'a>, _progress: &'a dyn Progress) -> Work<'a> {
        Work::Files(self.collect)
    }

    fn runs_first(&self) -> bool {
        self.first
    }
}

/// A source that audits network targets with one async function.
pub struct NetworkSource {
    pub name: &'static str,
    pub collect: for<'a> fn(&'a CollectContext<'a>, &'a dyn Progress) -> BoxFuture<'a, Collected>,
}

impl Source for NetworkSource {
    fn name(&self) -> &'static str {
        self.name
    }

    fn reads_files(&self) -> bool {
        false
    }

    fn work<'a>(&self, ctx: &'a CollectContext<'a>, progress: &'a dyn Progress) -> Work<'a> {
        Work::Network((self.collect)(ctx, progress))
    }
}
