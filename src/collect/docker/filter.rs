//! Which containers to audit: name globs and labels from `[docker]`,
//! applied to the list answer before any container is inspected.

use std::collections::HashMap;

use globset::{Glob, GlobSet, GlobSetBuilder};

use crate::config::DockerConfig;

pub struct Filter {
    include_names: Option<GlobSet>,
    exclude_names: Option<GlobSet>,
    include_labels: Vec<LabelMatch>,
    exclude_labels: Vec<LabelMatch>,
}

/// `key` (present, any value) or `key=value`.
struct LabelMatch {
    key: String,
    value: Option<String>,
}

impl LabelMatch {
    fn parse(spec: &str) -> Self {
        match spec.split_once('=') {
            Some((k, v)) => Self { key: k.trim().to_string(), value: Some(v.trim().to_string()) },
            None => Self { key: spec.trim().to_string(), value: None },
        }
    }

    fn matches(&self, labels: &HashMap<String, String>) -> bool {
        labels.get(&self.key).is_some_and(|v| self.value.as_ref().is_none_or(|want| want == v))
    }
}

impl Filter {
    pub fn new(config: &DockerConfig) -> Result<Self, String> {
        Ok(Self {
            include_names: globs(&config.include_names)?,
            exclude_names: globs(&config.exclude_names)?,
            include_labels: config.include_labels.iter().map(|s| LabelMatch::parse(s)).collect(),
            exclude_labels: config.exclude_labels.iter().map(|s| LabelMatch::parse(s)).collect(),
        })
    }

    /// Whether a container (name without the leading `/`) is audited.
    pub fn accepts(&self, name: &str, labels: &HashMap<String, String>) -> bool {
        if self.include_names.as_ref().is_some_and(|g| !g.is_match(name)) {
            return false;
        }
        if self.exclude_names.as_ref().is_some_and(|g| g.is_match(name)) {
            return false;
        }
        if !self.include_labels.is_empty() && !self.include_labels.iter().any(|m| m.matches(labels)) {
            return false;
        }
        !self.exclude_labels.iter().any(|m| m.matches(labels))
    }
}

fn globs(patterns: &[String]) -> Result<Option<GlobSet>, String> {
    if patterns.is_empty() {
        return Ok(None);
    }
    let mut builder = GlobSetBuilder::new();
    for p in patterns {
        builder.add(Glob::new(p).map_err(|e| format!("invalid container name glob {p:?}: {e}"))?);
    }
    builder.build().map(Some).map_err(|e| format!("invalid container name globs: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn names_and_labels() {
        let config = DockerConfig {
            include_names: vec!["web-*".into(), "redis".into()],
            exclude_names: vec!["web-debug".into()],
            exclude_labels: vec!["tier=test".into()],
            ..Default::default()
        };
        let f = Filter::new(&config).unwrap();
        assert!(f.accepts("web-1", &labels(&[])));
        assert!(f.accepts("redis", &labels(&[("tier", "prod")])));
        assert!(!f.accepts("db", &labels(&[])));
        assert!(!f.accepts("web-debug", &labels(&[])));
        assert!(!f.accepts("web-2", &labels(&[("tier", "test")])));
    }

    #[test]
    fn include_labels_any_of() {
        let config = DockerConfig { include_labels: vec!["audit".into(), "team=web".into()], ..Default::default() };
        let f = Filter::new(&config).unwrap();
        assert!(f.accepts("a", &labels(&[("audit", "")])));
        assert!(f.accepts("a", &labels(&[("team", "web")])));
        assert!(!f.accepts("a", &labels(&[("team", "db")])));
    }
}
