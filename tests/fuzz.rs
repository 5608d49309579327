//! Every fuzz target (`stackaudit::fuzzing`) for a fixed number of mutated
//! cases from a fixed seed, plus every input that once crashed a parser
//! (`tests/fixtures/fuzz/<target>/`, which also holds extra seeds such as
//! DER certificates). `scripts/fuzz.sh SECONDS` runs the
//! same targets for longer (`FUZZ_SECONDS`), with a seed of its choosing.
//!
//! Environment: `FUZZ_CASES` (default 2000 per target), `FUZZ_SECONDS`
//! (run each target this long instead), `FUZZ_SEED`, `FUZZ_TARGET` (only
//! targets whose name contains it, or one of its comma-separated parts).

// A test crate: a panic here fails a test, it cannot crash a scan.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::string_slice,
    clippy::indexing_slicing,
    clippy::unreachable
)]

mod support;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use stackaudit::fuzzing::mutate::{mutate, Rng};
use stackaudit::fuzzing::{run_case, targets, Target};

/// A case slower than this is saved under `target/fuzz-slow/`.
const SLOW_CASE: Duration = Duration::from_secs(2);

/// Seed files larger than this are not used as seeds.
const MAX_SEED_BYTES: u64 = 64 * 1024;

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.trim().parse().ok())
}

fn collect_files(path: &Path, out: &mut Vec<PathBuf>, depth: usize) {
    if depth > 8 {
        return;
    }
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.is_file() && m.len() <= MAX_SEED_BYTES => out.push(path.to_path_buf()),
        Ok(m) if m.is_dir() => {
            let mut entries: Vec<PathBuf> =
                std::fs::read_dir(path).into_iter().flatten().flatten().map(|e| e.path()).collect();
            entries.sort();
            for e in entries {
                collect_files(&e, out, depth + 1);
            }
        }
        _ => {}
    }
}

fn seeds(target: &Target) -> Vec<Vec<u8>> {
    let root = support::root();
    let mut files = Vec::new();
    for rel in target.seeds {
        collect_files(&root.join(rel), &mut files, 0);
    }
    collect_files(&regressions(target), &mut files, 0);
    let mut out: Vec<Vec<u8>> = files.iter().filter_map(|f| std::fs::read(f).ok()).collect();
    out.extend(target.inline_seeds.iter().map(|s| s.to_vec()));
    out
}

fn regressions(target: &Target) -> PathBuf {
    support::fixture("fuzz").join(target.name)
}

/// Keeps a crashing input where a developer can replay it.
fn save_case(kind: &str, target: &Target, case: u64, input: &[u8]) -> PathBuf {
    let dir = support::root().join("target").join(kind).join(target.name);
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join(format!("case-{case}.bin"));
    let _ = std::fs::write(&path, input);
    path
}

#[test]
fn every_parser_survives_mutated_input() {
    let cases = env_u64("FUZZ_CASES").unwrap_or(2000);
    let seconds = env_u64("FUZZ_SECONDS");
    let seed = env_u64("FUZZ_SEED").unwrap_or(0x5eed_cafe);
    let only = std::env::var("FUZZ_TARGET").ok();
    // As the binary runs: panics are recorded for the catch site, not
    // printed. Those a parser raised and the product contained (a library's
    // panic turned into an error for the file) are counted per target below;
    // one that reaches the harness is a crash.
    stackaudit::contain::install_quiet_hook();
    let mut crashes = Vec::new();
    let mut total = 0u64;
    for target in targets() {
        if only.as_deref().is_some_and(|o| !o.split(',').any(|o| target.name.contains(o.trim()))) {
            continue;
        }
        let corpus = seeds(&target);
        let mut rng = Rng::new(seed ^ fxhash(target.name));
        let started = Instant::now();
        let panics_before = stackaudit::contain::panics_seen();
        let mut executed = 0u64;
        let mut slowest = Duration::ZERO;
        let mut check = |input: &[u8], case: u64, executed: &mut u64| {
            let t = Instant::now();
            if let Err(message) = run_case(&target, input) {
                let saved = save_case("fuzz-crashes", &target, case, input);
                crashes.push(format!("{} case {case}: {message} (input saved to {})", target.name, saved.display()));
            }
            let took = t.elapsed();
            if took > SLOW_CASE {
                // Not a failure (no timed assertions), but a case this slow
                // is a budget that may be too loose: kept for a look.
                let saved = save_case("fuzz-slow", &target, case, input);
                eprintln!(
                    "fuzz {} case {case}: {:.1} s (input saved to {})",
                    target.name,
                    took.as_secs_f64(),
                    saved.display()
                );
            }
            slowest = slowest.max(took);
            *executed += 1;
        };
        for (i, s) in corpus.iter().enumerate() {
            check(s, i as u64, &mut executed);
        }
        let mut case = corpus.len() as u64;
        loop {
            let done = match seconds {
                Some(s) => started.elapsed() >= Duration::from_secs(s),
                None => executed >= (cases / target.cost.max(1)).max(1) + corpus.len() as u64,
            };
            if done {
                break;
            }
            let input = mutate(&mut rng, &corpus, target.dict);
            check(&input, case, &mut executed);
            case += 1;
        }
        total += executed;
        eprintln!(
            "fuzz {:<14} {executed:>8} cases in {:>6.1} s, slowest {:>6.1} ms, {} seeds, {} contained panics",
            target.name,
            started.elapsed().as_secs_f64(),
            slowest.as_secs_f64() * 1e3,
            corpus.len(),
            stackaudit::contain::panics_seen() - panics_before
        );
    }
    eprintln!("fuzz total: {total} cases, {} crashes", crashes.len());
    // Back to the default hook, so a failure here is printed.
    drop(std::panic::take_hook());
    assert!(crashes.is_empty(), "{}", crashes.join("\n"));
}

/// A stable per-target seed offset.
fn fxhash(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x1000_0000_01b3))
}
