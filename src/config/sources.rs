//! Which sources a scan runs (`--only`, `--skip`, `[scan] only/skip`), as
//! `trivy --scanners` and `checkov --framework` let users choose.

/// Every source, by the name users select it with: the names of
/// `collect::SOURCES`, in its order (a test in the pipeline holds them
/// equal).
pub const SOURCES: &[&str] = &[
    "compose",
    "dockerfile",
    "kubernetes",
    "nginx",
    "secrets",
    "docker",
    "kubernetes-api",
    "tls",
    "http",
    "dns",
    "firewall",
];

/// The canonical name of a source as typed (`k8s`, `secret`, `Compose`...),
/// or `None` for a name that is no source.
pub fn canonical(name: &str) -> Option<&'static str> {
    let lower = name.trim().to_ascii_lowercase();
    let name = match lower.as_str() {
        "k8s" | "manifests" => "kubernetes",
        "secret" => "secrets",
        "dockerfiles" | "containerfile" => "dockerfile",
        "containers" => "docker",
        "cluster" | "k8s-api" | "kube-api" => "kubernetes-api",
        "firewalls" => "firewall",
        other => other,
    };
    SOURCES.iter().copied().find(|s| *s == name)
}

/// The selection, already validated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    /// Empty: every source.
    only: Vec<&'static str>,
    skip: Vec<&'static str>,
}

impl Selection {
    /// Builds a selection; the error names the first unknown source.
    pub fn new<'a>(
        only: impl IntoIterator<Item = &'a str>,
        skip: impl IntoIterator<Item = &'a str>,
    ) -> Result<Self, String> {
        let resolve = |names: &mut dyn Iterator<Item = &'a str>| -> Result<Vec<&'static str>, String> {
            names
                .filter(|n| !n.trim().is_empty())
                .map(|n| {
                    canonical(n).ok_or_else(|| format!("unknown source {n:?}; the sources are {}", SOURCES.join(", ")))
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

    #[test]
    fn only_and_skip_with_aliases() {
        let s = Selection::new(["secrets", "Compose"], ["dns"]).unwrap();
        assert!(s.runs("secrets") && s.runs("compose") && !s.runs("kubernetes") && !s.runs("dns"));
        let s = Selection::new([], ["k8s", "dns"]).unwrap();
        assert!(s.runs("compose") && !s.runs("kubernetes") && !s.runs("dns"));
        assert!(Selection::new(["tls"], []).is_ok_and(|s| !s.runs("compose") && s.runs("tls")));
        let s = Selection::new(["cluster"], []).unwrap();
        assert!(s.runs("kubernetes-api") && !s.runs("kubernetes") && !s.runs("compose"));
        let err = Selection::new(["vuln"], []).unwrap_err();
        assert!(err.contains("\"vuln\"") && err.contains("compose"), "{err}");
    }
}
