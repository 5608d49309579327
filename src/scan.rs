//! The whole pipeline: collect → facts → rules → findings → gate → report.

use std::path::PathBuf;

use chrono::Utc;

use crate::collect::files::{discover, Discovery};
use crate::collect::secrets::Detector;
use crate::collect::{self, CollectContext, Collected};
use crate::config::sources::Selection;
use crate::config::Config;
use crate::diagnostics::ScanError;
use crate::findings::{Finding, Severity};
use crate::gate::{self, baseline::Baseline, suppress::Suppressions};
use crate::history::diff_reports;
use crate::report::{Notice, Report, RuleInfo, Summary, Targets, Tool, SCHEMA_VERSION};
use crate::rules::{Engine, RuleSet};
use futures::future::OptionFuture;

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

/// Progress callbacks, so the CLI can show a spinner without the pipeline
/// knowing about terminals.
pub trait Progress: Sync {
    fn stage(&self, _name: &str) {}
    /// Items done so far in a long collection (`total` when known).
    fn count(&self, _what: &str, _done: u64, _total: Option<u64>) {}
}

pub struct NoProgress;
impl Progress for NoProgress {}

pub fn run(request: &ScanRequest, progress: &dyn Progress) -> Report {
    let started_at = Utc::now();
    let config = &request.config;
    // Credentials in configured URLs: every output masks them (logs too,
    // whatever library writes the line).
    for url in config.http.iter().map(|h| &h.url).chain(config.docker.hosts.iter().map(|h| &h.uri)) {
        crate::mask::url_credentials(url).into_iter().for_each(crate::mask::register_secret);
    }

    progress.stage("loading rules");
    let mut rules = RuleSet::builtin();
    for dir in &request.rule_dirs {
        rules.add_dir(dir);
    }
    let mut errors: Vec<ScanError> = std::mem::take(&mut rules.errors);
    let detector = secret_detector(&rules, &mut errors);
    let ctx = CollectContext { config, detector: &detector };

    progress.stage("discovering files");
    let discovery = discover(&request.paths, &config.scan.exclude);

    progress.stage("collecting");
    let mut collected = collect_all(&discovery, &ctx, &request.sources, progress);
    // Workloads that set no user run as their image's: ask a local engine.
    collect::docker::resolve_image_users(&mut collected.facts, &config.images);
    crate::facts::role::assign_roles(&mut collected.facts);
    collect::cluster::drift::resolve(&mut collected.facts);
    errors.extend(discovery.errors.iter().cloned());
    collected.skipped.splice(0..0, discovery.skipped.iter().cloned());
    errors.append(&mut collected.errors);

    progress.stage("evaluating rules");
    let mut findings = Vec::new();
    match Engine::new(&rules, &config.policy) {
        Ok(engine) => {
            let engine = engine.with_id_root(crate::rules::id_root(&request.paths));
            let (f, e) = engine.evaluate(&collected.facts);
            findings.extend(f);
            errors.extend(e);
        }
        Err(e) => errors.push(e),
    }
    sort_and_dedupe(&mut findings);
    collect::kubernetes::drop_inherited_findings(&mut findings);
    collect::docker::apply_label_suppressions(&collected.facts, &mut findings);
    gate::inline::apply(&collected.facts, &mut findings);

    let mut notices: Vec<Notice> = fingerprint_key_notice().into_iter().collect();
    if let Some(path) = &request.ignore_file {
        match Suppressions::load(path) {
            Ok(s) => notices.extend(s.apply(&mut findings, Utc::now().date_naive())),
            Err(e) => errors.push(e),
        }
    }
    if let Some(path) = &request.baseline {
        match Baseline::load(path) {
            Ok(b) => {
                b.apply(&mut findings);
            }
            Err(e) => errors.push(e),
        }
    }

    let rules_used = rule_infos(&findings, &rules);
    let diff = request.previous.as_deref().and_then(|path| match crate::report::json::load(path) {
        Ok(mut previous) => {
            gate::legacy::adopt_current_ids(&mut previous.findings, &findings);
            Some(diff_reports(&previous, &crate::collect::files::display_path(path), &findings))
        }
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

    let summary = Summary::of(&findings, errors.len());
    let new_only = if request.fail_on_new { diff.as_ref() } else { None };
    let gate = gate::decide_with(&findings, errors.len(), request.fail_on, new_only, request.exit_zero);
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
    }
}

/// The secret matcher, built from the loaded secret rules and handed to the
/// collectors.
fn secret_detector(rules: &RuleSet, errors: &mut Vec<ScanError>) -> Detector {
    let (matcher, problems) = crate::secrets::Matcher::new(rules.secret_specs());
    for (id, message) in problems {
        let path = rules.get(&id).map_or_else(|| id.clone(), |r| r.meta.path.clone());
        errors.push(
            ScanError::new(
                "secrets",
                &path,
                crate::diagnostics::ErrorKind::Rule,
                format!("secret pattern not usable: {message}"),
            )
            .at(crate::facts::Location::file(&path)),
        );
    }
    Detector::new(matcher)
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
    let ids: std::collections::BTreeSet<&str> = findings.iter().map(|f| f.rule_id.as_str()).collect();
    ids.into_iter().filter_map(|id| rules.get(id)).map(|rule| RuleInfo::from(&rule.meta)).collect()
}

type FileCollector = fn(&Discovery, &CollectContext<'_>) -> Collected;

/// File collectors on one thread (each spreads over cores itself), network
/// collectors concurrently on the async runtime.
fn collect_all(
    discovery: &Discovery,
    ctx: &CollectContext<'_>,
    sources: &Selection,
    progress: &dyn Progress,
) -> Collected {
    std::thread::scope(|scope| {
        let files = scope.spawn(|| {
            let mut out = Collected::default();
            let file_sources: [(&str, FileCollector); 5] = [
                ("compose", collect::compose::collect),
                ("dockerfile", collect::dockerfile::collect),
                ("kubernetes", collect::kubernetes::collect),
                ("nginx", collect::nginx::collect),
                ("secrets", collect::secrets::collect),
            ];
            for (name, collect) in file_sources {
                if sources.runs(name) {
                    out.merge(collect(discovery, ctx));
                }
            }
            out
        });
        let mut out = Collected::default();
        match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
            Ok(runtime) => {
                let (docker, cluster, tls, http, dns, firewall) = runtime.block_on(async {
                    let run = |name: &str| sources.runs(name);
                    tokio::join!(
                        OptionFuture::from(run("docker").then(|| collect::docker::collect(ctx))),
                        OptionFuture::from(run("kubernetes-api").then(|| collect::cluster::collect(ctx, progress))),
                        OptionFuture::from(run("tls").then(|| collect::tls::collect(ctx))),
                        OptionFuture::from(run("http").then(|| collect::http::collect(ctx))),
                        OptionFuture::from(run("dns").then(|| collect::dns::collect(ctx))),
                        OptionFuture::from(run("firewall").then(|| collect::firewall::collect(ctx))),
                    )
                });
                for part in [docker, cluster, tls, http, dns, firewall].into_iter().flatten() {
                    out.merge(part);
                }
            }
            Err(e) => out.error(ScanError::new(
                "runtime",
                "async runtime",
                crate::diagnostics::ErrorKind::Io,
                format!("cannot start the network runtime: {e}"),
            )),
        }
        match files.join() {
            Ok(f) => out.merge(f),
            Err(_) => out.error(ScanError::new(
                "files",
                "file collectors",
                crate::diagnostics::ErrorKind::Io,
                "a file collector crashed; file results are missing",
            )),
        }
        out
    })
}

/// Highest severity first, then rule, then where; one finding per
/// fingerprint.
pub fn sort_and_dedupe(findings: &mut Vec<Finding>) {
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.rule_id.cmp(&b.rule_id))
            .then_with(|| a.location.cmp(&b.location))
            .then_with(|| a.subject.cmp(&b.subject))
            .then_with(|| a.id.cmp(&b.id))
    });
    let mut seen = std::collections::HashSet::new();
    findings.retain(|f| seen.insert(f.id.clone()));
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
