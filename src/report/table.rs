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
    // Nearly every report has nothing to escape: a streaming scan of the
    // serialised shown parts says so without building a copy (the copy, a
    // JSON value tree, cost 6 s and 1 GB for 71,000 findings).
    if !may_need_escaping(report) {
        return None;
    }
    // The table shows no facts and no rule texts: left out of the copy.
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
        rules: Vec::new(),
        diff: report.diff.clone(),
        fact_spool: None,
    };
    let mut value = serde_json::to_value(&slim).ok()?;
    let before = value.clone();
    super::escape::escape_json(&mut value);
    if value == before {
        return None;
    }
    serde_json::from_value(value).ok()
}

/// Whether any string the table shows could hold a character
/// `escape::escape_controls` rewrites. May say yes for nothing (a literal
/// backslash-n in an error), never no for something. Findings are checked
/// field by field, as shown: their multi-line remediation and rationale
/// text is not in the table and would flag every report.
fn may_need_escaping(report: &Report) -> bool {
    let text = |s: &str| matches!(super::escape::escape_controls(s), std::borrow::Cow::Owned(_));
    let place = |l: &Option<crate::facts::Location>| l.as_ref().is_some_and(|l| text(&l.path));
    let shown = |f: &Finding| {
        text(&f.message)
            || text(&f.rule_id)
            || text(&f.subject.display())
            || place(&f.location)
            || place(&f.declared_in)
            || f.suppression.as_ref().is_some_and(|s| text(&s.reason))
    };
    let diff = report.diff.as_ref();
    if report.findings.iter().any(shown) || diff.is_some_and(|d| text(&d.previous.path) || d.resolved.iter().any(shown))
    {
        return true;
    }
    let mut scan = ControlScan::default();
    let parts: [&dyn erased::Part; 6] =
        [&report.tool, &report.targets, &report.gate, &report.errors, &report.skipped, &report.notices];
    // A part that cannot be serialised is treated as suspect.
    parts.iter().any(|p| p.scan(&mut scan).is_err() || scan.found)
}

mod erased {
    /// A serialisable part of the report, behind one object-safe method.
    pub trait Part {
        fn scan(&self, out: &mut super::ControlScan) -> serde_json::Result<()>;
    }
    impl<T: serde::Serialize> Part for T {
        fn scan(&self, out: &mut super::ControlScan) -> serde_json::Result<()> {
            serde_json::to_writer(out, self)
        }
    }
}

/// A writer that only looks: serde_json writes C0 controls as `\n`, `\t`,
/// `\u00XX` ...; DEL, C1 controls and the bidirectional marks stay raw
/// UTF-8. The last two bytes of each write are kept, since a sequence may
/// straddle two writes.
#[derive(Default)]
struct ControlScan {
    tail: [u8; 2],
    found: bool,
}

impl std::io::Write for ControlScan {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if !self.found {
            let joined: Vec<u8> = self.tail.iter().chain(buf).copied().collect();
            self.found = joined.contains(&0x7F)
                || joined
                    .windows(2)
                    .any(|w| matches!(*w, [b'\\', b'n' | b'r' | b't' | b'b' | b'f' | b'u'] | [0xC2, 0x80..=0x9F]))
                || joined
                    .windows(3)
                    .any(|w| matches!(*w, [0xE2, 0x80, 0x8E | 0x8F | 0xAA..=0xAE] | [0xE2, 0x81, 0xA6..=0xA9]));
            if let [.., a, b] = joined.as_slice() {
                self.tail = [*a, *b];
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
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

    /// The quick check agrees with `escape_controls` on every character it
    /// rewrites, whichever way the writes are split.
    #[test]
    fn the_control_scan_sees_every_character_that_is_escaped() {
        use std::io::Write;
        let scan = |text: &str, split: usize| {
            let json = serde_json::to_vec(text).unwrap_or_default();
            let (a, b) = json.split_at(split.min(json.len()));
            let mut s = ControlScan::default();
            s.write_all(a).and_then(|()| s.write_all(b)).map(|()| s.found).unwrap_or(true)
        };
        for c in (0u32..0x3000).filter_map(char::from_u32) {
            let text = format!("svc{c}name");
            let escaped = matches!(super::super::escape::escape_controls(&text), std::borrow::Cow::Owned(_));
            for split in 0..12 {
                if escaped {
                    assert!(scan(&text, split), "U+{:04X} missed (split {split})", c as u32);
                }
            }
            if !escaped && !matches!(c, '\\' | '"') {
                assert!(!scan(&text, 5), "U+{:04X} flagged", c as u32);
            }
        }
    }

    /// Multi-line rule text the table does not show leaves the fast path;
    /// a control character in what it shows takes the escaping one.
    #[test]
    fn only_shown_text_decides_whether_the_report_is_copied() {
        let text = include_str!("../../tests/fixtures/reports/sample.json");
        let mut report: Report = serde_json::from_str(text).expect("sample.json loads");
        let first = report.findings.first_mut().expect("the sample has findings");
        first.remediation = "first line\nsecond line".into();
        assert!(!may_need_escaping(&report), "remediation is not shown");
        let first = report.findings.first_mut().expect("the sample has findings");
        first.message = "service \u{1b}]0;owned\u{7} is privileged".into();
        assert!(may_need_escaping(&report));
        assert!(render_with_width(&report, false, 100).contains("\\x1b]0;owned\\x07"));
    }

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
