//! Argument definitions. Their `--help` output is snapshot-tested.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::findings::Severity;
use crate::report::Format;

#[derive(Debug, Parser)]
#[command(
    name = "stackaudit",
    version,
    about = "Security and compliance audit for containerised web stacks",
    long_about = "Security and compliance audit for containerised web stacks: workloads (compose, \
                  Dockerfiles, Kubernetes, running containers), TLS and HTTP endpoints, DNS, firewall \
                  posture and leaked secrets, checked by declarative rules and reported as JSON, HTML, \
                  SARIF, JUnit or a terminal table.",
    after_help = "Exit codes: 0 no finding at or above --fail-on; 1 findings at or above --fail-on; \
                  2 usage, config or rule error, or an incomplete scan."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// More log output on stderr (-v info, -vv debug). Secrets are never logged.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan files and live targets, write reports, and gate on the findings.
    Scan(Box<ScanArgs>),
    /// List, explain and test rules.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Re-render a saved JSON report in another format.
    Report(ReportArgs),
    /// Compare two JSON reports: findings new, resolved and unchanged.
    Diff(DiffArgs),
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Files or folders to scan; `-` reads manifests from standard input.
    /// Defaults to the config's `scan.paths`, or `.`.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Config file [default: stackaudit.toml in the current folder or the
    /// scanned folder, when present].
    #[arg(short, long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Report formats (repeatable or comma-separated). Without --output-dir,
    /// at most one machine format, written to stdout [default: table].
    #[arg(short, long, value_name = "FORMAT", value_delimiter = ',')]
    pub format: Vec<Format>,

    /// Write report files (stackaudit.json, .html, .sarif, .junit.xml) into
    /// this folder; all of them unless --format says otherwise.
    #[arg(short, long, value_name = "DIR")]
    pub output_dir: Option<PathBuf>,

    /// Fail (exit 1) on findings at or above this severity [default: high].
    #[arg(long, value_name = "SEVERITY")]
    pub fail_on: Option<Severity>,

    /// Previous JSON report: findings already in it are marked and do not
    /// fail the gate.
    #[arg(long, value_name = "PREVIOUS.json")]
    pub baseline: Option<PathBuf>,

    /// Suppressions file [default: .stackaudit-ignore.toml when present].
    #[arg(long, value_name = "FILE")]
    pub ignore_file: Option<PathBuf>,

    /// Extra rule folder (repeatable), loaded after the built-in rules.
    #[arg(long = "rules", value_name = "DIR")]
    pub rule_dirs: Vec<PathBuf>,

    /// Always exit 0, still writing every report.
    #[arg(long)]
    pub exit_zero: bool,

    /// Run only these sources (comma-separated): compose, dockerfile,
    /// kubernetes, nginx, secrets, docker, kubernetes-api, tls, http, dns,
    /// firewall.
    #[arg(long, value_name = "SOURCES", value_delimiter = ',')]
    pub only: Vec<String>,

    /// Do not run these sources (comma-separated).
    #[arg(long, value_name = "SOURCES", value_delimiter = ',')]
    pub skip: Vec<String>,

    /// Compare with a previous JSON report: findings new, resolved, unchanged.
    #[arg(long, value_name = "OLD.json", help_heading = "Scheduled audits")]
    pub previous: Option<PathBuf>,

    /// Keep each run's JSON report in DIR (with retention) and compare with
    /// the newest one there.
    #[arg(long, value_name = "DIR", help_heading = "Scheduled audits")]
    pub history: Option<PathBuf>,

    /// Fail only on findings the previous run did not have.
    #[arg(long, help_heading = "Scheduled audits")]
    pub fail_on_new: bool,

    /// Audit the running containers of the Docker host(s).
    #[arg(long, help_heading = "Live targets")]
    pub docker: bool,

    /// Docker host URI (repeatable): unix://, tcp:// (TLS from DOCKER_CERT_PATH), ssh://.
    /// Implies --docker.
    #[arg(long, value_name = "URI", help_heading = "Live targets")]
    pub docker_host: Vec<String>,

    /// With --docker: stopped containers too.
    #[arg(long, help_heading = "Live targets")]
    pub all: bool,

    /// Audit live Kubernetes clusters: the current kubeconfig context, or the
    /// pod's service account inside a cluster.
    #[arg(long, help_heading = "Live targets")]
    pub kubernetes: bool,

    /// Kubeconfig context to audit (repeatable: clusters are audited
    /// concurrently). Implies --kubernetes.
    #[arg(long, value_name = "NAME", help_heading = "Live targets")]
    pub context: Vec<String>,

    /// TLS endpoint to probe (repeatable): HOST:PORT, optionally ,SNI.
    #[arg(long, value_name = "HOST:PORT[,SNI]", help_heading = "Live targets")]
    pub tls: Vec<String>,

    /// URL whose HTTP behaviour to check (repeatable).
    #[arg(long, value_name = "URL", help_heading = "Live targets")]
    pub url: Vec<String>,

    /// Domain whose DNS records to check (repeatable).
    #[arg(long, value_name = "NAME", help_heading = "Live targets")]
    pub domain: Vec<String>,

    /// Name server to query instead of the system resolver (repeatable).
    #[arg(long, value_name = "IP:PORT", help_heading = "Live targets")]
    pub nameserver: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// List every rule: ID, severity, fact kind and title.
    List(RuleSourceArgs),
    /// Show a rule's rationale, remediation, references and expression.
    Explain {
        /// Rule ID.
        id: String,
        #[command(flatten)]
        source: RuleSourceArgs,
    },
    /// Run the inline tests of the built-in rules, or of the rules in DIR.
    Test {
        /// Rule folder to test instead of the built-in rules.
        dir: Option<PathBuf>,
    },
}

#[derive(Debug, Args)]
pub struct RuleSourceArgs {
    /// Extra rule folder (repeatable).
    #[arg(long = "rules", value_name = "DIR")]
    pub rule_dirs: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// A JSON report written by `stackaudit scan`.
    #[arg(value_name = "PREVIOUS.json")]
    pub input: PathBuf,
    /// Output format.
    #[arg(short, long, value_name = "FORMAT", default_value = "html")]
    pub format: Format,
    /// Write here instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The earlier report.
    #[arg(value_name = "OLD.json")]
    pub old: PathBuf,
    /// The later report.
    #[arg(value_name = "NEW.json")]
    pub new: PathBuf,
    /// `table` (a summary) or `json` (the diff section).
    #[arg(short, long, value_name = "FORMAT", default_value = "table")]
    pub format: DiffFormat,
    /// Exit 1 when NEW has findings OLD did not, at or above --fail-on.
    #[arg(long)]
    pub fail_on_new: bool,
    /// Severity threshold for --fail-on-new.
    #[arg(long, value_name = "SEVERITY", default_value = "high")]
    pub fail_on: Severity,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DiffFormat {
    Table,
    Json,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;
    use std::collections::BTreeSet;

    fn words(text: &str) -> BTreeSet<&str> {
        text.split(|c: char| !(c.is_ascii_lowercase() || c == '-')).collect()
    }

    /// `--help` and the config schema list the sources for users: a source
    /// registered in `collect::SOURCES` without being named there fails here.
    #[test]
    fn the_only_help_and_the_config_schema_name_every_registered_source() {
        let cli = super::Cli::command();
        let scan = cli.find_subcommand("scan").unwrap();
        let only = scan.get_arguments().find(|a| a.get_id() == "only").unwrap();
        let help = only.get_help().unwrap().to_string();
        let schema = serde_json::to_value(schemars::schema_for!(crate::config::ScanConfig)).unwrap();
        let described = schema["properties"]["only"]["description"].as_str().unwrap().to_string();
        for name in crate::collect::source_names() {
            assert!(words(&help).contains(name), "--only help lacks {name}: {help}");
            assert!(words(&described).contains(name), "[scan] only lacks {name}: {described}");
        }
    }
}
