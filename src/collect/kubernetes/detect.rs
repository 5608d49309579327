//! Which files are Kubernetes manifests. A YAML or JSON file is one when a
//! document in it has `apiVersion` and `kind`; compose files are left to the
//! compose collector, and YAML that is neither (a CI workflow, Helm values)
//! is ignored without a word.

use crate::collect::files::DiscoveredFile;

/// `compose.yaml`, `compose.override.yml`, `docker-compose.prod.yaml`...
pub fn is_compose_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let Some(stem) = lower.strip_suffix(".yaml").or_else(|| lower.strip_suffix(".yml")) else {
        return false;
    };
    stem == "compose" || stem.starts_with("compose.") || stem.starts_with("docker-compose")
}

/// The names `kustomize build` looks for in a folder.
pub fn is_kustomization_name(name: &str) -> bool {
    matches!(name, "kustomization.yaml" | "kustomization.yml" | "Kustomization")
}

/// A file worth opening: YAML or JSON, not a compose file, or a
/// kustomization.
pub fn is_candidate(file: &DiscoveredFile) -> bool {
    let name = file.file_name();
    let lower = name.to_ascii_lowercase();
    ((lower.ends_with(".yaml") || lower.ends_with(".yml") || lower.ends_with(".json")) && !is_compose_name(name))
        || is_kustomization_name(name)
}

/// Cheap test on the raw text, used before parsing (most YAML in a
/// repository is not a manifest) and to decide whether a file that does not
/// parse was meant to be one.
pub fn looks_like_manifest(text: &str) -> bool {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let (mut api, mut kind) = (false, false);
    for line in text.lines() {
        let t = line.trim_start().trim_start_matches("- ").trim_start_matches(['{', ' ', '\t']);
        api |= t.starts_with("apiVersion:") || t.starts_with("\"apiVersion\"");
        kind |= t.starts_with("kind:") || t.starts_with("\"kind\"");
        if api && kind {
            return true;
        }
    }
    // Single-line JSON.
    text.contains("\"apiVersion\"") && text.contains("\"kind\"")
}

/// Go/Helm template syntax that must be rendered before it is YAML.
pub fn has_template_syntax(text: &str) -> bool {
    text.contains("{{") && text.contains("}}")
}

/// `# Source: chart/templates/deployment.yaml` comments that `helm template`
/// writes before each document, as (line, path), in order.
pub fn helm_sources(text: &str) -> Vec<(u32, String)> {
    if !text.contains("# Source: ") {
        return Vec::new();
    }
    text.lines()
        .enumerate()
        .filter_map(|(i, l)| l.strip_prefix("# Source: ").map(|p| (i as u32 + 1, p.trim().to_string())))
        .collect()
}

/// The Helm template a document at `line` was rendered from.
pub fn helm_source_for(sources: &[(u32, String)], line: u32) -> Option<&str> {
    sources.iter().rev().find(|(l, _)| *l < line).map(|(_, p)| p.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compose_names() {
        for name in
            ["compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.prod.yaml", "compose.override.yml"]
        {
            assert!(is_compose_name(name), "{name}");
        }
        for name in ["deployment.yaml", "k8s.yml", "composer.yaml", "compose.json"] {
            assert!(!is_compose_name(name), "{name}");
        }
    }

    #[test]
    fn manifest_sniffing() {
        assert!(looks_like_manifest("apiVersion: v1\nkind: Pod\n"));
        assert!(looks_like_manifest("---\n# x\nkind: List\napiVersion: v1\nitems: []\n"));
        assert!(looks_like_manifest("{\"apiVersion\": \"v1\", \"kind\": \"Pod\"}"));
        assert!(looks_like_manifest("\u{feff}apiVersion: v1\nkind: Pod\n"));
        assert!(!looks_like_manifest("name: CI\non: push\njobs: {}\n"));
        assert!(!looks_like_manifest("apiVersion: v2\nname: chart\nversion: 1.0.0\n"));
    }

    #[test]
    fn helm_source_comments() {
        let text = "---\n# Source: c/templates/a.yaml\nkind: A\n---\n# Source: c/templates/b.yaml\nkind: B\n";
        let sources = helm_sources(text);
        assert_eq!(helm_source_for(&sources, 3), Some("c/templates/a.yaml"));
        assert_eq!(helm_source_for(&sources, 6), Some("c/templates/b.yaml"));
        assert_eq!(helm_source_for(&sources, 1), None);
    }
}
