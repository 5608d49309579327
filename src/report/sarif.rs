use super::Report;

pub fn render(report: &Report) -> anyhow::Result<String> {
    // Placeholder until the sarif renderer lands.
    super::json::render(report)
}
