//! Which sources a scan runs (`--only`, `--skip`, `[scan] only/skip`), as
//! `trivy --scanners` and `checkov --framework` let users choose.
//!
//! The names are the registry's (`collect::SOURCES`), which config may not
//! import: whoever parses a config or builds a selection passes them in
//! (`collect::source_names()`), so a new source is registered in one place.

/// Other spellings users type (lower case), each with the registered name it
/// means. An alias of a source that is not registered selects nothing and is
/// refused like any unknown name.
pub const ALIASES: &[(&str, &str)] = &[
    ("k8s", "kubernetes"),
    ("manifests", "kubernetes"),
    ("secret", "secrets"),
    ("dockerfiles", "dockerfile"),
    ("containerfile", "dockerfile"),
    ("containers", "docker"),
    ("cluster", "kubernetes-api"),
    ("k8s-api", "kubernetes-api"),
    ("kube-api", "kubernetes-api"),
    ("firewalls", "firewall"),
];

/// The registered name of a source as typed (`k8s`, `secret`, `Compose`...),
/// or `None` for a name that is no source in `known`.
pub fn canonical(name: &str, known: &[&'static str]) -> Option<&'static str> {
    let lower = name.trim().to_ascii_lowercase();
    let name = ALIASES.iter().find(|(alias, _)| *alias == lower).map_or(lower.as_str(), |(_, registered)| registered);
    known.iter().copied().find(|s| *s == name)
}

/// The selection, already validated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    /// Empty: every source.
    only: Vec<&'static str>,
    skip: Vec<&'static str>,
}

impl Selection {
    /// Builds a selection among the `known` sources; the error names the
    /// first unknown one.
    pub fn new<'a>(
        only: impl IntoIterator<Item = &'a str>,
        skip: impl IntoIterator<Item = &'a str>,
        known: &[&'static str],
    ) -> Result<Self, String> {
        let resolve = |names: &mut dyn Iterator<Item = &'a str>| -> Result<Vec<&'static str>, String> {
            names
                .filter(|n| !n.trim().is_empty())
                .map(|n| {
                    canonical(n, known)
                        .ok_or_else(|| format!("unknown source {n:?}; the sources are {}", known.join(", ")))
                })
                .collect()
        };
        Ok(Self { only: resolve(&mut only.into_iter())?, skip: resolve(&mut skip.into_iter())? })
    }

    pub fn runs(&self, source: &str) -> bool {
        (self.only.is_empty() || self.only.contains(&source)) && !self.skip.contains(&source)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Names as the pipeline passes them in (its own test holds the aliases
    /// to the real registry).
    const SOURCES: &[&str] = &["compose", "kubernetes", "secrets", "kubernetes-api", "tls", "dns"];

    #[test]
    fn only_and_skip_with_aliases() {
        let s = Selection::new(["secrets", "Compose"], ["dns"], SOURCES).unwrap();
        assert!(s.runs("secrets") && s.runs("compose") && !s.runs("kubernetes") && !s.runs("dns"));
        let s = Selection::new([], ["k8s", "dns"], SOURCES).unwrap();
        assert!(s.runs("compose") && !s.runs("kubernetes") && !s.runs("dns"));
        assert!(Selection::new(["tls"], [], SOURCES).is_ok_and(|s| !s.runs("compose") && s.runs("tls")));
        let s = Selection::new(["cluster"], [], SOURCES).unwrap();
        assert!(s.runs("kubernetes-api") && !s.runs("kubernetes") && !s.runs("compose"));
        let err = Selection::new(["vuln"], [], SOURCES).unwrap_err();
        assert!(err.contains("\"vuln\"") && err.contains("compose"), "{err}");
    }
}
