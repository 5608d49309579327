//! The compose model as a tree that knows, for every node, which of the
//! project's files it came from: a base file and its overrides are merged
//! into one tree, and a finding must still point at the file and line that
//! set the value.

use crate::collect::yaml::{Node, NodeKind};

use super::interpolate::Interpolator;

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

impl Val {
    /// Converts a parsed node. A value under a mapping key takes the key's
    /// position (`privileged: true` points at `privileged`, a block list
    /// at its key rather than its first item); a mapping elsewhere takes its
    /// first key's.
    pub fn from_node(node: &Node, file: usize, env: &Interpolator) -> Self {
        Self::convert(node, file, env, None)
    }

    fn convert(node: &Node, file: usize, env: &Interpolator, at: Option<(u32, u32)>) -> Self {
        let kind = match &node.kind {
            // `!reset` puts a setting back to its default: as if absent.
            _ if node.is_null() || node.tag.as_deref() == Some("!reset") => Kind::Null,
            NodeKind::Scalar(s) => Kind::Scalar { raw: s.text.clone(), text: env.interpolate(&s.text), plain: s.plain },
            NodeKind::Seq(items) => Kind::Seq(items.iter().map(|n| Self::convert(n, file, env, None)).collect()),
            NodeKind::Map(entries) => Kind::Map(
                entries
                    .iter()
                    .map(|(k, v)| {
                        let key = k.as_str().unwrap_or_default().to_string();
                        (key, Self::convert(v, file, env, Some((k.line, k.col))))
                    })
                    .collect(),
            ),
        };
        let (line, col) = at
            .or_else(|| match &node.kind {
                NodeKind::Map(entries) => entries.first().map(|(k, _)| (k.line, k.col)),
                _ => None,
            })
            .unwrap_or((node.line, node.col));
        Val { file, line, col, tag: node.tag.clone(), kind }
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
