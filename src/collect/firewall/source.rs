//! Where a ruleset comes from: this host (`nft -j list ruleset`, else
//! `iptables-save`) or a saved file in either format.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use tokio::process::Command;

use super::model::Ruleset;
use super::{iptables, nft_json};
use crate::diagnostics::{ErrorKind, ScanError};
use crate::facts::Location;

const SOURCE: &str = "firewall";
/// Listing a ruleset is local and quick; a hung `nft` must not hang the scan.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(20);
/// A saved ruleset larger than this is not a ruleset.
const MAX_FILE: u64 = 64 * 1024 * 1024;

pub struct Loaded {
    pub ruleset: Ruleset,
    /// What was read, for the fact and errors.
    pub source: String,
}

/// This host's ruleset: nftables when `nft` is installed, else iptables-save.
pub async fn host() -> Result<Loaded, ScanError> {
    match run("nft", &["-j", "list", "ruleset"]).await {
        Ok(text) => {
            let source = "nft -j list ruleset".to_string();
            let ruleset = nft_json::parse(&text).map_err(|e| {
                ScanError::new(SOURCE, &source, ErrorKind::Malformed, format!("cannot read its output: {e}"))
            })?;
            Ok(Loaded { ruleset, source })
        }
        Err(RunError::Missing) => match run("iptables-save", &[]).await {
            Ok(text) => {
                let source = "iptables-save".to_string();
                let ruleset = iptables::parse(&text).map_err(|e| {
                    ScanError::new(SOURCE, &source, ErrorKind::Malformed, format!("cannot read its output: {e}"))
                })?;
                Ok(Loaded { ruleset, source })
            }
            Err(RunError::Missing) => Err(ScanError::new(
                SOURCE,
                "host ruleset",
                ErrorKind::Unsupported,
                "neither `nft` (nftables) nor `iptables-save` is installed, so the host's rules cannot be read; \
                 install nftables or set [firewall] ruleset_file to a saved ruleset",
            )),
            Err(e) => Err(e.into_error("iptables-save")),
        },
        Err(e) => Err(e.into_error("nft -j list ruleset")),
    }
}

/// A saved ruleset: nft JSON (`nft -j list ruleset > file`) or iptables-save text.
pub fn file(path: &Path, display: &str) -> Result<Loaded, ScanError> {
    let err = |kind, msg: String| ScanError::new(SOURCE, display, kind, msg);
    let meta = std::fs::metadata(path)
        .map_err(|e| err(ErrorKind::from_io(&e), format!("cannot read the ruleset file: {e}")))?;
    if meta.len() > MAX_FILE {
        return Err(err(ErrorKind::Unsupported, format!("{} bytes is too large for a ruleset", meta.len())));
    }
    let bytes = crate::collect::text::read_capped(path, MAX_FILE)
        .map_err(|e| err(e.kind(), format!("cannot read the ruleset file: {e}")))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| err(ErrorKind::Malformed, "not UTF-8 text: not a saved ruleset".into()))?;
    let start = text.trim_start();
    let ruleset = if start.starts_with('{') {
        nft_json::parse(&text).map_err(|e| {
            let error = err(ErrorKind::Malformed, format!("invalid nft JSON ruleset: {e}"));
            match e {
                nft_json::NftJsonError::Syntax { line, column, .. } => {
                    error.at(Location::at(display, line as u32, column as u32))
                }
                _ => error.at(Location::file(display)),
            }
        })?
    } else if start.starts_with("table ") || start.starts_with("flush ") {
        return Err(err(
            ErrorKind::Unsupported,
            "nft text syntax is not read; save the ruleset as JSON with `nft -j list ruleset`".into(),
        ));
    } else {
        iptables::parse(&text).map_err(|e| {
            err(ErrorKind::Malformed, format!("invalid iptables-save text: {e}")).at(Location::line(display, e.line))
        })?
    };
    Ok(Loaded { ruleset, source: display.to_string() })
}

enum RunError {
    Missing,
    Failed { kind: ErrorKind, message: String },
}

impl RunError {
    fn into_error(self, what: &str) -> ScanError {
        match self {
            RunError::Missing => ScanError::new(SOURCE, what, ErrorKind::Unsupported, "not installed"),
            RunError::Failed { kind, message } => ScanError::new(SOURCE, what, kind, message),
        }
    }
}

async fn run(program: &str, args: &[&str]) -> Result<String, RunError> {
    let child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn();
    let child = match child {
        Ok(c) => c,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(RunError::Missing),
        Err(e) => {
            return Err(RunError::Failed {
                kind: ErrorKind::from_io(&e),
                message: format!("cannot run {program}: {e}"),
            })
        }
    };
    let output = match tokio::time::timeout(COMMAND_TIMEOUT, child.wait_with_output()).await {
        Ok(Ok(o)) => o,
        Ok(Err(e)) => return Err(RunError::Failed { kind: ErrorKind::from_io(&e), message: e.to_string() }),
        Err(_) => {
            return Err(RunError::Failed {
                kind: ErrorKind::Timeout,
                message: format!("no answer within {} s", COMMAND_TIMEOUT.as_secs()),
            })
        }
    };
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let first = stderr.lines().find(|l| !l.trim().is_empty()).unwrap_or("").trim().to_string();
        let denied = ["Operation not permitted", "Permission denied", "must be root", "you must be root"]
            .iter()
            .any(|p| stderr.contains(p));
        let (kind, hint) = if denied {
            (ErrorKind::Denied, " (reading the ruleset needs root or CAP_NET_ADMIN)")
        } else {
            (ErrorKind::Io, "")
        };
        return Err(RunError::Failed { kind, message: format!("exited with {}: {first}{hint}", output.status) });
    }
    String::from_utf8(output.stdout)
        .map_err(|_| RunError::Failed { kind: ErrorKind::Malformed, message: "output is not UTF-8".into() })
}
