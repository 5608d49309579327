//! What the HTML template sees: the report flattened into display-ready
//! values, so the template only lays things out. Every string here is
//! escaped by the template engine on the way out.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::facts::{FactKind, Location};
use crate::findings::{Finding, Severity};
use crate::report::{GateStatus, Report};

#[derive(Serialize)]
pub struct View {
    pub tool_name: String,
    pub tool_version: String,
    pub schema_version: String,
    pub started_at: String,
    pub finished_at: String,
    pub duration: String,
    pub targets: Targets,
    pub gate: Gate,
    pub severities: Vec<SeverityCount>,
    pub total: usize,
    pub counting: usize,
    pub suppressed: usize,
    pub baseline: usize,
    pub errors: Vec<ErrorRow>,
    pub skipped: Vec<SkippedRow>,
    pub notices: Vec<NoticeRow>,
    pub findings: Vec<FindingRow>,
    pub rules: Vec<Choice>,
    pub sources: Vec<Choice>,
    /// What changed since the previous run, when the scan compared.
    pub diff: Option<DiffView>,
}

#[derive(Serialize)]
pub struct DiffView {
    pub previous_path: String,
    pub previous_finished_at: String,
    pub new_count: usize,
    pub unchanged_count: usize,
    pub resolved: Vec<ResolvedRow>,
}

#[derive(Serialize)]
pub struct ResolvedRow {
    pub severity: &'static str,
    pub rule_id: String,
    pub subject: String,
    pub location: Option<String>,
    pub message: String,
}

#[derive(Serialize)]
pub struct Targets {
    pub paths: Vec<String>,
    pub config: Option<String>,
    pub files_scanned: usize,
    pub endpoints: Vec<String>,
}

#[derive(Serialize)]
pub struct Gate {
    /// `passed`, `failed` or `incomplete`: also the CSS class.
    pub status: &'static str,
    pub label: &'static str,
    pub detail: String,
    pub fail_on: &'static str,
    pub exit_code: u8,
    /// `exit 1`, or `exit 0 (--exit-zero; ...)`.
    pub exit_text: String,
}

#[derive(Serialize)]
pub struct SeverityCount {
    pub name: &'static str,
    pub label: String,
    pub count: usize,
}

#[derive(Serialize)]
pub struct ErrorRow {
    pub source: String,
    pub target: String,
    pub kind: String,
    pub message: String,
    pub location: Option<String>,
}

#[derive(Serialize)]
pub struct SkippedRow {
    pub path: String,
    pub reason: String,
}

#[derive(Serialize)]
pub struct NoticeRow {
    pub kind: String,
    pub message: String,
    pub source: Option<String>,
    /// Expired suppressions deserve attention; unused ones are informational.
    pub warning: bool,
}

/// A filter option: value, display label, how many findings have it.
#[derive(Serialize)]
pub struct Choice {
    pub value: String,
    pub label: String,
    pub count: usize,
}

#[derive(Serialize)]
pub struct FindingRow {
    pub id: String,
    pub rule_id: String,
    pub title: String,
    pub severity: &'static str,
    pub message: String,
    pub subject: String,
    pub subject_kind: &'static str,
    pub labels: Vec<(String, String)>,
    pub source: String,
    pub source_label: String,
    pub key: Option<String>,
    pub location: Option<String>,
    pub declared_in: Option<String>,
    pub evidence: Option<String>,
    pub rationale: String,
    pub remediation: String,
    pub references: Vec<Reference>,
    /// `open`, `suppressed` or `baseline`.
    pub status: &'static str,
    pub suppression: Option<SuppressionRow>,
    /// Not present in the previous run.
    pub is_new: bool,
}

#[derive(Serialize)]
pub struct Reference {
    pub text: String,
    /// Only http(s) references become links.
    pub url: Option<String>,
}

#[derive(Serialize)]
pub struct SuppressionRow {
    pub reason: String,
    pub source: String,
    pub expires: Option<String>,
}

pub fn build(report: &Report) -> View {
    let s = &report.summary;
    let platforms = workload_platforms(report);
    let rationales: HashMap<String, String> = report.rules_used().into_iter().map(|r| (r.id, r.rationale)).collect();
    let new_ids = report.diff.as_ref().map(|d| d.new_ids()).unwrap_or_default();
    let findings: Vec<FindingRow> = report
        .findings
        .iter()
        .map(|f| FindingRow { is_new: new_ids.contains(f.id.as_str()), ..finding_row(&rationales, &platforms, f) })
        .collect();

    let mut rules: BTreeMap<&str, usize> = BTreeMap::new();
    let mut sources: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for f in &findings {
        *rules.entry(&f.rule_id).or_default() += 1;
        *sources.entry((&f.source, &f.source_label)).or_default() += 1;
    }

    View {
        tool_name: report.tool.name.clone(),
        tool_version: report.tool.version.clone(),
        schema_version: report.schema_version.clone(),
        started_at: report.started_at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
        finished_at: report.finished_at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
        duration: duration(report),
        targets: Targets {
            paths: report.targets.paths.clone(),
            config: report.targets.config.clone(),
            files_scanned: report.targets.files_scanned,
            endpoints: report.targets.endpoints.clone(),
        },
        gate: gate(report),
        severities: Severity::ALL
            .iter()
            .map(|sev| SeverityCount { name: sev.as_str(), label: capitalise(sev.as_str()), count: s.count(*sev) })
            .collect(),
        total: s.total,
        counting: Severity::ALL.iter().map(|sev| s.count(*sev)).sum(),
        suppressed: s.suppressed,
        baseline: s.baseline,
        errors: report
            .errors
            .iter()
            .map(|e| ErrorRow {
                source: e.source.clone(),
                target: e.target.clone(),
                kind: serde_json::to_value(e.kind).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default(),
                message: e.message.clone(),
                location: e.location.as_ref().map(Location::to_string),
            })
            .collect(),
        skipped: report.skipped.iter().map(|s| SkippedRow { path: s.path.clone(), reason: s.reason.clone() }).collect(),
        notices: report
            .notices
            .iter()
            .map(|n| NoticeRow {
                kind: n.kind.clone(),
                message: n.message.clone(),
                source: n.source.clone(),
                warning: n.kind == "suppression-expired",
            })
            .collect(),
        rules: rules.into_iter().map(|(id, count)| Choice { value: id.into(), label: id.into(), count }).collect(),
        sources: sources
            .into_iter()
            .map(|((value, label), count)| Choice { value: value.into(), label: label.into(), count })
            .collect(),
        findings,
        diff: report.diff.as_ref().map(|d| DiffView {
            previous_path: d.previous.path.clone(),
            previous_finished_at: d.previous.finished_at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
            new_count: d.new.len(),
            unchanged_count: d.unchanged.len(),
            resolved: d
                .resolved
                .iter()
                .map(|f| ResolvedRow {
                    severity: f.severity.as_str(),
                    rule_id: f.rule_id.to_string(),
                    subject: f.subject.display(),
                    location: f.location.as_ref().map(Location::to_string),
                    message: f.message.clone(),
                })
                .collect(),
        }),
    }
}

fn gate(report: &Report) -> Gate {
    let g = &report.gate;
    let fail_on = g.fail_on.as_str();
    let over: usize = Severity::ALL.iter().filter(|s| **s >= g.fail_on).map(|s| report.summary.count(*s)).sum();
    let (status, label, detail) = match g.status {
        GateStatus::Passed => ("passed", "Passed", format!("No counting finding at or above {fail_on}.")),
        GateStatus::Failed => {
            ("failed", "Failed", format!("{over} finding{} at or above {fail_on}.", if over == 1 { "" } else { "s" }))
        }
        GateStatus::Incomplete => (
            "incomplete",
            "Incomplete",
            format!(
                "{} error{} kept the scan from completing; results may be missing.",
                report.errors.len(),
                if report.errors.len() == 1 { "" } else { "s" }
            ),
        ),
    };
    Gate { status, label, detail, fail_on, exit_code: g.exit_code, exit_text: g.exit_text() }
}

/// The platform each workload subject was declared on, so the source filter
/// can tell compose services from Kubernetes and running containers.
fn workload_platforms(report: &Report) -> HashMap<(Option<&str>, &str), String> {
    let spooled = report.fact_spool.iter().flat_map(|spool| spool.platforms().iter());
    let held = report.facts.iter().filter_map(|fact| {
        let platform = crate::report::spool::workload_platform(fact)?;
        Some(((fact.subject.scope.as_deref(), fact.subject.name.as_str()), platform))
    });
    spooled.map(|((scope, name), platform)| ((scope.as_deref(), name.as_str()), platform.clone())).chain(held).collect()
}

fn finding_row(
    rationales: &HashMap<String, String>,
    platforms: &HashMap<(Option<&str>, &str), String>,
    f: &Finding,
) -> FindingRow {
    let kind = f.subject.kind.as_str();
    let platform = match f.subject.kind {
        FactKind::Workload => platforms
            .get(&(f.subject.scope.as_deref(), f.subject.name.as_str()))
            .cloned()
            .or_else(|| f.subject.labels.get("platform").cloned()),
        _ => f.subject.labels.get("platform").cloned(),
    };
    let (source, source_label) = match &platform {
        Some(p) => (format!("{kind}:{p}"), format!("{} ({p})", kind.replace('_', " "))),
        None => (kind.to_string(), kind.replace('_', " ")),
    };
    let status = if f.suppressed {
        "suppressed"
    } else if f.baseline {
        "baseline"
    } else {
        "open"
    };
    FindingRow {
        id: f.id.clone(),
        rule_id: f.rule_id.to_string(),
        title: f.title.to_string(),
        severity: f.severity.as_str(),
        message: f.message.clone(),
        subject: f.subject.display(),
        subject_kind: kind,
        labels: f.subject.labels.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        source,
        source_label,
        key: f.key.clone(),
        location: f.location.as_ref().map(Location::to_string),
        declared_in: f.declared_in.as_ref().map(Location::to_string),
        evidence: f.evidence.clone(),
        rationale: rationales.get(&*f.rule_id).cloned().unwrap_or_default(),
        remediation: f.remediation.trim().to_string(),
        references: f
            .references
            .iter()
            .map(|r| Reference {
                text: r.clone(),
                url: (r.starts_with("https://") || r.starts_with("http://")).then(|| r.clone()),
            })
            .collect(),
        status,
        suppression: f.suppression.as_ref().map(|s| SuppressionRow {
            reason: s.reason.clone(),
            source: s.source.clone(),
            expires: s.expires.map(|d| d.to_string()),
        }),
        is_new: false,
    }
}

fn duration(report: &Report) -> String {
    let ms = (report.finished_at - report.started_at).num_milliseconds().max(0);
    if ms < 1000 {
        format!("{ms} ms")
    } else if ms < 60_000 {
        format!("{:.1} s", ms as f64 / 1000.0)
    } else {
        format!("{} min {} s", ms / 60_000, (ms % 60_000) / 1000)
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|first| first.to_uppercase().collect::<String>() + c.as_str()).unwrap_or_default()
}
