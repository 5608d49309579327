//! Image references, wherever they appear: a compose `image:`, a Kubernetes
//! container, a Dockerfile `FROM`, a running container.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Facts about one image reference at one place it is used.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Image {
    pub reference: ImageRef,
    /// What refers to it: `compose`, `kubernetes`, `dockerfile`, `docker`.
    pub used_by: String,
    /// For a Dockerfile `FROM`: the stage is the final one.
    pub final_stage: bool,
}

/// A parsed `[registry/]repository[:tag][@digest]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ImageRef {
    pub raw: String,
    pub registry: Option<String>,
    pub repository: String,
    pub tag: Option<String>,
    pub digest: Option<String>,
    /// The reference contains `${...}` interpolation and cannot be judged.
    pub interpolated: bool,
}

impl ImageRef {
    pub fn parse(raw: &str) -> Self {
        let raw = raw.trim();
        let interpolated = raw.contains("${") || raw.contains('$');
        let (name, digest) = match raw.split_once('@') {
            Some((n, d)) => (n, Some(d.to_string())),
            None => (raw, None),
        };
        // A colon after the last slash separates the tag; one before it is a
        // registry port (`registry:5000/app`).
        let last_slash = name.rfind('/').map_or(0, |i| i + 1);
        let colon = name.get(last_slash..).and_then(|last| last.rfind(':')).map(|i| last_slash + i);
        let (path, tag) = match colon.and_then(|at| name.split_at_checked(at)) {
            Some((path, tag)) => (path, Some(tag.strip_prefix(':').unwrap_or(tag).to_string())),
            None => (name, None),
        };

        let (registry, repository) = match path.split_once('/') {
            Some((first, rest)) if first.contains('.') || first.contains(':') || first == "localhost" => {
                (Some(first.to_string()), rest.to_string())
            }
            _ => (None, path.to_string()),
        };
        Self { raw: raw.to_string(), registry, repository, tag, digest, interpolated }
    }

    /// The tag that will actually be pulled: `latest` when none is given.
    pub fn effective_tag(&self) -> &str {
        self.tag.as_deref().unwrap_or("latest")
    }

    /// Last path component (`node` for `docker.io/library/node`).
    pub fn short_name(&self) -> &str {
        self.repository.rsplit('/').next().unwrap_or(&self.repository)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_registry_port_tag_and_digest() {
        let r = ImageRef::parse("registry.local:5000/team/app:1.2@sha256:abc");
        assert_eq!(r.registry.as_deref(), Some("registry.local:5000"));
        assert_eq!(r.repository, "team/app");
        assert_eq!(r.tag.as_deref(), Some("1.2"));
        assert_eq!(r.digest.as_deref(), Some("sha256:abc"));
        let bare = ImageRef::parse("redis");
        assert_eq!(bare.tag, None);
        assert_eq!(bare.effective_tag(), "latest");
        assert_eq!(ImageRef::parse("localhost:5000/x").tag, None);
        assert_eq!(ImageRef::parse("node:20-alpine").tag.as_deref(), Some("20-alpine"));
    }
}
