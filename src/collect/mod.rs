//! Collectors: one module per source. Each turns targets into facts and
//! records its own errors; none knows anything about rules.

pub mod dotenv;
pub mod files;
pub mod text;
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
use crate::diagnostics::{ScanError, Skipped};
use crate::facts::Fact;

/// What a collector produced.
#[derive(Debug, Default)]
pub struct Collected {
    pub facts: Vec<Fact>,
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

/// What every collector may read.
pub struct CollectContext<'a> {
    pub config: &'a Config,
    /// The secret matcher the pipeline built from the secret rules: the file
    /// scan and the classification of literal values (environment, build
    /// args) use the same one.
    pub detector: &'a secrets::Detector,
}
