//! Which objects a patch applies to: a `target:` selector (group, version,
//! kind, name as an anchored regular expression, namespace, label and
//! annotation selectors), or the patch's own kind and name.

use regex::Regex;

use crate::collect::yaml::Node;

#[derive(Debug, Clone, Default)]
pub struct Selector {
    group: Option<String>,
    version: Option<String>,
    kind: Option<String>,
    name: Option<Regex>,
    namespace: Option<String>,
    labels: Vec<Requirement>,
    annotations: Vec<Requirement>,
}

#[derive(Debug, Clone)]
enum Requirement {
    Equals(String, String),
    NotEquals(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    Absent(String),
}

/// What a selector is matched against: an object and the names it had in
/// earlier layers (a patch may name a base object before its prefix).
pub struct Candidate<'n> {
    pub node: &'n Node,
    pub names: &'n [String],
}

impl Selector {
    /// A `target:` mapping.
    pub fn read(node: &Node) -> Result<Self, String> {
        let text = |key: &str| node.get(key).and_then(Node::as_str).map(str::to_string);
        let name = match text("name") {
            Some(pattern) => Some(
                Regex::new(&format!("^(?:{pattern})$"))
                    .map_err(|e| format!("target name {pattern:?} is not a regular expression: {e}"))?,
            ),
            None => None,
        };
        Ok(Self {
            group: text("group"),
            version: text("version"),
            kind: text("kind"),
            name,
            namespace: text("namespace"),
            labels: requirements(text("labelSelector").as_deref().unwrap_or(""))?,
            annotations: requirements(text("annotationSelector").as_deref().unwrap_or(""))?,
        })
    }

    /// The object a strategic-merge patch names itself (`apiVersion`,
    /// `kind`, `metadata.name` and `namespace`).
    pub fn of_patch(patch: &Node) -> Option<Self> {
        let kind = patch.get("kind").and_then(Node::as_str)?;
        let name = patch.path(&["metadata", "name"]).and_then(Node::as_str)?;
        let (group, _) = group_version(patch.get("apiVersion").and_then(Node::as_str).unwrap_or(""));
        Some(Self {
            group: Some(group.to_string()),
            kind: Some(kind.to_string()),
            name: Regex::new(&format!("^{}$", regex::escape(name))).ok(),
            namespace: patch.path(&["metadata", "namespace"]).and_then(Node::as_str).map(str::to_string),
            ..Self::default()
        })
    }

    pub fn matches(&self, c: &Candidate<'_>) -> bool {
        let node = c.node;
        let (group, version) = group_version(node.get("apiVersion").and_then(Node::as_str).unwrap_or(""));
        let meta = node.get("metadata");
        fn text(n: Option<&Node>) -> Option<&str> {
            n.and_then(Node::as_str)
        }
        self.group.as_deref().is_none_or(|g| g == group)
            && self.version.as_deref().is_none_or(|v| v == version)
            && self.kind.as_deref().is_none_or(|k| text(node.get("kind")) == Some(k))
            && self.name.as_ref().is_none_or(|re| c.names.iter().any(|n| re.is_match(n)))
            && self.namespace.as_deref().is_none_or(|ns| text(meta.and_then(|m| m.get("namespace"))) == Some(ns))
            && self.labels.iter().all(|r| r.holds(meta.and_then(|m| m.get("labels"))))
            && self.annotations.iter().all(|r| r.holds(meta.and_then(|m| m.get("annotations"))))
    }
}

fn group_version(api_version: &str) -> (&str, &str) {
    api_version.rsplit_once('/').unwrap_or(("", api_version))
}

impl Requirement {
    fn holds(&self, map: Option<&Node>) -> bool {
        let value = |key: &str| map.and_then(|m| m.get(key)).and_then(Node::as_str);
        match self {
            Requirement::Equals(k, v) => value(k) == Some(v),
            Requirement::NotEquals(k, v) => value(k) != Some(v),
            Requirement::In(k, vs) => value(k).is_some_and(|x| vs.iter().any(|v| v == x)),
            Requirement::NotIn(k, vs) => value(k).is_none_or(|x| vs.iter().all(|v| v != x)),
            Requirement::Exists(k) => value(k).is_some(),
            Requirement::Absent(k) => value(k).is_none(),
        }
    }
}

/// A Kubernetes label selector string: `a=b,c!=d,e in (x,y),f notin (z),g,!h`.
fn requirements(text: &str) -> Result<Vec<Requirement>, String> {
    let mut out = Vec::new();
    for part in split_top_level(text) {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        let set = |rest: &str| -> Option<Vec<String>> {
            let inner = rest.trim().strip_prefix('(')?.strip_suffix(')')?;
            Some(inner.split(',').map(|v| v.trim().to_string()).filter(|v| !v.is_empty()).collect())
        };
        let requirement = if let Some((k, v)) = part.split_once("!=") {
            Requirement::NotEquals(k.trim().into(), v.trim().into())
        } else if let Some((k, v)) = part.split_once("==").or_else(|| part.split_once('=')) {
            Requirement::Equals(k.trim().into(), v.trim().into())
        } else if let Some((k, rest)) = part.split_once(" notin ") {
            Requirement::NotIn(k.trim().into(), set(rest).ok_or_else(|| format!("cannot read selector {part:?}"))?)
        } else if let Some((k, rest)) = part.split_once(" in ") {
            Requirement::In(k.trim().into(), set(rest).ok_or_else(|| format!("cannot read selector {part:?}"))?)
        } else if let Some(k) = part.strip_prefix('!') {
            Requirement::Absent(k.trim().into())
        } else if part.chars().all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c)) {
            Requirement::Exists(part.into())
        } else {
            return Err(format!("cannot read selector {part:?}"));
        };
        out.push(requirement);
    }
    Ok(out)
}

/// Splits at commas outside parentheses.
fn split_top_level(text: &str) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut depth = 0usize;
    for c in text.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                parts.push(String::new());
                continue;
            }
            _ => {}
        }
        if let Some(last) = parts.last_mut() {
            last.push(c);
        }
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collect::yaml::parse_single;

    #[test]
    fn selectors() {
        let obj = parse_single(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web-v2\n  labels: {app: web, tier: front}\n",
        )
        .unwrap();
        let names = vec!["web-v2".to_string()];
        let c = Candidate { node: &obj, names: &names };
        let sel = |yaml: &str| Selector::read(&parse_single(yaml).unwrap()).unwrap();
        assert!(sel("kind: Deployment\nname: web-.*\n").matches(&c));
        assert!(sel("group: apps\nversion: v1\nlabelSelector: app=web,tier in (front, back),!canary\n").matches(&c));
        assert!(!sel("kind: Deployment\nname: web\n").matches(&c), "names are anchored");
        assert!(!sel("labelSelector: tier notin (front)\n").matches(&c));
        assert!(!sel("kind: StatefulSet\n").matches(&c));
        let patch = parse_single("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web-v2}\n").unwrap();
        assert!(Selector::of_patch(&patch).unwrap().matches(&c));
        assert!(Selector::read(&parse_single("labelSelector: a in b\n").unwrap()).is_err());
    }
}
