//! A YAML tree that remembers where every node came from.
//!
//! Compose files and Kubernetes manifests need findings with file and line,
//! which serde-based YAML loaders throw away. This builds a small tree from
//! the parser's marked events, resolving anchors, aliases and merge keys
//! (`<<: *defaults`) the way YAML 1.1 loaders such as Docker Compose do.

use std::collections::HashMap;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

use crate::facts::Location;

/// Guards against alias bombs ("billion laughs"): no document may expand to
/// more nodes than this.
const MAX_NODES: usize = 2_000_000;

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// 1-based line of the node's first character.
    pub line: u32,
    /// 1-based column.
    pub col: u32,
    /// A local tag such as `!reset` or `!!binary`, when present.
    pub tag: Option<String>,
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
    /// Plain (unquoted) scalars are the only ones that can be null, booleans
    /// or numbers; `"8080"` stays a string.
    pub plain: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {col}: {message}")]
pub struct YamlError {
    pub line: u32,
    pub col: u32,
    pub message: String,
}

impl YamlError {
    pub fn location(&self, path: &str) -> Location {
        Location::at(path, self.line, self.col)
    }
}

impl Node {
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
    let mut builder = Builder::default();
    let mut parser = Parser::new_from_str(text);
    parser.load(&mut builder, true).map_err(|e| YamlError {
        line: e.marker().line() as u32,
        col: e.marker().col() as u32 + 1,
        message: e.info().to_string(),
    })?;
    if let Some(err) = builder.error {
        return Err(err);
    }
    Ok(builder.documents)
}

/// Parses a stream that should hold exactly one document (an empty stream is
/// a null document).
pub fn parse_single(text: &str) -> Result<Node, YamlError> {
    let mut docs = parse_documents(text)?;
    match docs.len() {
        0 => {
            Ok(Node { line: 1, col: 1, tag: None, kind: NodeKind::Scalar(Scalar { text: String::new(), plain: true }) })
        }
        1 => Ok(docs.remove(0)),
        _ => Err(YamlError {
            line: docs[1].line,
            col: 1,
            message: "expected a single YAML document, found several".into(),
        }),
    }
}

#[derive(Default)]
struct Builder {
    documents: Vec<Node>,
    /// Open collections: the node being filled, and its anchor id.
    stack: Vec<(Node, usize)>,
    anchors: HashMap<usize, Node>,
    nodes: usize,
    error: Option<YamlError>,
}

impl Builder {
    fn push_value(&mut self, node: Node, anchor: usize) {
        if anchor > 0 {
            self.anchors.insert(anchor, node.clone());
        }
        match self.stack.last_mut() {
            None => self.documents.push(node),
            Some((parent, _)) => match &mut parent.kind {
                NodeKind::Seq(items) => items.push(node),
                NodeKind::Map(entries) => {
                    // Keys and values arrive as alternating events; a pending
                    // key is stored with a placeholder value until its value
                    // arrives.
                    match entries.last_mut() {
                        Some((_, v)) if is_placeholder(v) => *v = node,
                        _ => entries.push((node, placeholder())),
                    }
                }
                NodeKind::Scalar(_) => unreachable!("scalars are never pushed on the stack"),
            },
        }
    }

    fn count(&mut self, n: usize, mark: &Marker) -> bool {
        self.nodes += n;
        if self.nodes > MAX_NODES && self.error.is_none() {
            self.error = Some(YamlError {
                line: mark.line() as u32,
                col: mark.col() as u32 + 1,
                message: format!("document expands to more than {MAX_NODES} nodes (alias bomb?)"),
            });
        }
        self.error.is_none()
    }
}

fn placeholder() -> Node {
    Node { line: 0, col: 0, tag: Some("\u{0}pending".into()), kind: NodeKind::Seq(Vec::new()) }
}

fn is_placeholder(node: &Node) -> bool {
    node.line == 0 && node.tag.as_deref() == Some("\u{0}pending")
}

fn tag_text(tag: &Option<yaml_rust2::parser::Tag>) -> Option<String> {
    tag.as_ref().map(|t| format!("{}{}", t.handle, t.suffix))
}

fn count_nodes(node: &Node) -> usize {
    1 + match &node.kind {
        NodeKind::Scalar(_) => 0,
        NodeKind::Seq(items) => items.iter().map(count_nodes).sum(),
        NodeKind::Map(entries) => entries.iter().map(|(k, v)| count_nodes(k) + count_nodes(v)).sum(),
    }
}

/// Applies YAML merge keys: entries of `<<` maps fill in keys the mapping
/// does not set itself, whatever their order in the file.
fn resolve_merge_keys(entries: Vec<(Node, Node)>) -> Vec<(Node, Node)> {
    if !entries.iter().any(|(k, _)| is_merge_key(k)) {
        return entries;
    }
    let mut own = Vec::new();
    let mut merged_sources = Vec::new();
    for (k, v) in entries {
        if is_merge_key(&k) {
            match v.kind {
                NodeKind::Map(m) => merged_sources.push(m),
                NodeKind::Seq(items) => merged_sources.extend(items.into_iter().filter_map(|i| match i.kind {
                    NodeKind::Map(m) => Some(m),
                    _ => None,
                })),
                _ => {}
            }
        } else {
            own.push((k, v));
        }
    }
    // Earlier sources in a merge list take precedence over later ones. One
    // set of the keys present keeps this linear (a mapping merging a large
    // anchor into many keys was quadratic).
    let mut present: std::collections::HashSet<Option<String>> =
        own.iter().map(|(k, _)| k.as_str().map(str::to_string)).collect();
    let mut result = own;
    for source in merged_sources {
        for (k, v) in source {
            if present.insert(k.as_str().map(str::to_string)) {
                result.push((k, v));
            }
        }
    }
    result
}

fn is_merge_key(node: &Node) -> bool {
    matches!(&node.kind, NodeKind::Scalar(s) if s.plain && s.text == "<<")
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        if self.error.is_some() {
            return;
        }
        let line = mark.line() as u32;
        let col = mark.col() as u32 + 1;
        match ev {
            Event::Scalar(text, style, anchor, tag) => {
                if !self.count(1, &mark) {
                    return;
                }
                let plain = style == TScalarStyle::Plain && tag.is_none();
                let node = Node { line, col, tag: tag_text(&tag), kind: NodeKind::Scalar(Scalar { text, plain }) };
                self.push_value(node, anchor);
            }
            Event::SequenceStart(anchor, tag) => {
                self.stack.push((Node { line, col, tag: tag_text(&tag), kind: NodeKind::Seq(Vec::new()) }, anchor));
            }
            Event::MappingStart(anchor, tag) => {
                self.stack.push((Node { line, col, tag: tag_text(&tag), kind: NodeKind::Map(Vec::new()) }, anchor));
            }
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some((mut node, anchor)) = self.stack.pop() {
                    if !self.count(1, &mark) {
                        return;
                    }
                    if let NodeKind::Map(entries) = node.kind {
                        node.kind = NodeKind::Map(resolve_merge_keys(entries));
                    }
                    self.push_value(node, anchor);
                }
            }
            Event::Alias(id) => match self.anchors.get(&id).cloned() {
                Some(mut node) => {
                    if !self.count(count_nodes(&node), &mark) {
                        return;
                    }
                    // Point at the alias for a scalar, keep the anchor's
                    // positions inside collections (where the settings are).
                    if matches!(node.kind, NodeKind::Scalar(_)) {
                        node.line = line;
                        node.col = col;
                    }
                    self.push_value(node, 0);
                }
                None => {
                    self.error = Some(YamlError { line, col, message: "alias to an unknown anchor".into() });
                }
            },
            Event::DocumentEnd if self.stack.is_empty() => {}
            Event::DocumentStart => {
                self.anchors.clear();
            }
            _ => {}
        }
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
    }

    #[test]
    fn multiple_documents() {
        let docs = parse_documents("kind: A\n---\nkind: B\n").unwrap();
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[1].get("kind").unwrap().line, 3);
    }
}
