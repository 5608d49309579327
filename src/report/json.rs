use super::Report;

pub fn render(report: &Report) -> anyhow::Result<String> {
    let mut text = serde_json::to_string_pretty(report)?;
    text.push('\n');
    Ok(text)
}

/// The same text as [`render`], written as it is produced: a report of
/// 70,000 findings is 170 MB of JSON, which need not all sit in memory (and
/// be copied again on its way out) before the first byte is written.
pub fn write(report: &Report, out: &mut dyn std::io::Write) -> anyhow::Result<()> {
    serde_json::to_writer_pretty(&mut *out, report)?;
    out.write_all(b"\n")?;
    Ok(())
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
