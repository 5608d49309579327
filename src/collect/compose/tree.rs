//! The compose model as a tree that knows, for every node, which of the
//! project's files it came from: a base file and its overrides are merged
//! into one tree, and a finding must still point at the file and line that
//! set the value.

use std::collections::HashMap;

use crate::collect::yaml::{Node, NodeKind};

use super::interpolate::{has_reference, Interpolator};

#[derive(Debug, Clone, PartialEq)]
pub struct Val {
    /// Index into the project's files.
    pub file: usize,
    pub line: u32,
    pub col: u32,
    /// `!reset` / `!override` (compose merge tags) or another local tag.
    pub tag: Option<String>,
    pub kind: Kind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    Null,
    Scalar {
        /// As written, for environment values (a `${VAR}` there is a
        /// reference, not a value).
        raw: String,
        /// After `${VAR:-default}` interpolation from the project's `.env`.
        text: String,
        plain: bool,
    },
    Seq(Vec<Val>),
    Map(Vec<(String, Val)>),
}

/// Compose files nest a few levels (`deploy.resources.limits.cpus` is the
/// deepest setting read); extension fields may go deeper, but nothing real
/// comes near this, and it keeps every recursion over the tree bounded.
pub const MAX_DEPTH: usize = 64;

/// Something wrong in the tree itself (not in a setting's value).
#[derive(Debug, Clone, PartialEq)]
pub struct Issue {
    pub file: usize,
    pub line: u32,
    pub col: u32,
    pub message: String,
}

/// Where a node being converted sits: the position of the key it is the
/// value of, and that key (a list item has its list's key).
#[derive(Clone, Copy)]
struct Place<'a> {
    at: Option<(u32, u32)>,
    key: Option<&'a str>,
}

impl Val {
    /// Converts a parsed node. A value under a mapping key takes the key's
    /// position (`privileged: true` points at `privileged`, a block list
    /// at its key rather than its first item); a mapping elsewhere takes its
    /// first key's. Duplicate keys and nesting deeper than [`MAX_DEPTH`]
    /// are reported as Docker Compose reports them: errors.
    pub fn from_node(node: &Node, file: usize, env: &Interpolator) -> (Self, Vec<Issue>) {
        let mut issues = Vec::new();
        let val = Self::convert(node, file, env, Place { at: None, key: None }, 0, &mut issues);
        (val, issues)
    }

    fn convert(
        node: &Node,
        file: usize,
        env: &Interpolator,
        place: Place<'_>,
        depth: usize,
        issues: &mut Vec<Issue>,
    ) -> Self {
        let at = place.at;
        if depth > MAX_DEPTH {
            if issues.iter().all(|i| !i.message.starts_with("nested deeper")) {
                issues.push(Issue {
                    file,
                    line: node.line,
                    col: node.col,
                    message: format!("nested deeper than {MAX_DEPTH} levels: not read further"),
                });
            }
            return Val { file, line: node.line, col: node.col, tag: None, kind: Kind::Null };
        }
        let kind = match &node.kind {
            // `!reset` puts a setting back to its default: as if absent.
            _ if node.is_null() || node.tag.as_deref() == Some("!reset") => Kind::Null,
            NodeKind::Scalar(s) => {
                let (text, malformed) = env.interpolate_checked(&s.text);
                if let Some(what) = malformed {
                    // Compose refuses the file; the value is not quoted,
                    // since what surrounds the `${` may be a password.
                    let of = place.key.map(|k| format!(" in the value of {k:?}")).unwrap_or_default();
                    issues.push(Issue {
                        file,
                        line: node.line,
                        col: node.col,
                        message: format!(
                            "invalid interpolation format{of}: {}; Docker Compose rejects the file (write `$$` for a literal `$`)",
                            what.describe()
                        ),
                    });
                }
                Kind::Scalar { raw: s.text.clone(), text, plain: s.plain }
            }
            NodeKind::Seq(items) => Kind::Seq(
                items
                    .iter()
                    .map(|n| Self::convert(n, file, env, Place { at: None, key: place.key }, depth + 1, issues))
                    .collect(),
            ),
            NodeKind::Map(entries) => {
                let mut seen: HashMap<&str, u32> = HashMap::with_capacity(entries.len());
                let mut out = Vec::with_capacity(entries.len());
                for (k, v) in entries {
                    let key = k.as_str().unwrap_or_default();
                    if let Some(first) = seen.insert(key, k.line) {
                        issues.push(Issue {
                            file,
                            line: k.line,
                            col: k.col,
                            message: format!("mapping key {key:?} already defined at line {first}"),
                        });
                    }
                    let place = Place { at: Some((k.line, k.col)), key: Some(key) };
                    out.push((key.to_string(), Self::convert(v, file, env, place, depth + 1, issues)));
                }
                Kind::Map(out)
            }
        };
        let (line, col) = at
            .or_else(|| match &node.kind {
                NodeKind::Map(entries) => entries.first().map(|(k, _)| (k.line, k.col)),
                _ => None,
            })
            .unwrap_or((node.line, node.col));
        Val { file, line, col, tag: node.tag.clone(), kind }
    }

    /// The scalar as a message may show it: as written when it interpolates
    /// a variable (whose value may be a secret), else its value.
    pub fn shown(&self) -> String {
        match &self.kind {
            Kind::Scalar { raw, text, .. } => {
                if has_reference(raw) {
                    raw.clone()
                } else {
                    text.clone()
                }
            }
            _ => self.type_name().to_string(),
        }
    }

    /// `message` with every interpolated value of this subtree replaced by
    /// the text as written: a message about a value that came from `.env`
    /// must never echo it (it may be a password).
    pub fn redact(&self, message: String) -> String {
        let mut pairs = Vec::new();
        self.interpolated_values(&mut pairs, 0);
        // Longest first, so a value containing another is replaced whole.
        pairs.sort_by_key(|(text, _)| std::cmp::Reverse(text.len()));
        pairs.into_iter().fold(message, |m, (text, raw)| m.replace(text, raw))
    }

    fn interpolated_values<'a>(&'a self, out: &mut Vec<(&'a str, &'a str)>, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        match &self.kind {
            // Short values (a port, `1`) would garble the message and are
            // not worth guessing.
            Kind::Scalar { raw, text, .. } if text != raw && text.len() >= 4 && has_reference(raw) => {
                out.push((text, raw))
            }
            Kind::Seq(items) => items.iter().for_each(|i| i.interpolated_values(out, depth + 1)),
            Kind::Map(entries) => entries.iter().for_each(|(_, v)| v.interpolated_values(out, depth + 1)),
            _ => {}
        }
    }

    /// The scalar for a fact: as written when it interpolates a variable.
    pub fn as_written_if_interpolated(&self) -> Option<&str> {
        match &self.kind {
            Kind::Scalar { raw, .. } if has_reference(raw) => Some(raw),
            Kind::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }

    /// A null at `v`'s position (a placeholder while a value is moved).
    pub fn null_at(v: &Val) -> Val {
        Val { file: v.file, line: v.line, col: v.col, tag: None, kind: Kind::Null }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.kind, Kind::Null)
    }

    /// Interpolated text of a scalar.
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }

    /// The scalar as written.
    pub fn raw(&self) -> Option<&str> {
        match &self.kind {
            Kind::Scalar { raw, .. } => Some(raw),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self.as_str()?.trim() {
            "true" | "True" | "TRUE" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" => Some(true),
            "false" | "False" | "FALSE" | "no" | "No" | "NO" | "off" | "Off" | "OFF" => Some(false),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Val]> {
        match &self.kind {
            Kind::Seq(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&[(String, Val)]> {
        match &self.kind {
            Kind::Map(entries) => Some(entries),
            _ => None,
        }
    }

    pub fn get(&self, key: &str) -> Option<&Val> {
        self.as_map()?.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v).filter(|v| !v.is_null())
    }

    /// The entries of the top-level `services` mapping, to rewrite them.
    pub fn get_mut_services(&mut self) -> Option<&mut Vec<(String, Val)>> {
        let entries = self.map_mut()?;
        entries.iter_mut().rev().find(|(k, _)| k == "services").and_then(|(_, v)| v.map_mut())
    }

    pub fn map_mut(&mut self) -> Option<&mut Vec<(String, Val)>> {
        match &mut self.kind {
            Kind::Map(entries) => Some(entries),
            _ => None,
        }
    }

    /// Takes `key` out of a mapping (every occurrence; the last one is
    /// returned, as `get` would have found it).
    pub fn remove(&mut self, key: &str) -> Option<Val> {
        let entries = self.map_mut()?;
        let mut found = None;
        entries.retain_mut(|(k, v)| {
            if k == key {
                found = Some(std::mem::replace(v, Val::null_at(v)));
                false
            } else {
                true
            }
        });
        found.filter(|v| !v.is_null())
    }

    pub fn path(&self, keys: &[&str]) -> Option<&Val> {
        keys.iter().try_fold(self, |node, key| node.get(key))
    }

    pub fn type_name(&self) -> &'static str {
        match &self.kind {
            Kind::Null => "null",
            Kind::Scalar { .. } => "scalar",
            Kind::Seq(_) => "sequence",
            Kind::Map(_) => "mapping",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collect::yaml::parse_single;

    fn convert(text: &str) -> (Val, Vec<Issue>) {
        Val::from_node(&parse_single(text).unwrap(), 0, &Interpolator::default())
    }

    #[test]
    fn duplicate_keys_are_issues_with_both_lines() {
        let (val, issues) = convert("services:\n  web:\n    image: a:1\n  web:\n    image: b:1\n");
        assert_eq!(issues.len(), 1, "{issues:?}");
        assert_eq!((issues[0].line, issues[0].message.as_str()), (4, "mapping key \"web\" already defined at line 2"));
        assert_eq!(val.path(&["services", "web", "image"]).and_then(Val::as_str), Some("b:1"));
    }

    #[test]
    fn depth_is_bounded() {
        let deep = format!("x-deep: {}1{}\n", "[".repeat(MAX_DEPTH + 10), "]".repeat(MAX_DEPTH + 10));
        let (_, issues) = convert(&deep);
        assert_eq!(issues.len(), 1, "{issues:?}");
        assert!(issues[0].message.contains("nested deeper"));
    }

    #[test]
    fn a_large_anchor_merged_into_a_large_mapping_is_read_in_linear_time() {
        // Quadratic merge-key resolution took minutes on this.
        let n = 20_000;
        let anchor: String = (0..n).map(|i| format!("  k{i}: {i}\n")).collect();
        let own: String = (0..n).map(|i| format!("      o{i}: {i}\n")).collect();
        let text = format!("x-big: &big\n{anchor}services:\n  a:\n    labels:\n      <<: *big\n{own}");
        let (val, issues) = convert(&text);
        assert!(issues.is_empty());
        assert_eq!(val.path(&["services", "a", "labels"]).and_then(Val::as_map).map(<[_]>::len), Some(2 * n));
    }

    #[test]
    fn interpolated_values_are_shown_as_written() {
        let env = Interpolator::new([("DB_PASSWORD".to_string(), "hunter2-Secret".to_string())].into());
        let (val, _) = Val::from_node(&parse_single("a: ${DB_PASSWORD}\nb: plain\n").unwrap(), 0, &env);
        let a = val.get("a").unwrap();
        assert_eq!(a.as_str(), Some("hunter2-Secret"));
        assert_eq!(a.shown(), "${DB_PASSWORD}");
        assert_eq!(val.get("b").unwrap().shown(), "plain");
    }
}
