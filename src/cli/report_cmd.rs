//! `stackaudit report`: re-render a saved JSON report.

use super::args::ReportArgs;
use super::output::write_atomic;
use crate::report::{json, RenderOptions};

pub fn run(args: ReportArgs) -> anyhow::Result<u8> {
    let report = json::load(&args.input)?;
    let text = args.format.render(&report, &RenderOptions::default())?;
    match &args.output {
        Some(path) => write_atomic(path, text.as_bytes())?,
        None => print!("{text}"),
    }
    Ok(0)
}
