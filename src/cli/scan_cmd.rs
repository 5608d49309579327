//! `stackaudit scan`: merge flags into the config, run the pipeline, write
//! the reports, exit with the gate's code.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::bail;

use super::args::ScanArgs;
use super::output::write_atomic_with;
use super::progress::Spinner;
use crate::config::{Config, DnsExpectation, DockerHostConfig, HttpTarget, TlsTarget, DEFAULT_FILE_NAME};
use crate::gate::{suppress::DEFAULT_IGNORE_FILE, EXIT_ERROR};
use crate::history::{self, lock::HistoryLock};
use crate::pipeline::{self, ScanRequest};
use crate::report::{Format, RenderOptions, Report};

pub fn run(args: ScanArgs) -> anyhow::Result<u8> {
    let formats = chosen_formats(&args)?;
    let sources = crate::collect::source_names();
    let config = match load_config(&args, &sources) {
        Ok(c) => c,
        Err(e) => {
            // A broken config is a usage error: say where, exit 2.
            eprintln!("{}", crate::report::escape::escape_controls(&format!("error: {e}")));
            if let Some(loc) = &e.location {
                eprintln!("{}", crate::report::escape::escape_controls(&format!("  at {loc}")));
            }
            return Ok(EXIT_ERROR);
        }
    };
    let history_dir = args.history.clone().or_else(|| config.history.dir.as_deref().map(|d| config.resolve_path(d)));
    let retention = config.history.retention.clone();
    let lock_wait = std::time::Duration::from_secs(config.history.lock_timeout_secs);
    let mut request = build_request(&args, config, &sources)?;

    // Held until the run's report is in the history folder and retention is
    // applied; released when this function returns (or the process dies).
    let _lock = match &history_dir {
        Some(dir) => match HistoryLock::acquire(dir, lock_wait) {
            Ok(lock) => Some(lock),
            Err(e) => {
                eprintln!("error: {e:#}");
                return Ok(EXIT_ERROR);
            }
        },
        None => None,
    };
    if request.previous.is_none() {
        if let Some(dir) = &history_dir {
            request.previous = history::store::list(dir)?.into_iter().next().map(|e| e.path);
        }
    }

    let spinner = Spinner::new();
    let report = pipeline::run(&request, &spinner);
    spinner.finish();

    let last_success = last_success(&report, args.output_dir.as_deref(), history_dir.as_deref());
    emit(&report, &formats, args.output_dir.as_deref(), last_success)?;
    if let Some(dir) = &history_dir {
        let path = dir.join(history::store::file_name(report.started_at));
        write_atomic_with(&path, |out| crate::report::json::write(&report, out))?;
        history::store::prune(dir, &retention)?;
    }
    let code = report.gate.exit_code;
    // The process ends here: freeing a report of tens of thousands of facts
    // and findings node by node took 8% of a large scan's time, and the OS
    // reclaims it at exit anyway.
    std::mem::forget(report);
    Ok(code)
}

/// For the metrics file of an incomplete run: when the last complete run
/// finished, from the previous metrics file or the history folder.
fn last_success(report: &Report, output_dir: Option<&Path>, history_dir: Option<&Path>) -> Option<i64> {
    if report.errors.is_empty() {
        return Some(report.finished_at.timestamp());
    }
    let from_prom = output_dir
        .and_then(|d| crate::input::read_text(&d.join("stackaudit.prom"), crate::input::DEFAULT_MAX_CONFIG_BYTES).ok())
        .and_then(|t| crate::report::prom::previous_last_success(&t));
    from_prom.or_else(|| {
        let entries = history::store::list(history_dir?).ok()?;
        entries.iter().find_map(|e| {
            let r = crate::report::json::load(&e.path).ok()?;
            r.errors.is_empty().then(|| r.finished_at.timestamp())
        })
    })
}

/// Which formats go where. Without `--output-dir`, stdout takes a table
/// and at most one machine format.
fn chosen_formats(args: &ScanArgs) -> anyhow::Result<Vec<Format>> {
    let mut formats = args.format.clone();
    formats.sort();
    formats.dedup();
    if formats.is_empty() {
        formats = if args.output_dir.is_some() {
            vec![Format::Table, Format::Json, Format::Html, Format::Sarif, Format::Junit]
        } else {
            vec![Format::Table]
        };
    }
    if args.output_dir.is_none() && formats.iter().filter(|f| f.is_machine()).count() > 1 {
        bail!("only one machine-readable format can go to stdout; use --output-dir to write several");
    }
    Ok(formats)
}

fn load_config(args: &ScanArgs, sources: &[&'static str]) -> Result<Config, crate::diagnostics::ScanError> {
    if let Some(path) = &args.config {
        return Config::load(path, sources);
    }
    let mut candidates = vec![PathBuf::from(DEFAULT_FILE_NAME)];
    if let [only] = args.paths.as_slice() {
        if only.is_dir() {
            candidates.push(only.join(DEFAULT_FILE_NAME));
        }
    }
    // Present in any form but a folder: a config that is a FIFO or a link to
    // /dev/zero must be refused by the loader, not silently passed over.
    match candidates.into_iter().find(|c| c.symlink_metadata().is_ok_and(|m| !m.is_dir())) {
        Some(path) => Config::load(&path, sources),
        None => Ok(Config::default()),
    }
}

fn build_request(args: &ScanArgs, mut config: Config, known: &[&'static str]) -> anyhow::Result<ScanRequest> {
    if !args.only.is_empty() {
        config.scan.only = args.only.clone();
    }
    config.scan.skip.extend(args.skip.iter().cloned());
    let sources = config.scan.selection(known).map_err(|e| anyhow::anyhow!("--only/--skip: {e}"))?;
    // Live targets named on the command line, with no path, are the whole
    // scan: `scan --tls host:443` run from a home folder must not also audit
    // every file below it.
    let live_only = args.paths.is_empty()
        && config.scan.paths.is_empty()
        && (args.docker
            || !args.docker_host.is_empty()
            || args.kubernetes
            || !args.context.is_empty()
            || !args.tls.is_empty()
            || !args.url.is_empty()
            || !args.domain.is_empty());
    let paths: Vec<PathBuf> = if !args.paths.is_empty() {
        args.paths.clone()
    } else if !config.scan.paths.is_empty() {
        config.scan.paths.iter().map(|p| config.resolve_path(p)).collect()
    } else if live_only || !crate::collect::SOURCES.iter().any(|s| s.reads_files() && sources.runs(s.name())) {
        Vec::new()
    } else {
        vec![PathBuf::from(".")]
    };

    if args.docker || !args.docker_host.is_empty() {
        config.docker.enabled = true;
    }
    config.docker.all |= args.all;
    if args.kubernetes || !args.context.is_empty() {
        config.kubernetes.enabled = true;
    }
    if !args.context.is_empty() {
        config.kubernetes.contexts = args.context.clone();
    }
    config
        .docker
        .hosts
        .extend(args.docker_host.iter().map(|uri| DockerHostConfig { uri: uri.clone(), ..Default::default() }));
    for spec in &args.tls {
        let (target, sni) = match spec.split_once(',') {
            Some((t, s)) => (t.to_string(), Some(s.to_string())),
            None => (spec.clone(), None),
        };
        config.tls.push(TlsTarget { target, sni, ..Default::default() });
    }
    for url in &args.url {
        if url::Url::parse(url).is_err() {
            bail!("--url {url:?} is not a valid URL");
        }
        config.http.push(HttpTarget { url: url.clone(), ..Default::default() });
    }
    config.dns.extend(args.domain.iter().map(|d| DnsExpectation { domain: d.clone(), ..Default::default() }));
    if !args.nameserver.is_empty() {
        config.resolver.nameservers = args.nameserver.clone();
    }

    let mut rule_dirs: Vec<PathBuf> = config.scan.rules.iter().map(|r| config.resolve_path(r)).collect();
    rule_dirs.extend(args.rule_dirs.iter().cloned());
    let ignore_file = args
        .ignore_file
        .clone()
        .or_else(|| config.scan.ignore_file.as_deref().map(|p| config.resolve_path(p)))
        .or_else(|| {
            Some(PathBuf::from(DEFAULT_IGNORE_FILE)).filter(|p| p.symlink_metadata().is_ok_and(|m| !m.is_dir()))
        });
    let baseline = args.baseline.clone().or_else(|| config.scan.baseline.as_deref().map(|p| config.resolve_path(p)));
    let fail_on = args.fail_on.unwrap_or(config.scan.fail_on);
    Ok(ScanRequest {
        paths,
        config,
        rule_dirs,
        ignore_file,
        baseline,
        fail_on,
        previous: args.previous.clone(),
        fail_on_new: args.fail_on_new,
        exit_zero: args.exit_zero,
        sources,
    })
}

fn emit(
    report: &Report,
    formats: &[Format],
    output_dir: Option<&Path>,
    last_success_timestamp: Option<i64>,
) -> anyhow::Result<()> {
    let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let opts = RenderOptions { color, last_success_timestamp };
    // Files first: reports exist before the process exits, whatever happens
    // on stdout.
    for format in formats.iter().filter(|f| f.is_machine()) {
        match (output_dir, format.file_name()) {
            (Some(dir), Some(name)) => write_atomic_with(&dir.join(name), |out| format.write(report, &opts, out))?,
            _ => {
                let stdout = std::io::stdout();
                let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
                format.write(report, &opts, &mut out)?;
                out.flush()?;
            }
        }
    }
    if formats.contains(&Format::Table) {
        let text = Format::Table.render(report, &opts)?;
        if output_dir.is_none() && formats.iter().any(|f| f.is_machine()) {
            eprint!("{text}");
        } else {
            print!("{text}");
        }
    } else {
        // A machine format alone (`--format json > report.json`): a person
        // watching the terminal still learns that the scan was incomplete.
        for e in &report.errors {
            eprintln!("{}", error_line(e));
        }
    }
    Ok(())
}

/// One line per scan error, control characters escaped.
fn error_line(e: &crate::diagnostics::ScanError) -> String {
    crate::report::escape::escape_controls(&format!("error: {e}")).into_owned()
}
