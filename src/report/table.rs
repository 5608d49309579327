//! The terminal report: findings grouped by severity, then what did not
//! count, errors and notices, and last (where a CI log's tail shows it) the
//! summary and the gate decision.
//!
//! Colour only when the caller says so (stdout is a terminal and `NO_COLOR`
//! is unset). Lines fit the width from `COLUMNS`, or 100 columns: headings are
//! cut with `…`, messages are wrapped.

use std::fmt::Write as _;

use super::{GateStatus, Report};
use crate::findings::{Finding, Severity};

/// Width when `COLUMNS` is unset or not a number.
pub const DEFAULT_WIDTH: usize = 100;
/// Narrower than this and nothing reads well; lines overflow instead.
const MIN_WIDTH: usize = 40;

pub fn render(report: &Report, color: bool) -> String {
    render_with_width(report, color, width_from_env())
}

pub fn width_from_env() -> usize {
    std::env::var("COLUMNS").ok().and_then(|c| c.trim().parse().ok()).filter(|w| *w > 0).unwrap_or(DEFAULT_WIDTH)
}

pub fn render_with_width(report: &Report, color: bool, width: usize) -> String {
    match escaped(report) {
        Some(safe) => render_safe(&safe, color, width),
        None => render_safe(report, color, width),
    }
}

/// A copy of the report with control characters escaped in every string,
/// when it has any: names and messages come from scanned input and must not
/// drive the terminal.
fn escaped(report: &Report) -> Option<Report> {
    // The table shows no facts: converting them to JSON and back took most
    // of the time (13 s and 1.9 GB for 29,000 facts) for nothing shown.
    let slim = Report {
        schema_version: report.schema_version.clone(),
        tool: report.tool.clone(),
        started_at: report.started_at,
        finished_at: report.finished_at,
        targets: report.targets.clone(),
        summary: report.summary.clone(),
        gate: report.gate.clone(),
        findings: report.findings.clone(),
        errors: report.errors.clone(),
        skipped: report.skipped.clone(),
        notices: report.notices.clone(),
        facts: Vec::new(),
        rules: report.rules.clone(),
        diff: report.diff.clone(),
    };
    let mut value = serde_json::to_value(&slim).ok()?;
    let before = value.clone();
    super::escape::escape_json(&mut value);
    if value == before {
        return None;
    }
    serde_json::from_value(value).ok()
}

fn render_safe(report: &Report, color: bool, width: usize) -> String {
    let width = width.max(MIN_WIDTH);
    let p = Painter { color };
    let mut out = String::new();

    let new_ids = report.diff.as_ref().map(|d| d.new_ids()).unwrap_or_default();
    let counting: Vec<&Finding> = report.findings.iter().filter(|f| f.counts()).collect();
    for severity in Severity::ALL {
        let group: Vec<&&Finding> = counting.iter().filter(|f| f.severity == severity).collect();
        if group.is_empty() {
            continue;
        }
        let heading = format!("{} ({})", severity.as_str().to_uppercase(), group.len());
        let _ = writeln!(out, "{}", p.severity(severity, &heading));
        for f in group {
            finding_block(&mut out, &p, f, new_ids.contains(f.id.as_str()), width);
        }
        out.push('\n');
    }

    let quiet: Vec<&Finding> = report.findings.iter().filter(|f| !f.counts()).collect();
    if !quiet.is_empty() {
        let _ = writeln!(out, "{}", p.bold(&format!("NOT COUNTED: suppressed or in the baseline ({})", quiet.len())));
        for f in quiet {
            let why = match &f.suppression {
                Some(s) => format!("suppressed: {}", s.reason),
                None if f.suppressed => "suppressed".to_string(),
                None => "baseline".to_string(),
            };
            let line = format!("  {:<8} {}  {}  [{}]", f.severity, f.rule_id, f.subject.display(), why);
            let _ = writeln!(out, "{}", p.dim(&truncate(&line, width)));
        }
        out.push('\n');
    }

    if !report.errors.is_empty() {
        let heading = format!("ERRORS: the scan is incomplete ({})", report.errors.len());
        let _ = writeln!(out, "{}", p.paint("1;33", &heading));
        for e in &report.errors {
            wrap_into(&mut out, &e.to_string(), "  ", "    ", width);
        }
        out.push('\n');
    }
    if !report.skipped.is_empty() {
        let _ = writeln!(out, "{}", p.bold(&format!("SKIPPED FILES ({})", report.skipped.len())));
        for s in &report.skipped {
            wrap_into(&mut out, &format!("{}: {}", s.path, s.reason), "  ", "    ", width);
        }
        out.push('\n');
    }
    if !report.notices.is_empty() {
        let _ = writeln!(out, "{}", p.bold(&format!("NOTICES ({})", report.notices.len())));
        for n in &report.notices {
            let text = match &n.source {
                Some(source) => format!("{source}: {}", n.message),
                None => n.message.clone(),
            };
            wrap_into(&mut out, &text, "  ", "    ", width);
        }
        out.push('\n');
    }

    if let Some(diff) = &report.diff {
        let heading = format!(
            "CHANGES since {} ({}): {} new, {} resolved, {} unchanged",
            diff.previous.path,
            diff.previous.finished_at.format("%Y-%m-%d %H:%M UTC"),
            diff.new.len(),
            diff.resolved.len(),
            diff.unchanged.len()
        );
        wrap_into(&mut out, &heading, "", "  ", width);
        for f in &diff.resolved {
            let line = format!("  resolved: {:<8} {}  {}", f.severity, f.rule_id, f.subject.display());
            let _ = writeln!(out, "{}", p.dim(&truncate(&line, width)));
        }
        out.push('\n');
    }

    if report.findings.is_empty() && report.errors.is_empty() {
        let _ = writeln!(out, "No findings.\n");
    }
    summary_lines(&mut out, &p, report, width);
    out
}

fn finding_block(out: &mut String, p: &Painter, f: &Finding, is_new: bool, width: usize) {
    let marker = if is_new { "  [new]" } else { "" };
    let head = format!("  {}  {}{marker}", f.rule_id, f.subject.display());
    let _ = writeln!(out, "{}", p.bold(&truncate(&head, width)));
    let place = match (&f.location, &f.declared_in) {
        (Some(l), _) => Some(format!("at {l}")),
        (None, Some(d)) => Some(format!("declared in {d}")),
        (None, None) => None,
    };
    if let Some(place) = place {
        let _ = writeln!(out, "{}", p.dim(&truncate(&format!("    {place}"), width)));
    }
    wrap_into(out, &f.message, "    ", "    ", width);
}

fn summary_lines(out: &mut String, p: &Painter, report: &Report, width: usize) {
    let s = &report.summary;
    let mut counts: Vec<String> = Severity::ALL.iter().map(|sev| format!("{} {}", s.count(*sev), sev)).collect();
    if s.suppressed > 0 {
        counts.push(format!("{} suppressed", s.suppressed));
    }
    if s.baseline > 0 {
        counts.push(format!("{} baseline", s.baseline));
    }
    if s.errors > 0 {
        counts.push(format!("{} error{}", s.errors, if s.errors == 1 { "" } else { "s" }));
    }
    let summary = format!(
        "{} {}: {} finding{} ({})",
        report.tool.name,
        report.tool.version,
        s.total,
        if s.total == 1 { "" } else { "s" },
        counts.join(", ")
    );
    wrap_into(out, &summary, "", "  ", width);

    let gate = &report.gate;
    let over: usize = Severity::ALL.iter().filter(|sev| **sev >= gate.fail_on).map(|sev| s.count(*sev)).sum();
    let (word, code, detail) = match gate.status {
        GateStatus::Passed => ("PASSED", "1;32", format!("no counting finding at or above {}", gate.fail_on)),
        GateStatus::Failed => ("FAILED", "1;31", format!("{over} finding(s) at or above {}", gate.fail_on)),
        GateStatus::Incomplete => ("INCOMPLETE", "1;33", "errors kept the scan from completing".to_string()),
    };
    let mut line = String::new();
    wrap_into(&mut line, &format!("Gate: {word} ({detail}; {})", gate.exit_text()), "", "  ", width);
    out.push_str(&line.replacen(word, &p.paint(code, word), 1));
}

/// Cuts `text` to `width` characters, marking the cut with `…`.
pub fn truncate(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut out: String = text.chars().take(width.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// Word-wraps `text` into lines of at most `width` characters; the first
/// line starts with `first`, the rest with `rest`. Words longer than a line
/// are split. Line breaks in the text are kept.
pub fn wrap_into(out: &mut String, text: &str, first: &str, rest: &str, width: usize) {
    let mut prefix = first;
    for paragraph in text.lines() {
        let room = width.saturating_sub(prefix.chars().count().max(rest.chars().count())).max(10);
        let mut line = String::new();
        let mut len = 0usize;
        for word in paragraph.split_whitespace() {
            let mut word: Vec<char> = word.chars().collect();
            while !word.is_empty() {
                let need = if len == 0 { word.len() } else { len + 1 + word.len() };
                if need <= room {
                    if len > 0 {
                        line.push(' ');
                    }
                    line.extend(word.iter());
                    len = need;
                    word.clear();
                } else if len > 0 {
                    let _ = writeln!(out, "{prefix}{line}");
                    prefix = rest;
                    line.clear();
                    len = 0;
                } else {
                    let rest_of_word = word.split_off(room);
                    let _ = writeln!(out, "{prefix}{}", word.iter().collect::<String>());
                    prefix = rest;
                    word = rest_of_word;
                }
            }
        }
        let _ = writeln!(out, "{prefix}{line}");
        prefix = rest;
    }
    if text.lines().next().is_none() {
        let _ = writeln!(out, "{first}");
    }
}

struct Painter {
    color: bool,
}

impl Painter {
    fn paint(&self, sgr: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{sgr}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    fn bold(&self, text: &str) -> String {
        self.paint("1", text)
    }

    fn dim(&self, text: &str) -> String {
        self.paint("2", text)
    }

    fn severity(&self, severity: Severity, text: &str) -> String {
        let sgr = match severity {
            Severity::Critical => "1;97;41",
            Severity::High => "1;31",
            Severity::Medium => "1;33",
            Severity::Low => "1;36",
            Severity::Info => "1;2",
        };
        self.paint(sgr, text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_words_and_splits_long_ones() {
        let mut out = String::new();
        wrap_into(&mut out, "alpha beta gamma delta", "> ", "  ", 14);
        assert_eq!(out, "> alpha beta\n  gamma delta\n");
        let mut out = String::new();
        wrap_into(&mut out, "abcdefghijklmnopqrstuvwxyz", "", "", 10);
        assert_eq!(out, "abcdefghij\nklmnopqrst\nuvwxyz\n");
    }

    #[test]
    fn truncates_with_an_ellipsis() {
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("abc", 4), "abc");
    }
}
