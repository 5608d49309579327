use super::Report;

pub fn render(report: &Report, _color: bool) -> String {
    let mut out = String::new();
    for f in &report.findings {
        let loc = f.location.as_ref().map(|l| l.to_string()).unwrap_or_default();
        out.push_str(&format!("{:<8} {:<40} {} {}\n", f.severity, f.rule_id, f.subject.display(), loc));
    }
    out
}
