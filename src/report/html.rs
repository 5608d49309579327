use super::Report;

pub fn render(report: &Report) -> anyhow::Result<String> {
    // Placeholder until the html renderer lands.
    super::json::render(report)
}
