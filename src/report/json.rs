use std::io::Write;

use rayon::prelude::*;
use serde::Serialize;

use super::Report;

/// The report as one string: what [`write`] writes.
pub fn render(report: &Report) -> anyhow::Result<String> {
    let mut text = Vec::new();
    write(report, &mut text)?;
    Ok(String::from_utf8(text)?)
}

/// serde_json's pretty form of the report, written as it is produced: a report of
/// 70,000 findings is 170 MB of JSON, which need not all sit in memory before
/// the first byte is written. The findings and facts, nearly all of it, are
/// serialised on every core a window at a time (one thread took a third of a
/// large scan's wall time), and written in order.
pub fn write(report: &Report, out: &mut dyn Write) -> anyhow::Result<()> {
    // Field order and presence as `#[derive(Serialize)]` on Report gives
    // them; `tests` compares this with serde_json's own pretty printer.
    out.write_all(b"{")?;
    let mut fields = Fields { out, first: true };
    fields.value("schema_version", &report.schema_version)?;
    fields.value("tool", &report.tool)?;
    fields.value("started_at", &report.started_at)?;
    fields.value("finished_at", &report.finished_at)?;
    fields.value("targets", &report.targets)?;
    fields.value("summary", &report.summary)?;
    fields.value("gate", &report.gate)?;
    fields.array("findings", &report.findings)?;
    fields.value("errors", &report.errors)?;
    fields.value("skipped", &report.skipped)?;
    fields.value("notices", &report.notices)?;
    match &report.fact_spool {
        Some(spool) if spool.count() > 0 => fields.spooled("facts", spool, &report.facts)?,
        _ => fields.array("facts", &report.facts)?,
    }
    fields.value("rules", &report.rules)?;
    if let Some(diff) = &report.diff {
        fields.value("diff", diff)?;
    }
    out.write_all(b"\n}\n")?;
    Ok(())
}

/// Elements serialised per task, and tasks per window written before the
/// next window starts (memory: one window of text; larger windows kept
/// 30-40 MB more at the peak for no gain in time).
const CHUNK: usize = 64;
const WINDOW: usize = 4;

/// Writes the members of the top-level object as serde_json's pretty
/// printer does: two spaces per level, `"key": value`, `,` between members.
struct Fields<'a> {
    out: &'a mut dyn Write,
    first: bool,
}

impl Fields<'_> {
    fn key(&mut self, name: &str) -> std::io::Result<()> {
        self.out.write_all(if self.first { b"\n  \"" } else { b",\n  \"" })?;
        self.first = false;
        self.out.write_all(name.as_bytes())?;
        self.out.write_all(b"\": ")
    }

    fn value(&mut self, name: &str, value: &impl Serialize) -> anyhow::Result<()> {
        self.key(name)?;
        let mut text = Vec::new();
        indented(value, 1, &mut text)?;
        self.out.write_all(&text)?;
        Ok(())
    }

    fn array<T: Serialize + Sync>(&mut self, name: &str, items: &[T]) -> anyhow::Result<()> {
        self.key(name)?;
        if items.is_empty() {
            self.out.write_all(b"[]")?;
            return Ok(());
        }
        self.out.write_all(b"[")?;
        for (w, window) in items.chunks(CHUNK * WINDOW).enumerate() {
            let texts: Vec<Vec<u8>> = window
                .par_chunks(CHUNK)
                .enumerate()
                .map(|(c, chunk)| {
                    let mut text = Vec::new();
                    for (i, item) in chunk.iter().enumerate() {
                        let first = w == 0 && c == 0 && i == 0;
                        text.extend_from_slice(if first { b"\n    " } else { b",\n    " });
                        indented(item, 2, &mut text)?;
                    }
                    Ok(text)
                })
                .collect::<anyhow::Result<_>>()?;
            for text in &texts {
                self.out.write_all(text)?;
            }
        }
        self.out.write_all(b"\n  ]")?;
        Ok(())
    }

    /// An array whose first elements are spooled text, then `items`.
    fn spooled<T: Serialize + Sync>(
        &mut self,
        name: &str,
        spool: &super::spool::SpooledFacts,
        items: &[T],
    ) -> anyhow::Result<()> {
        self.key(name)?;
        self.out.write_all(b"[")?;
        spool.copy_to(self.out, true)?;
        for item in items {
            let mut text = Vec::new();
            element(item, &mut text)?;
            self.out.write_all(&text)?;
        }
        self.out.write_all(b"\n  ]")?;
        Ok(())
    }
}

/// One element of a top-level array as [`write`] gives it, with the `,`
/// that precedes every element but the first (a spooled part's text).
pub(super) fn element(item: &impl Serialize, out: &mut Vec<u8>) -> serde_json::Result<()> {
    out.extend_from_slice(b",\n    ");
    indented(item, 2, out)
}

/// `value` as serde_json's pretty printer writes it, appended to `out` as
/// if it sat `depth` levels deep (two more spaces a level on every line
/// after the first). Written so directly: pretty-printing and then
/// re-indenting line by line took a third of writing the fact spool.
fn indented(value: &impl Serialize, depth: usize, out: &mut Vec<u8>) -> serde_json::Result<()> {
    value.serialize(&mut serde_json::Serializer::with_formatter(out, Nested { depth, has_value: false }))
}

/// serde_json's `PrettyFormatter` (two spaces a level) starting at `depth`.
struct Nested {
    depth: usize,
    has_value: bool,
}

impl Nested {
    fn open<W: ?Sized + Write>(&mut self, w: &mut W, bracket: &[u8]) -> std::io::Result<()> {
        self.depth = self.depth.saturating_add(1);
        self.has_value = false;
        w.write_all(bracket)
    }

    fn close<W: ?Sized + Write>(&mut self, w: &mut W, bracket: &[u8]) -> std::io::Result<()> {
        self.depth = self.depth.saturating_sub(1);
        if self.has_value {
            w.write_all(b"\n")?;
            self.indent(w)?;
        }
        w.write_all(bracket)
    }

    fn item<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> std::io::Result<()> {
        w.write_all(if first { b"\n" } else { b",\n" })?;
        self.indent(w)
    }

    fn indent<W: ?Sized + Write>(&self, w: &mut W) -> std::io::Result<()> {
        (0..self.depth).try_for_each(|_| w.write_all(b"  "))
    }
}

impl serde_json::ser::Formatter for Nested {
    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.open(w, b"[")
    }

    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.close(w, b"]")
    }

    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> std::io::Result<()> {
        self.item(w, first)
    }

    fn end_array_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.open(w, b"{")
    }

    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.close(w, b"}")
    }

    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> std::io::Result<()> {
        self.item(w, first)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        w.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

/// Largest saved report read back (reports, baselines, diffs, history).
pub const MAX_REPORT_BYTES: u64 = 256 * 1024 * 1024;

/// Reads a saved JSON report (for `stackaudit report`, baselines and diffs).
pub fn load(path: &std::path::Path) -> anyhow::Result<Report> {
    use anyhow::Context as _;
    // Capped, regular files only: /dev/zero or a FIFO is an error, not a hang.
    let text = crate::input::read_text(path, MAX_REPORT_BYTES)
        .with_context(|| format!("cannot read report {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{} is not a stackaudit JSON report", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(report: &Report) -> String {
        let mut out = Vec::new();
        write(report, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    fn serde_pretty(report: &Report) -> String {
        serde_json::to_string_pretty(report).unwrap() + "\n"
    }

    #[test]
    fn the_parallel_writer_gives_the_bytes_serde_gives() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/reports/sample.json");
        let mut report = load(&path).unwrap();
        assert_eq!(written(&report), serde_pretty(&report));
        assert_eq!(render(&report).unwrap(), serde_pretty(&report));

        // Arrays across chunk and window edges, empty arrays, and a diff.
        let finding = report.findings.first().unwrap().clone();
        report.findings = (0..CHUNK * WINDOW + CHUNK + 3)
            .map(|i| {
                let mut f = finding.clone();
                f.id = format!("id-{i}");
                f
            })
            .collect();
        report.facts.clear();
        report.notices.clear();
        assert_eq!(written(&report), serde_pretty(&report));
        report.diff = Some(crate::history::Diff {
            previous: crate::history::PreviousRun {
                path: "last.json".into(),
                started_at: report.started_at,
                finished_at: report.finished_at,
            },
            new: vec!["id-1".into()],
            unchanged: Vec::new(),
            resolved: vec![finding],
        });
        assert_eq!(written(&report), serde_pretty(&report));
    }
}
