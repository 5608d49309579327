//! A YAML tree that remembers where every node came from.
//!
//! Compose files and Kubernetes manifests need findings with file and line,
//! which serde-based YAML loaders throw away. This builds a small tree from
//! the marked events of libyaml (through `libyaml-safer`, a memory-safe Rust
//! port): the same parser PyYAML uses and the one go-yaml (Docker Compose,
//! kubectl) was translated from, so what those tools accept is read here the
//! same way (flow sequences closed at their key's indentation, multi-line
//! quoted scalars, a byte-order mark). Anchors, aliases and merge keys
//! (`<<: *defaults`) are resolved as YAML 1.1 loaders do, within [`Limits`].

mod builder;
mod duplicates;
mod limits;

pub use duplicates::DuplicateKey;
pub use limits::Limits;

use crate::facts::Location;

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// 1-based line of the node's first character.
    pub line: u32,
    /// 1-based column.
    pub col: u32,
    /// A local tag such as `!reset` or `!!binary`, when present.
    pub tag: Option<String>,
    /// Which input the node was read from, for trees merged from several
    /// files (a Kustomize patch on its base): 0 is the text parsed, other
    /// numbers are the merging caller's.
    pub source: u32,
    pub kind: NodeKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum NodeKind {
    Scalar(Scalar),
    Seq(Vec<Node>),
    /// Keys in document order; later duplicates are kept so callers see what
    /// the file says, but `get` returns the last one, as YAML loaders do.
    Map(Vec<(Node, Node)>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Scalar {
    pub text: String,
    /// Plain (unquoted, untagged) scalars are the only ones that can be
    /// null, booleans or numbers; `"8080"` stays a string.
    pub plain: bool,
    pub style: Style,
}

/// How a scalar was written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Style {
    #[default]
    Plain,
    SingleQuoted,
    DoubleQuoted,
    /// `|`: lines kept as written.
    Literal,
    /// `>`: lines folded into one.
    Folded,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {col}: {message}")]
pub struct YamlError {
    pub line: u32,
    pub col: u32,
    pub message: String,
    pub kind: YamlErrorKind,
}

/// Whether the file is broken or merely more than we agree to build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum YamlErrorKind {
    /// Not valid YAML: libyaml rejects it, and so would the tool it is for.
    Syntax,
    /// Valid, perhaps, but over one of the [`Limits`]; the message names it.
    Limit,
}

impl YamlError {
    pub fn location(&self, path: &str) -> Location {
        Location::at(path, self.line, self.col)
    }
}

impl Node {
    /// An empty plain scalar, which YAML reads as null.
    pub fn null(line: u32, col: u32) -> Self {
        let kind = NodeKind::Scalar(Scalar { text: String::new(), plain: true, style: Style::Plain });
        Node { line, col, tag: None, source: 0, kind }
    }

    /// Marks this node and everything under it as read from `source`.
    pub fn set_source(&mut self, source: u32) {
        self.source = source;
        match &mut self.kind {
            NodeKind::Scalar(_) => {}
            NodeKind::Seq(items) => items.iter_mut().for_each(|n| n.set_source(source)),
            NodeKind::Map(entries) => entries.iter_mut().for_each(|(k, v)| {
                k.set_source(source);
                v.set_source(source);
            }),
        }
    }

    /// Moves this node and everything under it down by `lines` (a document
    /// parsed on its own, or embedded in another file's string).
    pub fn shift_lines(&mut self, lines: u32) {
        self.line = self.line.saturating_add(lines);
        match &mut self.kind {
            NodeKind::Scalar(_) => {}
            NodeKind::Seq(items) => items.iter_mut().for_each(|n| n.shift_lines(lines)),
            NodeKind::Map(entries) => entries.iter_mut().for_each(|(k, v)| {
                k.shift_lines(lines);
                v.shift_lines(lines);
            }),
        }
    }

    /// Keys written more than once in a mapping, anywhere in this tree.
    /// Docker Compose (go-yaml v3) rejects them; loaders that accept them
    /// keep the last, which is what [`Node::get`] returns.
    pub fn duplicate_keys(&self) -> Vec<DuplicateKey> {
        duplicates::find(self)
    }

    pub fn location(&self, path: &str) -> Location {
        Location::at(path, self.line, self.col)
    }

    pub fn is_null(&self) -> bool {
        matches!(&self.kind, NodeKind::Scalar(s) if s.plain && matches!(s.text.as_str(), "" | "~" | "null" | "Null" | "NULL"))
    }

    /// The text of any scalar, quoted or not (`None` for null and collections).
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            NodeKind::Scalar(s) if !self.is_null() => Some(&s.text),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match &self.kind {
            NodeKind::Scalar(s) if s.plain => match s.text.as_str() {
                "true" | "True" | "TRUE" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" => Some(true),
                "false" | "False" | "FALSE" | "no" | "No" | "NO" | "off" | "Off" | "OFF" => Some(false),
                _ => None,
            },
            // Compose accepts quoted booleans in many places ("true").
            NodeKind::Scalar(s) => match s.text.as_str() {
                "true" => Some(true),
                "false" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        let text = self.as_str()?.trim().replace('_', "");
        if let Some(hex) = text.strip_prefix("0x") {
            return i64::from_str_radix(hex, 16).ok();
        }
        text.parse().ok()
    }

    pub fn as_f64(&self) -> Option<f64> {
        self.as_str()?.trim().parse().ok()
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.kind {
            NodeKind::Seq(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&[(Node, Node)]> {
        match &self.kind {
            NodeKind::Map(entries) => Some(entries),
            _ => None,
        }
    }

    /// Value of `key` in a mapping (the last one if repeated).
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_map()?.iter().rev().find(|(k, _)| k.as_str() == Some(key)).map(|(_, v)| v)
    }

    /// Walks a path of mapping keys: `node.path(&["deploy", "resources"])`.
    pub fn path(&self, keys: &[&str]) -> Option<&Node> {
        keys.iter().try_fold(self, |node, key| node.get(key))
    }

    /// Mapping entries with string keys, in document order.
    pub fn entries(&self) -> impl Iterator<Item = (&str, &Node)> {
        self.as_map().into_iter().flatten().filter_map(|(k, v)| Some((k.as_str()?, v)))
    }

    /// A short name for the node's type, for error messages.
    pub fn type_name(&self) -> &'static str {
        match &self.kind {
            _ if self.is_null() => "null",
            NodeKind::Scalar(_) => "scalar",
            NodeKind::Seq(_) => "sequence",
            NodeKind::Map(_) => "mapping",
        }
    }

    /// Converts to JSON, resolving plain scalars to booleans and numbers.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value;
        match &self.kind {
            _ if self.is_null() => Value::Null,
            NodeKind::Scalar(s) => {
                if s.plain {
                    if let Some(b) = self.as_bool() {
                        return Value::Bool(b);
                    }
                    if let Ok(i) = s.text.parse::<i64>() {
                        return Value::from(i);
                    }
                    if let Ok(f) = s.text.parse::<f64>() {
                        if f.is_finite() {
                            return Value::from(f);
                        }
                    }
                }
                Value::String(s.text.clone())
            }
            NodeKind::Seq(items) => Value::Array(items.iter().map(Node::to_json).collect()),
            NodeKind::Map(entries) => Value::Object(
                entries.iter().map(|(k, v)| (k.as_str().unwrap_or_default().to_string(), v.to_json())).collect(),
            ),
        }
    }
}

/// Parses every document of a YAML stream (`---`-separated).
pub fn parse_documents(text: &str) -> Result<Vec<Node>, YamlError> {
    parse_documents_with(text, &Limits::DEFAULT)
}

/// Parses every document of a stream within the given limits.
pub fn parse_documents_with(text: &str, limits: &Limits) -> Result<Vec<Node>, YamlError> {
    builder::build(text, limits)
}

/// Parses a stream that should hold exactly one document (an empty stream is
/// a null document).
pub fn parse_single(text: &str) -> Result<Node, YamlError> {
    let mut docs = parse_documents(text)?.into_iter();
    match (docs.next(), docs.next()) {
        (None, _) => Ok(Node::null(1, 1)),
        (Some(doc), None) => Ok(doc),
        (Some(_), Some(second)) => Err(YamlError {
            line: second.line,
            col: 1,
            message: "expected a single YAML document, found several".into(),
            kind: YamlErrorKind::Syntax,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_lines_and_resolves_merge_keys() {
        let text =
            "x-base: &base\n  user: root\n  read_only: true\nservices:\n  app:\n    <<: *base\n    user: \"1001\"\n";
        let doc = parse_single(text).unwrap();
        let app = doc.path(&["services", "app"]).unwrap();
        assert_eq!(app.get("user").unwrap().as_str(), Some("1001"));
        assert_eq!(app.get("user").unwrap().line, 7);
        assert_eq!(app.get("read_only").unwrap().as_bool(), Some(true));
        assert_eq!(app.get("read_only").unwrap().line, 3);
    }

    #[test]
    fn quoted_scalars_stay_strings() {
        let doc = parse_single("a: \"8080\"\nb: 8080\nc: ~\nd: 'true'\n").unwrap();
        assert_eq!(doc.to_json(), serde_json::json!({"a": "8080", "b": 8080, "c": null, "d": "true"}));
    }

    #[test]
    fn syntax_errors_carry_position() {
        let err = parse_documents("services:\n  app:\n    image: [unclosed\n").unwrap_err();
        assert!(err.line >= 3, "{err}");
    }

    #[test]
    fn alias_bombs_are_refused() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..9 {
            let prev = i - 1;
            text.push_str(&format!("a{i}: &a{i} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"));
        }
        let err = parse_documents(&text).unwrap_err();
        assert!(err.message.contains("alias bomb"), "{err}");
        assert_eq!(err.kind, YamlErrorKind::Limit);
    }

    #[test]
    fn multiple_documents() {
        let docs = parse_documents("kind: A\n---\nkind: B\n").unwrap();
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[1].get("kind").unwrap().line, 3);
    }
}
