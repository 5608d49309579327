//! The history folder: one JSON report per run, named by its start time, so
//! the newest is found by name and retention needs no index file.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use chrono::{DateTime, NaiveDateTime, Utc};

use crate::config::Retention;

const PREFIX: &str = "stackaudit-";
const SUFFIX: &str = ".json";
const STAMP: &str = "%Y%m%dT%H%M%S%.3fZ";

/// A run's report in the history folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub path: PathBuf,
    pub started_at: DateTime<Utc>,
}

pub fn file_name(started_at: DateTime<Utc>) -> String {
    format!("{PREFIX}{}{SUFFIX}", started_at.format(STAMP))
}

fn parse_name(name: &str) -> Option<DateTime<Utc>> {
    let stamp = name.strip_prefix(PREFIX)?.strip_suffix(SUFFIX)?;
    NaiveDateTime::parse_from_str(stamp, STAMP).ok().map(|t| t.and_utc())
}

/// Reports in `dir`, newest first. Files that are not history reports
/// (the lock, temporaries) are ignored.
pub fn list(dir: &Path) -> anyhow::Result<Vec<Entry>> {
    let mut entries = Vec::new();
    let read = match std::fs::read_dir(dir) {
        Ok(r) => r,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(entries),
        Err(e) => return Err(e).with_context(|| format!("cannot read history folder {}", dir.display())),
    };
    for item in read {
        let item = item?;
        if let Some(started_at) = item.file_name().to_str().and_then(parse_name) {
            entries.push(Entry { path: item.path(), started_at });
        }
    }
    entries.sort_by_key(|e| std::cmp::Reverse(e.started_at));
    Ok(entries)
}

/// Deletes the reports retention does not keep; returns how many.
pub fn prune(dir: &Path, retention: &Retention) -> anyhow::Result<usize> {
    let entries = list(dir)?;
    let times: Vec<_> = entries.iter().map(|e| e.started_at).collect();
    let keep = super::retention::keep(&times, retention);
    let mut removed = 0;
    for (i, e) in entries.iter().enumerate() {
        if !keep.contains(&i) {
            std::fs::remove_file(&e.path).with_context(|| format!("cannot remove {}", e.path.display()))?;
            removed += 1;
        }
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn names_round_trip_and_sort() {
        let t = Utc.with_ymd_and_hms(2026, 11, 25, 21, 53, 18).unwrap();
        assert_eq!(file_name(t), "stackaudit-20261125T215318.000Z.json");
        assert_eq!(parse_name(&file_name(t)), Some(t));
        assert_eq!(parse_name(".stackaudit.lock"), None);
    }
}
