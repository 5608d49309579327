//! Leaked secrets in files, as `secret` facts.
//!
//! Every discovered text file is read once (bounded by
//! `secrets.max_file_bytes`, one buffer per worker thread, so memory does not
//! grow with the tree) and searched with the matcher the pipeline built from
//! the secret rules. Each secret becomes one fact carrying where it is, its
//! context, a masked preview and a keyed fingerprint; the rule engine turns
//! the facts into findings and the gate applies inline suppressions.
//!
//! This collector owns every value written in a file: compose and
//! Kubernetes environments, Dockerfile `ENV`/`ARG`, Kubernetes Secrets. Only
//! live containers' environments, which have no file, are judged elsewhere
//! (`workload-secret-in-environment`).

mod detector;

pub use detector::Detector;

use std::io::Read;

use globset::{Glob, GlobSet, GlobSetBuilder};
use rayon::prelude::*;

use super::files::{DiscoveredFile, Discovery};
use super::{CollectContext, Collected};
use crate::diagnostics::{ErrorKind, ScanError, Skipped};
use crate::facts::secret::{Secret, SecretContext};
use crate::facts::{Fact, FactData, FactKind, Location, Subject};
use crate::input::{looks_binary, BINARY_PROBE_BYTES};
use crate::secrets::{fingerprint, preview, Found, Matcher};

const SOURCE: &str = "secrets";

/// Secrets reported per file. A file with more is a dump (a database
/// export, a generated bundle): its first secrets say what it is, and
/// thousands of findings would only exhaust memory and reviewers.
pub const MAX_SECRETS_PER_FILE: usize = 1000;

pub fn collect(discovery: &Discovery, ctx: &CollectContext<'_>) -> Collected {
    let config = &ctx.config.secrets;
    let mut out = Collected::default();
    if !config.enabled {
        return out;
    }
    let detector = ctx.detector;
    let exclude = exclude_set(&config.exclude, &mut out);
    // Each rayon job folds its files into one batch (with one read buffer,
    // so memory does not grow with the tree); batches join in file order.
    // Most files hold no secret: they leave nothing behind but their size.
    let batch = discovery
        .files
        .par_iter()
        .filter(|f| !exclude.is_match(&f.display))
        .fold(Batch::default, |mut batch, file| {
            let outcome = crate::contain::catch(|| {
                crate::contain::test_trigger(&file.display);
                scan_file(detector, file, config.max_file_bytes, &mut batch.buf)
            })
            .unwrap_or_else(|description| FileOutcome {
                error: super::panicked(SOURCE, &file.display, &description).errors.pop(),
                ..FileOutcome::default()
            });
            batch.add(outcome);
            // A streamed scan takes the secrets a few hundred at a time,
            // rather than those of the whole tree at the end.
            if let Some(sink) = ctx.sink.filter(|_| batch.collected.facts.len() >= STREAM_BATCH) {
                batch.collected.stream_into(sink);
            }
            batch
        })
        .reduce(Batch::default, Batch::join);
    out.merge(batch.collected);
    if let Some(text) = &discovery.stdin {
        out.facts.extend(scan_text(detector.matcher(), "<stdin>", text.as_bytes()));
    }
    tracing::debug!(files = out.stats.files, bytes = out.stats.bytes, held = out.facts.len(), "secret scan done");
    out
}

fn exclude_set(patterns: &[String], out: &mut Collected) -> GlobSet {
    let mut builder = GlobSetBuilder::new();
    for p in patterns {
        match Glob::new(p) {
            Ok(g) => {
                builder.add(g);
            }
            Err(e) => {
                out.error(ScanError::new(SOURCE, p, ErrorKind::Config, format!("invalid secrets.exclude pattern: {e}")))
            }
        }
    }
    builder.build().unwrap_or_else(|_| GlobSet::empty())
}

/// The outcomes of a run of files, and the buffer their reads reuse.
/// Secrets a worker holds before a streamed scan takes them.
const STREAM_BATCH: usize = 256;

#[derive(Default)]
struct Batch {
    collected: Collected,
    buf: Vec<u8>,
}

impl Batch {
    fn add(&mut self, o: FileOutcome) {
        self.collected.facts.extend(o.facts);
        self.collected.skipped.extend(o.skipped);
        self.collected.errors.extend(o.error);
        if o.bytes > 0 {
            self.collected.stats.files += 1;
            self.collected.stats.bytes += o.bytes;
        }
    }

    /// `self`'s files, then `later`'s.
    fn join(mut self, later: Batch) -> Batch {
        self.collected.merge(later.collected);
        self
    }
}

#[derive(Default)]
struct FileOutcome {
    facts: Vec<Fact>,
    skipped: Option<Skipped>,
    error: Option<ScanError>,
    bytes: u64,
}

/// Reads one file into the worker's buffer and scans it.
fn scan_file(detector: &Detector, file: &DiscoveredFile, max: u64, buf: &mut Vec<u8>) -> FileOutcome {
    let mut outcome = FileOutcome::default();
    let io_error = |e: std::io::Error| {
        ScanError::new(SOURCE, &file.display, ErrorKind::from_io(&e), format!("cannot read for secrets: {e}"))
    };
    // A file swapped for a FIFO or device after the walk is refused here.
    // The size from the walk may be stale: the opened file's is used, and
    // the read is capped either way.
    let (mut handle, size) = match crate::input::open_regular_sized(&file.path) {
        Ok(opened) => opened,
        Err(e) => {
            outcome.error = Some(e.into_scan_error(SOURCE, &file.display));
            return outcome;
        }
    };
    if size > max {
        outcome.skipped = Some(Skipped {
            path: file.display.clone(),
            reason: format!("secrets: {size} bytes, over secrets.max_file_bytes ({max})"),
        });
        return outcome;
    }
    buf.clear();
    // The whole file in one read (and one more that finds its end).
    buf.reserve(usize::try_from(size).unwrap_or(0).saturating_add(1));
    let mut reader = (&mut handle).take(max + 1);
    // The first bytes of a large file say whether it is binary, before the
    // rest is read.
    let probe = BINARY_PROBE_BYTES as u64;
    if size > probe {
        if let Err(e) = (&mut reader).take(probe).read_to_end(buf) {
            outcome.error = Some(io_error(e));
            return outcome;
        }
        if looks_binary(buf) {
            outcome.skipped = Some(Skipped { path: file.display.clone(), reason: "secrets: binary file".into() });
            return outcome;
        }
    }
    if let Err(e) = reader.read_to_end(buf) {
        outcome.error = Some(io_error(e));
        return outcome;
    }
    if buf.len() as u64 > max {
        outcome.skipped = Some(Skipped {
            path: file.display.clone(),
            reason: format!("secrets: grew over secrets.max_file_bytes ({max}) while read"),
        });
        return outcome;
    }
    if looks_binary(buf) {
        outcome.skipped = Some(Skipped { path: file.display.clone(), reason: "secrets: binary file".into() });
        return outcome;
    }
    outcome.bytes = buf.len() as u64;
    // An empty file holds no secret: the matcher (compiled on first use)
    // is not needed for it.
    if buf.is_empty() {
        return outcome;
    }
    let mut found = detector.matcher().scan_file(&file.display, buf);
    if found.len() > MAX_SECRETS_PER_FILE {
        outcome.skipped = Some(Skipped {
            path: file.display.clone(),
            reason: format!(
                "secrets: {} secrets found, only the first {MAX_SECRETS_PER_FILE} are reported",
                found.len()
            ),
        });
        found.truncate(MAX_SECRETS_PER_FILE);
    }
    let shared = std::sync::Arc::from(file.display.as_str());
    outcome.facts = found.into_iter().map(|f| secret_fact(&file.display, &shared, f)).collect();
    // A buffer that held one huge file is not kept for the rest of the walk.
    if buf.capacity() > 4 * 1024 * 1024 {
        *buf = Vec::new();
    }
    outcome
}

/// The secrets in one text, as facts located in `path`. Only the masked
/// preview and the keyed fingerprint of each value leave this function.
pub fn scan_text(matcher: &Matcher, path: &str, text: &[u8]) -> Vec<Fact> {
    let shared = std::sync::Arc::from(path);
    matcher.scan_file(path, text).into_iter().map(|found| secret_fact(path, &shared, found)).collect()
}

/// `shared` is `path` once for all the file's locations.
fn secret_fact(path: &str, shared: &std::sync::Arc<str>, found: Found) -> Fact {
    let Found { rule_id, key, value, line, column, context, ignore, ordinal, .. } = found;
    // A Kubernetes object names what holds the value; elsewhere the key
    // does, or the rule when there is no key (a PEM file).
    let name = context.object.clone().or_else(|| key.clone()).unwrap_or_else(|| rule_id.clone());
    let data = Secret {
        rule_id,
        key,
        preview: preview(value.expose()),
        fingerprint: fingerprint(value.expose()),
        context: SecretContext {
            format: context.format.as_str().to_string(),
            object: context.object,
            path: context.path,
            statement: context.statement,
            encoding: context.encoding,
        },
        inline_ignore: ignore,
        ordinal,
    };
    let mut fact = Fact::new(Subject::scoped(FactKind::Secret, name, path), FactData::Secret(data));
    fact.origin = Some(Location::at(shared, line, column));
    fact
}
