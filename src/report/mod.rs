//! Reports. The JSON report is the source of truth; every other format is
//! rendered from the same `Report` value, so `stackaudit report old.json`
//! re-renders exactly what a scan would have written.

pub mod escape;
mod model;
pub mod schema;
pub mod spool;

pub mod html;
pub mod json;
pub mod junit;
pub mod prom;
pub mod sarif;
pub mod table;

pub use model::{Report, RuleInfo, Summary, Targets, Tool, SCHEMA_VERSION};
// The gate's decision types, where report users have always found them.
pub use crate::gate::{Gate, GateStatus, Notice};

use std::str::FromStr;

/// The formats a report can be rendered in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, clap::ValueEnum)]
pub enum Format {
    /// Terminal summary table.
    Table,
    /// The full report, the source of truth (schema: reports/report.schema.json).
    Json,
    /// One self-contained page for reviewers.
    Html,
    /// SARIF 2.1.0 for code-scanning services.
    Sarif,
    /// JUnit XML for CI test dashboards.
    Junit,
    /// Prometheus text exposition for node_exporter's textfile collector.
    Prom,
}

impl Format {
    /// File name written under `--output-dir`.
    pub fn file_name(self) -> Option<&'static str> {
        match self {
            Format::Table => None,
            Format::Json => Some("stackaudit.json"),
            Format::Html => Some("stackaudit.html"),
            Format::Sarif => Some("stackaudit.sarif"),
            Format::Junit => Some("stackaudit.junit.xml"),
            Format::Prom => Some("stackaudit.prom"),
        }
    }

    pub fn is_machine(self) -> bool {
        self != Format::Table
    }

    pub fn render(self, report: &Report, opts: &RenderOptions) -> anyhow::Result<String> {
        match self {
            Format::Table => Ok(table::render(report, opts.color)),
            Format::Json => json::render(report),
            Format::Html => html::render(report),
            Format::Sarif => sarif::render(report),
            Format::Junit => Ok(junit::render(report)),
            Format::Prom => Ok(prom::render(report, opts.last_success_timestamp)),
        }
    }

    /// Writes the rendering to `out`; JSON is streamed rather than built
    /// whole first.
    pub fn write(self, report: &Report, opts: &RenderOptions, out: &mut dyn std::io::Write) -> anyhow::Result<()> {
        match self {
            Format::Json => json::write(report, out),
            other => Ok(out.write_all(other.render(report, opts)?.as_bytes())?),
        }
    }
}

impl FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        <Format as clap::ValueEnum>::from_str(s, true)
    }
}

#[derive(Debug, Clone, Copy, Default)]
pub struct RenderOptions {
    pub color: bool,
    /// For `prom`: when the newest complete run finished, if not this one.
    pub last_success_timestamp: Option<i64>,
}
