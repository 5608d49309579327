//! `stackaudit.toml`: one section per source of the mission. Unknown keys and
//! wrong types are errors naming the line, so a typo never silently turns a
//! check off.

mod compose;
mod dns;
mod docker;
mod firewall;
mod history;
mod http;
mod kubernetes;
mod policy;
pub mod ports;
mod scan;
mod secrets;
pub mod sources;
mod tls;
mod validate;

use std::path::{Path, PathBuf};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use compose::{ComposeConfig, ComposeProjectConfig, ImagesConfig};
pub use dns::{DnsConfig, DnsExpectation};
pub use docker::{DockerConfig, DockerHostConfig};
pub use firewall::{FirewallConfig, PortScanTarget};
pub use history::{HistoryConfig, Retention};
pub use http::HttpTarget;
pub use kubernetes::KubernetesConfig;
pub use policy::Policy;
pub use scan::ScanConfig;
pub use secrets::SecretsConfig;
pub use tls::TlsTarget;

use crate::diagnostics::{ErrorKind, ScanError};
use crate::facts::Location;

pub const DEFAULT_FILE_NAME: &str = "stackaudit.toml";

#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// File scanning and gate defaults.
    pub scan: ScanConfig,
    /// The thresholds rules compare against (the deployment guide's values
    /// by default). Exposed to rule expressions as `policy`.
    pub policy: Policy,
    pub docker: DockerConfig,
    /// Live Kubernetes clusters.
    pub kubernetes: KubernetesConfig,
    /// TLS endpoints to probe.
    pub tls: Vec<TlsTarget>,
    /// URLs whose HTTP behaviour to check.
    pub http: Vec<HttpTarget>,
    /// Domains and the records they should have.
    pub dns: Vec<DnsExpectation>,
    /// Resolver settings shared by every `[[dns]]` entry.
    pub resolver: DnsConfig,
    pub firewall: FirewallConfig,
    pub secrets: SecretsConfig,
    pub history: HistoryConfig,
    /// Compose file sets to audit merged.
    pub compose: ComposeConfig,
    /// Looking up the user images are configured with.
    pub images: ImagesConfig,

    /// Where this config was read from (not part of the file).
    #[serde(skip)]
    pub source: Option<PathBuf>,
    /// Line of each top-level table entry, for locating findings about
    /// network targets that have no file of their own.
    #[serde(skip)]
    pub target_lines: TargetLines,
}

/// Lines in the config file where each `[[tls]]`, `[[http]]` and `[[dns]]`
/// entry and the `[docker]` and `[firewall]` tables start.
#[derive(Debug, Clone, Default)]
pub struct TargetLines {
    pub tls: Vec<u32>,
    pub http: Vec<u32>,
    pub dns: Vec<u32>,
    pub docker: Option<u32>,
    pub firewall: Option<u32>,
    pub kubernetes: Option<u32>,
}

/// Largest `stackaudit.toml` read.
pub const MAX_CONFIG_FILE_BYTES: u64 = 4 * 1024 * 1024;

impl Config {
    /// Reads and validates a config file; `[scan] only/skip` must name
    /// `sources` (the registry's names, `collect::source_names()`).
    pub fn load(path: &Path, sources: &[&'static str]) -> Result<Self, ScanError> {
        let display = path.display().to_string();
        // Capped, regular files only: a config that is /dev/zero or a FIFO is an error, not a hang.
        let text = crate::input::read_text(path, MAX_CONFIG_FILE_BYTES)
            .map_err(|e| ScanError::new("config", &display, e.kind(), format!("cannot read config: {e}")))?;
        let mut config = Self::parse(&text, &display, sources)?;
        config.source = Some(path.to_path_buf());
        Ok(config)
    }

    pub fn parse(text: &str, display: &str, sources: &[&'static str]) -> Result<Self, ScanError> {
        let mut config: Config = toml::from_str(text).map_err(|e| {
            let (line, col) = e.span().map(|s| line_col(text, s.start)).unwrap_or((1, 1));
            ScanError::new("config", display, ErrorKind::Config, e.message().to_string())
                .at(Location::at(display, line, col))
        })?;
        config.target_lines = TargetLines::scan(text);
        config.validate(display, sources)?;
        if let Some(invalid) = validate::check(&config, text) {
            let err = ScanError::new("config", display, ErrorKind::Config, invalid.message);
            return Err(match invalid.line {
                Some(line) => err.at(Location::line(display, line)),
                None => err,
            });
        }
        Ok(config)
    }

    fn validate(&self, display: &str, sources: &[&'static str]) -> Result<(), ScanError> {
        let err = |msg: String| ScanError::new("config", display, ErrorKind::Config, msg);
        self.scan.selection(sources).map_err(|e| err(format!("[scan] only/skip: {e}")))?;
        for (i, t) in self.tls.iter().enumerate() {
            if t.target.trim().is_empty() {
                return Err(err(format!("[[tls]] entry {} has an empty target", i + 1)));
            }
        }
        for (i, p) in self.compose.projects.iter().enumerate() {
            if p.files.iter().all(|f| f.trim().is_empty()) {
                return Err(err(format!("[[compose.projects]] entry {} lists no files", i + 1)));
            }
        }
        for (i, h) in self.http.iter().enumerate() {
            if url::Url::parse(&h.url).is_err() {
                return Err(err(format!("[[http]] entry {}: {:?} is not a valid URL", i + 1, h.url)));
            }
        }
        Ok(())
    }

    /// Resolves a path written in the config: relative paths are relative to
    /// the config file's folder, so a config works from any directory.
    pub fn resolve_path(&self, path: &str) -> PathBuf {
        let p = Path::new(path);
        match (&self.source, p.is_relative()) {
            (Some(src), true) => src.parent().map_or_else(|| p.to_path_buf(), |dir| dir.join(p)),
            _ => p.to_path_buf(),
        }
    }

    /// Location of the config entry that declared a target, for findings
    /// about things that have no file of their own.
    pub fn declared_at(&self, line: Option<u32>) -> Option<Location> {
        let path = self.source.as_ref()?.display().to_string();
        Some(match line {
            Some(l) => Location::line(path, l),
            None => Location::file(path),
        })
    }
}

impl TargetLines {
    fn scan(text: &str) -> Self {
        let mut lines = TargetLines::default();
        for (i, raw) in text.lines().enumerate() {
            let n = i as u32 + 1;
            match raw.trim() {
                "[[tls]]" => lines.tls.push(n),
                "[[http]]" => lines.http.push(n),
                "[[dns]]" => lines.dns.push(n),
                "[docker]" => lines.docker = Some(n),
                "[firewall]" => lines.firewall = Some(n),
                "[kubernetes]" => lines.kubernetes = Some(n),
                _ => {}
            }
        }
        lines
    }
}

/// 1-based line and column of a byte offset; an offset inside a character
/// counts as that character's start.
pub fn line_col(text: &str, offset: usize) -> (u32, u32) {
    let end = (0..=offset.min(text.len())).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
    let before = text.get(..end).unwrap_or_default();

    let line = before.matches('\n').count() as u32 + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) as u32 + 1;
    (line, col)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_of_an_offset_inside_a_character_does_not_panic() {
        // `é` is two bytes and `€` three: offset 4 is inside the `€` on line 2.
        assert_eq!(line_col("é\n€x", 4), (2, 1));
        assert_eq!(line_col("é\n€x", 6), (2, 2));
        assert_eq!(line_col("ab", 99), (1, 3));
    }

    #[test]
    fn unknown_keys_name_the_line() {
        let err = Config::parse("[scan]\nfail_on = \"high\"\nfial_on = \"low\"\n", "x.toml", &[]).unwrap_err();
        assert_eq!(err.location.as_ref().and_then(|l| l.line), Some(3), "{err:?}");
        assert!(err.message.contains("fial_on"), "{}", err.message);
    }

    #[test]
    fn wrong_types_name_the_line() {
        let err = Config::parse("[policy]\n\nhsts_min_max_age = \"long\"\n", "x.toml", &[]).unwrap_err();
        assert_eq!(err.location.as_ref().and_then(|l| l.line), Some(3), "{err:?}");
    }

    #[test]
    fn the_readme_example_parses() {
        let readme = include_str!("../../README.md");
        let start = readme.find("```toml\n# stackaudit.toml").expect("README has the full config example");
        let body = &readme[start + 8..];
        let example = &body[..body.find("```").unwrap()];
        let config = Config::parse(example, "README.md", &crate::collect::source_names()).unwrap();
        assert!(!config.tls.is_empty() && !config.dns.is_empty() && !config.http.is_empty());
    }
}
