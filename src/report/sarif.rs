//! SARIF 2.1.0 for code-scanning services (GitHub code scanning, Azure
//! DevOps, GitLab, DefectDojo...).
//!
//! What code scanning needs beyond the schema, and how it is met here:
//! - every result has exactly one physical location with `region.startLine`
//!   (GitHub annotates only the first and drops results without one): the
//!   finding's file; otherwise the config or manifest that declared the target
//!   (`declared_in`); otherwise the config file the scan used, or
//!   `stackaudit.toml` (see [`FALLBACK_URI`]), at line 1. A logical location
//!   always names the subject, so the result still says what it is about;
//! - relative paths keep the `%SRCROOT%` base (the folder the scan ran in) so
//!   alerts line up with repository files; absolute paths become `file://` URIs;
//! - every rule has `shortDescription`, `fullDescription` and `help`, a
//!   `security` tag and a `security-severity` score, which is what ranks
//!   alerts as critical/high/medium/low;
//! - `partialFingerprints` carries the finding's stable fingerprint, so alerts
//!   survive edits that move lines.

use std::collections::HashMap;

use serde_json::{json, Map, Value};

use super::{Report, RuleInfo};
use crate::diagnostics::ScanError;
use crate::facts::Location;
use crate::findings::{Finding, Severity};

pub const SCHEMA_URI: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
pub const INFORMATION_URI: &str = "https://github.com/stackaudit/stackaudit";
/// The uriBaseId relative paths are resolved against: the scan's working folder.
pub const SRCROOT: &str = "%SRCROOT%";
/// Where a result points when neither the finding nor its target has a file
/// (a target given only on the command line) and the scan used no config
/// file: the file such targets are declared in.
pub const FALLBACK_URI: &str = "stackaudit.toml";
/// The `partialFingerprints` key of the finding fingerprint.
pub const FINGERPRINT_KEY: &str = "stackauditFindingId/v1";

pub fn render(report: &Report) -> anyhow::Result<String> {
    let mut text = serde_json::to_string_pretty(&log(report))?;
    text.push('\n');
    Ok(text)
}

/// The SARIF log as a JSON value.
pub fn log(report: &Report) -> Value {
    let rules = report.rules_used();
    let index: HashMap<&str, usize> = rules.iter().enumerate().map(|(i, r)| (r.id.as_str(), i)).collect();
    // baselineState is all-or-nothing within a run: only when the scan had
    // a baseline does "new" mean anything.
    let had_baseline = report.findings.iter().any(|f| f.baseline);
    let results: Vec<Value> =
        report.findings.iter().map(|f| result(report, index.get(&*f.rule_id).copied(), had_baseline, f)).collect();
    json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": driver(report, &rules) },
            "originalUriBaseIds": {
                SRCROOT: { "description": { "text": "The folder stackaudit scan ran in; relative paths in the scan are relative to it." } }
            },
            "invocations": [invocation(report)],
            "results": results,
            "columnKind": "unicodeCodePoints",
            "properties": {
                "stackaudit": {
                    "schemaVersion": report.schema_version,
                    "gate": report.gate,
                    "summary": report.summary,
                }
            }
        }]
    })
}

fn driver(report: &Report, rules: &[RuleInfo]) -> Value {
    json!({
        "name": report.tool.name,
        "version": report.tool.version,
        "semanticVersion": report.tool.version,
        "informationUri": INFORMATION_URI,
        "rules": rules.iter().map(rule_descriptor).collect::<Vec<_>>(),
    })
}

/// The score code scanning ranks alerts by (critical is 9.0 and above, high
/// 7.0 to 8.9, medium 4.0 to 6.9, low below).
pub fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "1.0",
    }
}

pub fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

fn rule_descriptor(rule: &RuleInfo) -> Value {
    let mut tags = vec!["security".to_string()];
    tags.extend(rule.tags.iter().filter(|t| t.as_str() != "security").cloned());
    let full = if rule.rationale.is_empty() { rule.title.clone() } else { rule.rationale.clone() };
    let mut descriptor = json!({
        "id": rule.id,
        "name": pascal_case(&rule.id),
        "shortDescription": { "text": rule.title },
        "fullDescription": { "text": full },
        "help": { "text": help_text(rule), "markdown": help_markdown(rule) },
        "defaultConfiguration": { "level": level(rule.severity) },
        "properties": {
            "tags": tags,
            "security-severity": security_severity(rule.severity),
            "severity": rule.severity,
            "references": rule.references,
        }
    });
    if let Some(uri) = rule.references.iter().find(|r| r.starts_with("https://") || r.starts_with("http://")) {
        set(&mut descriptor, "helpUri", json!(uri));
    }
    descriptor
}

/// `workload-runs-as-root` → `WorkloadRunsAsRoot`: SARIF's `name` is meant to
/// be a readable identifier, distinct from the opaque `id`.
fn pascal_case(id: &str) -> String {
    id.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            chars.next().map(|c| c.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
        })
        .collect()
}

fn help_text(rule: &RuleInfo) -> String {
    let mut text = String::new();
    if !rule.rationale.is_empty() {
        text.push_str(&rule.rationale);
        text.push_str("\n\n");
    }
    text.push_str("Remediation: ");
    text.push_str(&rule.remediation);
    if !rule.references.is_empty() {
        text.push_str("\n\nReferences:");
        for r in &rule.references {
            text.push_str("\n- ");
            text.push_str(r);
        }
    }
    text
}

fn help_markdown(rule: &RuleInfo) -> String {
    let mut md = format!("**{}**\n\n", markdown_escape(&rule.title));
    if !rule.rationale.is_empty() {
        md.push_str(&rule.rationale);
        md.push_str("\n\n");
    }
    // Rule files write remediation in Markdown already (`code`), so it goes
    // in as is.
    md.push_str("### Remediation\n\n");
    md.push_str(&rule.remediation);
    if !rule.references.is_empty() {
        md.push_str("\n\n### References\n");
        for r in &rule.references {
            if r.starts_with("https://") || r.starts_with("http://") {
                md.push_str(&format!("\n- <{r}>"));
            } else {
                md.push_str(&format!("\n- {}", markdown_escape(r)));
            }
        }
    }
    md
}

fn markdown_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn result(report: &Report, index: Option<usize>, had_baseline: bool, f: &Finding) -> Value {
    let mut result = json!({
        "ruleId": f.rule_id,
        "level": level(f.severity),
        "message": { "text": f.message },
        "locations": [result_location(report, f)],
        "partialFingerprints": { FINGERPRINT_KEY: f.id },
        "properties": finding_properties(f),
    });
    if let Some(index) = index {
        set(&mut result, "ruleIndex", json!(index));
    }
    if let Some(s) = &f.suppression {
        let mut suppression = json!({ "kind": "external", "status": "accepted", "justification": s.reason });
        set(&mut suppression, "properties", json!({ "source": s.source, "expires": s.expires }));
        set(&mut result, "suppressions", json!([suppression]));
    } else if f.suppressed {
        set(&mut result, "suppressions", json!([{ "kind": "external", "status": "accepted" }]));
    }
    if had_baseline {
        set(&mut result, "baselineState", json!(if f.baseline { "unchanged" } else { "new" }));
    }
    result
}

fn finding_properties(f: &Finding) -> Value {
    let mut props = Map::new();
    props.insert("severity".into(), json!(f.severity));
    props.insert("subject".into(), json!(f.subject));
    if let Some(key) = &f.key {
        props.insert("key".into(), json!(key));
    }
    if let Some(evidence) = &f.evidence {
        props.insert("evidence".into(), json!(evidence));
    }
    if f.baseline {
        props.insert("baseline".into(), json!(true));
    }
    Value::Object(props)
}

/// The one location code scanning shows: the finding's file, else where the
/// target was declared, else the config file; plus the subject as a logical
/// location.
fn result_location(report: &Report, f: &Finding) -> Value {
    let physical = [f.location.as_ref(), f.declared_in.as_ref()]
        .into_iter()
        .flatten()
        .find(|l| is_file(l))
        .map(physical_location)
        .unwrap_or_else(|| fallback_location(report));
    let mut fqn = format!("{}:", f.subject.kind);
    if let Some(scope) = &f.subject.scope {
        fqn.push_str(scope);
        fqn.push('/');
    }
    fqn.push_str(&f.subject.name);
    json!({
        "physicalLocation": physical,
        "logicalLocations": [{ "name": f.subject.name, "fullyQualifiedName": fqn, "kind": f.subject.kind }],
    })
}

/// Piped input has no file to point at.
fn is_file(location: &Location) -> bool {
    let pseudo = location.path.starts_with('<') && location.path.ends_with('>');
    !location.path.is_empty() && !pseudo
}

fn fallback_location(report: &Report) -> Value {
    let path = report.targets.config.as_deref().unwrap_or(FALLBACK_URI);
    physical_location(&Location::line(path, 1))
}

pub fn physical_location(location: &Location) -> Value {
    let mut region = json!({ "startLine": location.line.unwrap_or(1).max(1) });
    if let (Some(_), Some(col)) = (location.line, location.column) {
        set(&mut region, "startColumn", json!(col.max(1)));
    }
    json!({ "artifactLocation": artifact_location(&location.path), "region": region })
}

/// Relative paths stay relative to `%SRCROOT%` (code scanning maps them onto
/// repository files); absolute ones become `file://` URIs.
pub fn artifact_location(path: &str) -> Value {
    let normalised = path.replace('\\', "/");
    if normalised.starts_with('/') {
        json!({ "uri": format!("file://{}", percent_encode_path(&normalised)) })
    } else {
        let relative = normalised.trim_start_matches("./");
        json!({ "uri": percent_encode_path(relative), "uriBaseId": SRCROOT })
    }
}

/// Percent-encodes what may not appear in a URI path (RFC 3986 `pchar` and
/// `/`), byte by byte in UTF-8.
fn percent_encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        let keep = b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'/' | b'-'
                    | b'.'
                    | b'_'
                    | b'~'
                    | b'!'
                    | b'$'
                    | b'&'
                    | b'\''
                    | b'('
                    | b')'
                    | b'*'
                    | b'+'
                    | b','
                    | b';'
                    | b'='
                    | b':'
                    | b'@'
            );
        if keep {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn invocation(report: &Report) -> Value {
    let mut notifications: Vec<Value> = report.errors.iter().map(error_notification).collect();
    notifications.extend(report.skipped.iter().map(|s| {
        json!({
            "level": "note",
            "message": { "text": format!("skipped {}: {}", s.path, s.reason) },
            "descriptor": { "id": "skipped" },
            "locations": [{ "physicalLocation": { "artifactLocation": artifact_location(&s.path) } }],
        })
    }));
    let config_notifications: Vec<Value> = report
        .notices
        .iter()
        .map(|n| {
            let mut v = json!({
                "level": if n.kind == "suppression-expired" { "warning" } else { "note" },
                "message": { "text": n.message },
                "descriptor": { "id": n.kind },
            });
            if let Some(source) = &n.source {
                set(&mut v, "properties", json!({ "source": source }));
            }
            v
        })
        .collect();
    json!({
        "executionSuccessful": report.errors.is_empty(),
        "exitCode": report.gate.exit_code,
        "startTimeUtc": report.started_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "endTimeUtc": report.finished_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "toolExecutionNotifications": notifications,
        "toolConfigurationNotifications": config_notifications,
    })
}

fn error_notification(e: &ScanError) -> Value {
    let mut v = json!({
        "level": "error",
        "message": { "text": e.to_string() },
        "descriptor": { "id": e.kind },
        "properties": { "source": e.source, "target": e.target, "kind": e.kind },
    });
    if let Some(loc) = e.location.as_ref().filter(|l| is_file(l)) {
        set(&mut v, "locations", json!([{ "physicalLocation": physical_location(loc) }]));
    }
    v
}

/// Adds `key` to a JSON object. Every value this module extends is built by
/// `json!({...})` as an object; `value[key] = ...` would panic on any other.
fn set(object: &mut Value, key: &str, value: Value) {
    if let Some(map) = object.as_object_mut() {
        map.insert(key.to_string(), value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_uris() {
        assert_eq!(pascal_case("workload-runs-as-root"), "WorkloadRunsAsRoot");
        assert_eq!(
            artifact_location("./deploy/my app/docker-compose.yml"),
            json!({ "uri": "deploy/my%20app/docker-compose.yml", "uriBaseId": SRCROOT })
        );
        assert_eq!(artifact_location("/srv/a#b.yml"), json!({ "uri": "file:///srv/a%23b.yml" }));
        assert_eq!(artifact_location("café.yml")["uri"], "caf%C3%A9.yml");
    }

    #[test]
    fn regions_always_have_a_start_line() {
        let loc = physical_location(&Location::file("Dockerfile"));
        assert_eq!(loc["region"], json!({ "startLine": 1 }));
        let loc = physical_location(&Location::at("Dockerfile", 7, 3));
        assert_eq!(loc["region"], json!({ "startLine": 7, "startColumn": 3 }));
    }
}
