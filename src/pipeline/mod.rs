//! The whole pipeline: collect → facts → rules → findings → gate → report.

use std::path::PathBuf;

use chrono::Utc;

use crate::collect::files::discover;
use crate::collect::secrets::Detector;
use crate::collect::{self, CollectContext};
use crate::config::Config;
use crate::diagnostics::ScanError;
use crate::findings::{Finding, Severity};
use crate::gate::{self, Baseline, Suppressions};
use crate::history::{diff_findings, PreviousRun};
use crate::report::{Notice, Report, RuleInfo, Summary, Targets, Tool, SCHEMA_VERSION};
use crate::rules::{Engine, RuleSet};

mod overlays;
mod sources;
mod stream;

/// Everything a scan needs, already merged from config file and flags.
#[derive(Debug, Clone, Default)]
pub struct ScanRequest {
    pub paths: Vec<PathBuf>,
    pub config: Config,
    /// Extra rule folders, beyond the built-in rules.
    pub rule_dirs: Vec<PathBuf>,
    pub ignore_file: Option<PathBuf>,
    pub baseline: Option<PathBuf>,
    pub fail_on: Severity,
    /// A previous JSON report to compare with.
    pub previous: Option<PathBuf>,
    /// Gate only on findings the previous report did not have.
    pub fail_on_new: bool,
    /// `--exit-zero`: exit 0 whatever the gate decides (and say so in every
    /// report).
    pub exit_zero: bool,
    /// The sources to run (`--only`, `--skip`).
    pub sources: crate::config::sources::Selection,
}

pub use crate::collect::{NoProgress, Progress};

pub fn run(request: &ScanRequest, progress: &dyn Progress) -> Report {
    let started_at = Utc::now();
    let config = &request.config;
    // Credentials in configured URLs: every output masks them (logs too,
    // whatever library writes the line).
    for url in config.http.iter().map(|h| &h.url).chain(config.docker.hosts.iter().map(|h| &h.uri)) {
        crate::mask::url_credentials(url).into_iter().for_each(crate::mask::register_secret);
    }

    progress.stage("loading rules");
    let detector = Detector::pending();
    let engine = stream::EngineCell::new();
    let streamer = streams(request).then(|| crate::report::spool::SpoolWriter::new().ok()).flatten();
    let streamer = streamer.map(|spool| stream::Streamer::new(&engine, config, spool));
    // The rules load on their own thread while the files are found and the
    // sources run: until evaluation only the secret matcher needs them, and
    // it waits for them (as a streamed scan's evaluation does). A TLS
    // audit's probes start without waiting.
    let (loaded, discovery, mut collected) = std::thread::scope(|scope| {
        let loading = scope.spawn(|| {
            let _unblock = (ProvideOnExit(&detector), stream::SetOnExit(&engine));
            crate::contain::test_trigger("<rules>");
            let (rules, errors) = load_rules(request);
            detector.provide(rules.secret_specs().map(|(id, spec)| (id.to_string(), spec.clone())).collect());
            if streamer.is_some() {
                let _ = engine.set(new_engine(&rules, request));
            }
            // The live targets' probes take longer than this: their rules
            // are compiled meanwhile instead of after them.
            live_kinds(request).into_iter().for_each(|kind| rules.precompile(kind));
            (rules, errors)
        });
        progress.stage("discovering files");
        let discovery = discover(&request.paths, &config.scan.exclude);
        progress.stage("collecting");
        let sink = streamer.as_ref().map(|s| s as &dyn collect::FactSink);
        let ctx = CollectContext { config, detector: &detector, sink };
        let collected = sources::collect_all(&discovery, &ctx, &request.sources, progress);
        (loading.join(), discovery, collected)
    });
    // A fault while loading is not one rule's: the run's containment has it.
    let (rules, mut errors) = loaded.unwrap_or_else(|panic| std::panic::resume_unwind(panic));
    // After the rules' own errors, as when the matcher was built up front.
    errors.extend(matcher_problems(&rules, &detector));
    errors.extend(discovery.errors.iter().cloned());
    collected.skipped.splice(0..0, discovery.skipped.iter().cloned());
    errors.append(&mut collected.errors);

    progress.stage("evaluating rules");
    let (mut findings, marks, spool) = match streamer {
        Some(streamer) => {
            // The live targets' facts, held until now, are the first part.
            collected.stream_into(&streamer);
            let streamed = streamer.finish(&collected.streamed);
            errors.extend(streamed.errors);
            (streamed.findings, streamed.marks, streamed.facts)
        }
        None => {
            enrich(&mut collected.facts, config);
            let findings = evaluate(&rules, &collected.facts, request, &mut errors);
            (findings, gate::Marks::of(&collected.facts), None)
        }
    };
    sort_and_dedupe(&mut findings);
    overlays::drop_inherited_findings(&mut findings);

    let (notices, diff) = decide_suppressions(request, &marks, &mut findings, &mut errors);
    let rules_used = rule_infos(&findings, &rules);
    let summary = Summary::of(&findings, errors.len());
    let new_ids = diff.as_ref().filter(|_| request.fail_on_new).map(|d| d.new_ids());
    let gate = gate::decide_with(&findings, errors.len(), request.fail_on, new_ids.as_ref(), request.exit_zero);
    let targets = Targets {
        paths: request.paths.iter().map(|p| crate::collect::files::display_path(p)).collect(),
        config: config.source.as_ref().map(|p| p.display().to_string()),
        files_scanned: collected.stats.files,
        endpoints: endpoints(config),
    };
    Report {
        schema_version: SCHEMA_VERSION.to_string(),
        tool: Tool::default(),
        started_at,
        finished_at: Utc::now(),
        targets,
        summary,
        gate,
        findings,
        errors,
        skipped: collected.skipped,
        notices,
        facts: collected.facts,
        rules: rules_used,
        diff,
        fact_spool: spool,
    }
}

/// Whether the scan hands facts over as they are collected (see `stream`):
/// unless the config says otherwise, or a live cluster is audited (image
/// drift compares it with every manifest at once).
fn streams(request: &ScanRequest) -> bool {
    let config = &request.config;
    config.scan.spool_facts && !(config.kubernetes.enabled && request.sources.runs("kubernetes-api"))
}

fn new_engine(rules: &RuleSet, request: &ScanRequest) -> Result<Engine, ScanError> {
    // IDs from locations relative to the scan root, however the path was
    // typed.
    let engine = Engine::new(rules, &request.config.policy)?.with_id_root(crate::rules::id_root(&request.paths));
    Ok(if request.baseline.is_none() && request.previous.is_none() { engine.without_legacy_ids() } else { engine })
}

/// Stage 1: the built-in rules and the user's rule folders.
fn load_rules(request: &ScanRequest) -> (RuleSet, Vec<ScanError>) {
    let mut rules = RuleSet::builtin();
    for dir in &request.rule_dirs {
        rules.add_dir(dir);
    }
    let errors: Vec<ScanError> = std::mem::take(&mut rules.errors);
    (rules, errors)
}

/// The fact kinds the configured live targets produce.
fn live_kinds(request: &ScanRequest) -> Vec<crate::facts::FactKind> {
    use crate::facts::FactKind;
    let config = &request.config;
    let runs = |source: &str, targets: bool| targets && request.sources.runs(source);
    let mut kinds = Vec::new();
    if runs("tls", !config.tls.is_empty()) {
        kinds.push(FactKind::TlsEndpoint);
    }
    if runs("http", !config.http.is_empty()) {
        kinds.push(FactKind::HttpEndpoint);
    }
    if runs("dns", !config.dns.is_empty()) {
        kinds.push(FactKind::DnsDomain);
    }
    kinds
}

/// Stage 3: facts that need facts of other sources.
fn enrich(facts: &mut Vec<crate::facts::Fact>, config: &Config) {
    // Workloads that set no user run as their image's: ask a local engine.
    collect::docker::resolve_image_users(facts, &config.images);
    crate::facts::role::assign_roles(facts);
    collect::cluster::drift::resolve(facts);
}

/// Stage 4: every rule over every fact.
fn evaluate(
    rules: &RuleSet,
    facts: &[crate::facts::Fact],
    request: &ScanRequest,
    errors: &mut Vec<ScanError>,
) -> Vec<Finding> {
    match new_engine(rules, request) {
        Ok(engine) => {
            // Moved, not copied: 70,000 findings are 25 MB of structs.
            let (findings, e) = engine.evaluate(facts);
            errors.extend(e);
            findings
        }
        Err(e) => {
            errors.push(e);
            Vec::new()
        }
    }
}

/// Stage 5: the gate's suppression inputs (ignore file, baseline IDs, the
/// labels and markers taken from the facts) and the comparison with a previous run.
fn decide_suppressions(
    request: &ScanRequest,
    marks: &gate::Marks,
    findings: &mut [Finding],
    errors: &mut Vec<ScanError>,
) -> (Vec<Notice>, Option<crate::history::Diff>) {
    let mut notices: Vec<Notice> = fingerprint_key_notice().into_iter().collect();
    let ignore =
        request.ignore_file.as_deref().and_then(|path| Suppressions::load(path).map_err(|e| errors.push(e)).ok());
    let baseline = request.baseline.as_deref().and_then(|path| load_baseline(path).map_err(|e| errors.push(e)).ok());
    let inputs =
        gate::Inputs { marks, ignore: ignore.as_ref(), baseline: baseline.as_ref(), today: Utc::now().date_naive() };
    notices.extend(gate::apply(&inputs, findings));

    let diff = request.previous.as_deref().and_then(|path| match crate::report::json::load(path) {
        Ok(previous) => Some(diff_with(previous, &crate::collect::files::display_path(path), findings)),
        Err(e) => {
            errors.push(ScanError::new(
                "history",
                path.display().to_string(),
                crate::diagnostics::ErrorKind::Config,
                format!("cannot compare with the previous report: {e:#}"),
            ));
            None
        }
    });
    (notices, diff)
}

/// A baseline from a previous JSON report: the gate sees only its IDs.
pub fn load_baseline(path: &std::path::Path) -> Result<Baseline, ScanError> {
    let report = crate::report::json::load(path).map_err(|e| {
        ScanError::new("baseline", path.display().to_string(), crate::diagnostics::ErrorKind::Config, format!("{e:#}"))
    })?;
    Ok(report.findings.into_iter().map(|f| f.id).collect())
}

/// The diff between a previous report and this run's findings; an earlier
/// ID scheme's IDs in the previous report take their current form first.
pub fn diff_with(mut previous: Report, shown_path: &str, current: &[Finding]) -> crate::history::Diff {
    gate::legacy::adopt_current_ids(&mut previous.findings, current);
    let run = PreviousRun {
        path: shown_path.to_string(),
        started_at: previous.started_at,
        finished_at: previous.finished_at,
    };
    diff_findings(run, &previous.findings, current)
}

/// Hands the secret matcher its specs (none) if loading the rules ends
/// without doing so, so that no collector waits for them forever.
struct ProvideOnExit<'a>(&'a Detector);

impl Drop for ProvideOnExit<'_> {
    fn drop(&mut self) {
        self.0.provide(Vec::new());
    }
}

/// The secret rules the matcher could not use, if it was built.
fn matcher_problems(rules: &RuleSet, detector: &Detector) -> Vec<ScanError> {
    detector
        .problems()
        .iter()
        .map(|(id, message)| {
            let path = rules.get(id).map_or_else(|| id.clone(), |r| r.meta.path.clone());
            ScanError::new(
                "secrets",
                &path,
                crate::diagnostics::ErrorKind::Rule,
                format!("secret pattern not usable: {message}"),
            )
            .at(crate::facts::Location::file(&path))
        })
        .collect()
}

/// Secret fingerprints made with a key that could not be stored match no
/// other run's: the report says so rather than changing them silently.
fn fingerprint_key_notice() -> Option<Notice> {
    match crate::mask::key_source()? {
        crate::mask::KeySource::Ephemeral(reason) => Some(Notice {
            kind: "fingerprint-key-ephemeral".into(),
            message: format!(
                "secret fingerprints use a key for this run only ({reason}); they will not match other runs' \
                 fingerprints. Set {} to the same value everywhere to compare them. Finding IDs do not depend on it.",
                crate::mask::KEY_ENV
            ),
            source: None,
        }),
        _ => None,
    }
}

/// The metadata of each rule that produced a finding, so the report can be
/// re-rendered in any format without the rule files.
fn rule_infos(findings: &[Finding], rules: &RuleSet) -> Vec<RuleInfo> {
    let ids: std::collections::BTreeSet<&str> = findings.iter().map(|f| &*f.rule_id).collect();
    ids.into_iter().filter_map(|id| rules.get(id)).map(|rule| rule_info(&rule.meta)).collect()
}

/// What a report keeps of a rule.
pub fn rule_info(meta: &crate::rules::RuleMeta) -> RuleInfo {
    RuleInfo {
        id: meta.id.to_string(),
        title: meta.title.to_string(),
        severity: meta.severity,
        rationale: meta.rationale.trim().to_string(),
        remediation: meta.remediation.trim().to_string(),
        references: meta.references.to_vec(),
        tags: meta.tags.clone(),
    }
}

/// Highest severity first, then rule, then where; one finding per
/// fingerprint.
pub fn sort_and_dedupe(findings: &mut Vec<Finding>) {
    use rayon::slice::ParallelSliceMut;
    // Parallel: 70,000 findings took 60 ms sorted on one thread, in the
    // serial stretch between evaluation and the reports. Unstable and in
    // place: a stable sort's buffer (as large as the findings, 16 MB on a
    // large tree) set the scan's peak memory. `report_order` is total over
    // what a report shows, so the result does not depend on the order the
    // findings came in (a streamed scan's parts arrive as threads finish).
    findings.par_sort_unstable_by(report_order);
    let keep: Vec<bool> = {
        let mut seen = std::collections::HashSet::with_capacity(findings.len());
        findings.iter().map(|f| seen.insert(f.id.as_str())).collect()
    };
    let mut keep = keep.into_iter();
    findings.retain(|_| keep.next().unwrap_or(true));
}

/// The order of findings in reports: by severity, rule, location, subject
/// and ID, then by everything else a report shows, so that only findings
/// alike in all of it tie.
fn report_order(a: &Finding, b: &Finding) -> std::cmp::Ordering {
    fn suppression(f: &Finding) -> Option<(&str, &str, Option<chrono::NaiveDate>)> {
        f.suppression.as_deref().map(|s| (s.reason.as_str(), s.source.as_str(), s.expires))
    }
    b.severity
        .cmp(&a.severity)
        .then_with(|| a.rule_id.cmp(&b.rule_id))
        .then_with(|| a.location.cmp(&b.location))
        .then_with(|| a.subject.cmp(&b.subject))
        .then_with(|| a.id.cmp(&b.id))
        .then_with(|| a.key.cmp(&b.key))
        .then_with(|| a.message.cmp(&b.message))
        .then_with(|| a.evidence.cmp(&b.evidence))
        .then_with(|| a.declared_in.cmp(&b.declared_in))
        .then_with(|| a.title.cmp(&b.title))
        .then_with(|| a.legacy_ids.cmp(&b.legacy_ids))
        .then_with(|| (a.suppressed, a.baseline).cmp(&(b.suppressed, b.baseline)))
        .then_with(|| suppression(a).cmp(&suppression(b)))
}

fn endpoints(config: &Config) -> Vec<String> {
    let mut out = Vec::new();
    out.extend(config.tls.iter().map(|t| format!("tls://{}", t.target)));
    out.extend(config.http.iter().map(|h| crate::mask::redact_urls(&h.url).into_owned()));
    out.extend(config.dns.iter().map(|d| format!("dns:{}", d.domain)));
    if config.docker.enabled {
        if config.docker.hosts.is_empty() {
            out.push("docker:default".into());
        }
        out.extend(config.docker.hosts.iter().map(|h| format!("docker:{}", crate::mask::redact_urls(&h.uri))));
    }
    out.extend(config.firewall.scan.iter().map(|s| format!("scan:{}", s.host)));
    if config.kubernetes.enabled {
        if config.kubernetes.contexts.is_empty() {
            out.push("kubernetes:current-context".into());
        }
        out.extend(config.kubernetes.contexts.iter().map(|c| format!("kubernetes:{c}")));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::{FactKind, Location, Subject};
    use crate::findings::Severity;

    fn finding(rule: &str, severity: Severity, id: &str, line: u32, message: &str) -> Finding {
        Finding {
            severity,
            message: message.to_string(),
            location: Some(Location::at("compose.yaml", line, 5)),
            ..Finding::bare(rule, id, Subject::new(FactKind::Workload, "web"))
        }
    }

    /// A streamed scan's parts arrive in whatever order threads finish:
    /// every arrival order gives the same report, and of two findings with
    /// one ID the same one is kept.
    #[test]
    fn the_order_findings_arrive_in_does_not_change_the_result() {
        let findings = vec![
            finding("b-rule", Severity::High, "x1", 4, "second"),
            finding("b-rule", Severity::High, "x1", 4, "first"),
            finding("a-rule", Severity::High, "x2", 9, ""),
            finding("c-rule", Severity::Critical, "x3", 2, ""),
            finding("a-rule", Severity::High, "x4", 3, ""),
            finding("a-rule", Severity::Low, "x5", 1, ""),
        ];
        let shown = |mut findings: Vec<Finding>| {
            sort_and_dedupe(&mut findings);
            findings.into_iter().map(|f| format!("{} {}", f.id, f.message)).collect::<Vec<_>>()
        };
        let expected = shown(findings.clone());
        assert_eq!(expected, ["x3 ", "x4 ", "x2 ", "x1 first", "x5 "]);
        for rotation in 1..findings.len() {
            let mut arrived = findings.clone();
            arrived.rotate_left(rotation);
            assert_eq!(shown(arrived.clone()), expected, "rotated by {rotation}");
            arrived.reverse();
            assert_eq!(shown(arrived), expected, "rotated by {rotation}, reversed");
        }
    }
}
