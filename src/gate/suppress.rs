//! Suppressions from an ignore file: each names a rule, optionally a subject
//! and a path glob, a required reason and an optional expiry date. An expired
//! entry stops suppressing and the report says so.
//!
//! ```toml
//! [[ignore]]
//! rule = "workload-no-healthcheck"
//! subject = "redis"            # glob on the subject name (optional)
//! path = "deploy/**"           # glob on the finding's file (optional)
//! reason = "health is checked by the app's readiness probe"
//! expires = 2027-03-31         # optional
//! ```

use chrono::NaiveDate;
use globset::{Glob, GlobMatcher};
use serde::Deserialize;

use super::Notice;
use crate::config::line_col;
use crate::diagnostics::{ErrorKind, ScanError};
use crate::facts::Location;
use crate::findings::{Finding, Suppression};

/// Looked for in the current directory when `--ignore-file` is not given.
pub const DEFAULT_IGNORE_FILE: &str = ".stackaudit-ignore.toml";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct IgnoreFile {
    #[serde(default)]
    ignore: Vec<toml::Spanned<Entry>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    rule: String,
    subject: Option<String>,
    path: Option<String>,
    reason: String,
    expires: Option<toml::Value>,
}

#[derive(Debug)]
pub struct Rule {
    pub rule: String,
    subject: Option<GlobMatcher>,
    path: Option<GlobMatcher>,
    pub reason: String,
    pub expires: Option<NaiveDate>,
    /// `file:line` of the entry.
    pub source: String,
}

/// Largest ignore file read.
pub const MAX_IGNORE_FILE_BYTES: u64 = 8 * 1024 * 1024;

#[derive(Debug, Default)]
pub struct Suppressions {
    pub rules: Vec<Rule>,
}

impl Suppressions {
    pub fn load(path: &std::path::Path) -> Result<Self, ScanError> {
        let shown = path.display().to_string();
        // Capped, regular files only: /dev/zero or a FIFO is an error, not a hang.
        let text = crate::input::read_text(path, MAX_IGNORE_FILE_BYTES)
            .map_err(|e| ScanError::new("ignore-file", &shown, e.kind(), format!("cannot read ignore file: {e}")))?;
        Self::parse(&text, &shown)
    }

    pub fn parse(text: &str, shown: &str) -> Result<Self, ScanError> {
        let err = |offset: usize, msg: String| {
            let (line, col) = line_col(text, offset);
            ScanError::new("ignore-file", shown, ErrorKind::Config, msg).at(Location::at(shown, line, col))
        };
        let file: IgnoreFile = toml::from_str(text)
            .map_err(|e| err(e.span().map_or(0, |s| s.start), format!("invalid ignore file: {}", e.message())))?;
        let mut rules = Vec::new();
        for spanned in file.ignore {
            let start = spanned.span().start;
            let (line, _) = line_col(text, start);
            let entry = spanned.into_inner();
            if entry.reason.trim().is_empty() {
                return Err(err(start, format!("suppression of {} needs a non-empty reason", entry.rule)));
            }
            let glob = |pattern: &Option<String>| -> Result<Option<GlobMatcher>, ScanError> {
                pattern
                    .as_ref()
                    .map(|p| {
                        Glob::new(p)
                            .map(|g| g.compile_matcher())
                            .map_err(|e| err(start, format!("invalid glob {p:?}: {e}")))
                    })
                    .transpose()
            };
            let expires = match &entry.expires {
                None => None,
                Some(toml::Value::Datetime(d)) => {
                    Some(parse_date(&d.to_string()).ok_or_else(|| err(start, format!("invalid expiry date {d}")))?)
                }
                Some(toml::Value::String(s)) => Some(
                    parse_date(s).ok_or_else(|| err(start, format!("invalid expiry date {s:?} (use YYYY-MM-DD)")))?,
                ),
                Some(other) => return Err(err(start, format!("invalid expiry date {other} (use YYYY-MM-DD)"))),
            };
            rules.push(Rule {
                subject: glob(&entry.subject)?,
                path: glob(&entry.path)?,
                rule: entry.rule,
                reason: entry.reason,
                expires,
                source: format!("{shown}:{line}"),
            });
        }
        Ok(Self { rules })
    }

    /// Marks suppressed findings; returns notices about expired entries and
    /// entries that matched nothing.
    pub fn apply(&self, findings: &mut [Finding], today: NaiveDate) -> Vec<Notice> {
        let mut notices = Vec::new();
        for rule in &self.rules {
            let expired = rule.expires.is_some_and(|d| d < today);
            let mut matched = 0usize;
            for f in findings.iter_mut().filter(|f| rule.matches(f)) {
                matched += 1;
                if !expired && !f.suppressed {
                    f.suppressed = true;
                    f.suppression = Some(Box::new(Suppression {
                        reason: rule.reason.clone(),
                        source: rule.source.clone(),
                        expires: rule.expires,
                    }));
                }
            }
            if expired {
                notices.push(Notice {
                    kind: "suppression-expired".into(),
                    message: format!(
                        "suppression of {} expired on {}; {} finding(s) count again",
                        rule.rule,
                        rule.expires.map(|d| d.to_string()).unwrap_or_default(),
                        matched
                    ),
                    source: Some(rule.source.clone()),
                });
            } else if matched == 0 {
                notices.push(Notice {
                    kind: "suppression-unused".into(),
                    message: format!("suppression of {} matched no finding", rule.rule),
                    source: Some(rule.source.clone()),
                });
            }
        }
        notices
    }
}

impl Rule {
    fn matches(&self, f: &Finding) -> bool {
        if *self.rule != *f.rule_id && self.rule != "*" {
            return false;
        }
        if let Some(glob) = &self.subject {
            if !glob.is_match(&f.subject.name) {
                return false;
            }
        }
        if let Some(glob) = &self.path {
            let path = f.location.as_ref().or(f.declared_in.as_ref()).map(|l| &*l.path);
            if !path.is_some_and(|p| glob.is_match(p)) {
                return false;
            }
        }
        true
    }
}

fn parse_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.get(..10)?, "%Y-%m-%d").ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reason_is_required_and_errors_name_the_line() {
        let err = Suppressions::parse("[[ignore]]\nrule = \"x\"\nreason = \"\"\n", "i.toml").unwrap_err();
        assert!(err.message.contains("reason"), "{err}");
        assert!(err.location.unwrap().line.is_some());
        let err = Suppressions::parse("[[ignore]]\nrule = \"x\"\n", "i.toml").unwrap_err();
        assert!(err.message.contains("reason"), "{err}");
    }

    #[test]
    fn dates_parse_as_toml_dates_or_strings() {
        let s = Suppressions::parse(
            "[[ignore]]\nrule = \"a\"\nreason = \"r\"\nexpires = 2027-01-02\n[[ignore]]\nrule = \"b\"\nreason = \"r\"\nexpires = \"2026-05-06\"\n",
            "i.toml",
        )
        .unwrap();
        assert_eq!(s.rules[0].expires, NaiveDate::from_ymd_opt(2027, 1, 2));
        assert_eq!(s.rules[1].expires, NaiveDate::from_ymd_opt(2026, 5, 6));
        assert_eq!(s.rules[1].source, "i.toml:5");
    }
}
