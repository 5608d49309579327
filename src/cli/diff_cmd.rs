//! `stackaudit diff OLD.json NEW.json`.

use std::fmt::Write as _;

use super::args::{DiffArgs, DiffFormat};
use crate::collect::files::display_path;
use crate::gate::{self, EXIT_PASSED};
use crate::history::Diff;
use crate::report::{json, Report};

pub fn run(args: DiffArgs) -> anyhow::Result<u8> {
    let old = json::load(&args.old)?;
    let new = json::load(&args.new)?;
    let diff = crate::pipeline::diff_with(old, &display_path(&args.old), &new.findings);
    match args.format {
        DiffFormat::Json => println!("{}", serde_json::to_string_pretty(&diff)?),
        DiffFormat::Table => print!("{}", summary(&diff, &new)),
    }
    // The scan's gate decision, on the new findings alone; the saved
    // reports' own errors were the scans' business.
    Ok(if args.fail_on_new {
        gate::decide(&new.findings, 0, args.fail_on, Some(&diff.new_ids())).exit_code
    } else {
        EXIT_PASSED
    })
}

/// A terminal summary: counts, then each new and resolved finding.
pub fn summary(diff: &Diff, current: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Compared with {} (finished {}): {} new, {} resolved, {} unchanged",
        diff.previous.path,
        diff.previous.finished_at.format("%Y-%m-%d %H:%M UTC"),
        diff.new.len(),
        diff.resolved.len(),
        diff.unchanged.len()
    );
    let new_ids = diff.new_ids();
    for f in current.findings.iter().filter(|f| new_ids.contains(f.id.as_str())) {
        let loc = f.location.as_ref().map(|l| format!(" ({l})")).unwrap_or_default();
        let _ = writeln!(out, "  + {:<8} {} {}{}", f.severity, f.rule_id, f.subject.display(), loc);
    }
    for f in &diff.resolved {
        let loc = f.location.as_ref().map(|l| format!(" ({l})")).unwrap_or_default();
        let _ = writeln!(out, "  - {:<8} {} {}{}", f.severity, f.rule_id, f.subject.display(), loc);
    }
    out
}
