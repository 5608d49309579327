use super::Report;

pub fn render(report: &Report) -> anyhow::Result<String> {
    let mut text = serde_json::to_string_pretty(report)?;
    text.push('\n');
    Ok(text)
}

/// Reads a saved JSON report (for `stackaudit report`, baselines and diffs).
pub fn load(path: &std::path::Path) -> anyhow::Result<Report> {
    use anyhow::Context as _;
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read report {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{} is not a stackaudit JSON report", path.display()))
}
