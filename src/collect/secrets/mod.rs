//! Leaked secrets in files and literal values.
//!
//! Every discovered text file is read once (bounded by
//! `secrets.max_file_bytes`, one buffer per worker thread, so memory does not
//! grow with the tree), searched with the keyword prefilter and the rules'
//! regexes, and each accepted match becomes a finding carrying only a masked
//! preview and a keyed fingerprint of the value.

mod detector;
mod engine;
mod filters;
mod finding;
mod inline;
mod k8s_secret;
mod keyname;

pub use detector::Detector;
pub use engine::{Candidate, SecretValue, TextKind};
pub use filters::is_reference;

use std::io::Read;

use globset::{Glob, GlobSet, GlobSetBuilder};
use rayon::prelude::*;

use super::files::{DiscoveredFile, Discovery};
use super::text::looks_binary;
use super::{CollectContext, Collected};
use crate::diagnostics::{ErrorKind, ScanError, Skipped};
use crate::findings::Finding;
use crate::rules::pattern::CompiledPattern;

const SOURCE: &str = "secrets";

/// Whether a rule, alone, reports a secret in `text`: what its inline
/// `examples` and `negative_examples` are checked with.
pub fn example_fires(pattern: &CompiledPattern, text: &str) -> bool {
    engine::example_fires(&pattern.spec, text)
}

pub fn collect(discovery: &Discovery, ctx: &CollectContext<'_>) -> Collected {
    let config = &ctx.config.secrets;
    let mut out = Collected::default();
    if !config.enabled {
        return out;
    }
    out.errors.extend(ctx.detector.errors.iter().cloned());
    let exclude = exclude_set(&config.exclude, &mut out);
    let outcomes: Vec<FileOutcome> = discovery
        .files
        .par_iter()
        .filter(|f| !exclude.is_match(&f.display))
        .map_init(Vec::new, |buf, file| scan_file(ctx.detector, file, config.max_file_bytes, buf))
        .collect();
    for o in outcomes {
        out.findings.extend(o.findings);
        out.skipped.extend(o.skipped);
        out.errors.extend(o.error);
        if o.bytes > 0 {
            out.stats.files += 1;
            out.stats.bytes += o.bytes;
        }
    }
    if let Some(text) = &discovery.stdin {
        out.findings.extend(scan_text(ctx.detector, "<stdin>", "", text.as_bytes()));
    }
    tracing::debug!(
        files = out.stats.files,
        bytes = out.stats.bytes,
        findings = out.findings.len(),
        "secret scan done"
    );
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

#[derive(Default)]
struct FileOutcome {
    findings: Vec<Finding>,
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
    let mut handle = match std::fs::File::open(&file.path) {
        Ok(f) => f,
        Err(e) => {
            outcome.error = Some(io_error(e));
            return outcome;
        }
    };
    // The size from the walk may be stale; the read is capped either way.
    let size = handle.metadata().map(|m| m.len()).unwrap_or(file.size);
    if size > max {
        outcome.skipped = Some(Skipped {
            path: file.display.clone(),
            reason: format!("secrets: {size} bytes, over secrets.max_file_bytes ({max})"),
        });
        return outcome;
    }
    buf.clear();
    if let Err(e) = (&mut handle).take(max + 1).read_to_end(buf) {
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
    outcome.findings = scan_text(detector, &file.display, file.file_name(), buf);
    // A buffer that held one huge file is not kept for the rest of the walk.
    if buf.capacity() > 4 * 1024 * 1024 {
        *buf = Vec::new();
    }
    outcome
}

/// Secrets in one text, as findings located in `path`.
pub fn scan_text(detector: &Detector, path: &str, file_name: &str, text: &[u8]) -> Vec<Finding> {
    let kind =
        TextKind { lock_file: filters::is_lock_file(file_name), source_code: filters::is_source_code(file_name) };
    let mut candidates = detector.scan(text, kind);
    if k8s_secret::may_hold_secret(file_name, text) {
        let manifest = k8s_secret::scan(detector, text);
        candidates.retain(|c| !(c.generic && manifest.covers(c.start)));
        candidates.extend(manifest.decoded);
    }
    if candidates.is_empty() {
        return Vec::new();
    }
    finding::findings(detector, path, text, candidates)
}
