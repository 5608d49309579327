//! From libyaml's events to the marked tree: anchors, aliases and merge keys
//! resolved, every limit checked while the events stream in (so a bomb is
//! refused before it is built).

use std::collections::{HashMap, HashSet};

use libyaml_safer::{Event, EventData, Mark, Parser, ScalarStyle};

use super::limits::Limits;
use super::{Node, NodeKind, Scalar, Style, YamlError, YamlErrorKind};

/// Parses every document of `text` within `limits`.
pub fn build(text: &str, limits: &Limits) -> Result<Vec<Node>, YamlError> {
    // libyaml-safer panics ("unexpected end of input", an unwrap) where the
    // file ends without a line break inside a block scalar (`command: |` and
    // its last line) or right after a `\` in a double-quoted one; libyaml
    // reads the first and rejects the second, and both give libyaml's own
    // answer with a line break at the end. The only difference it makes: a
    // block scalar ending the file keeps a final line break under `|` and
    // `|+`, which no rule reads. Lines and columns are unchanged.
    let owned;
    let text = if text.is_empty() || text.ends_with('\n') {
        text
    } else {
        owned = format!("{text}\n");
        owned.as_str()
    };
    build_once(text, limits).unwrap_or_else(unreadable)
}

/// The parser panicked: the text is none of this module's making.
struct Unreadable;

fn unreadable(_: Unreadable) -> Result<Vec<Node>, YamlError> {
    Err(YamlError {
        line: 1,
        col: 1,
        message: "the YAML parser could not read this file (unsupported construct, e.g. a tag followed directly \
                  by `,` in a flow collection)"
            .into(),
        kind: YamlErrorKind::Syntax,
    })
}

fn build_once(text: &str, limits: &Limits) -> Result<Result<Vec<Node>, YamlError>, Unreadable> {
    let run = || {
        let mut input = text.as_bytes();
        let mut parser = Parser::new();
        parser.set_input_string(&mut input);
        let mut builder = Builder::new(limits);
        let mut last = Mark::default();
        loop {
            let event = parser.parse().map_err(|e| syntax_error(&e, text, last))?;
            last = event.end_mark;
            if matches!(event.data, EventData::StreamEnd) {
                return Ok(builder.documents);
            }
            builder.event(event)?;
        }
    };
    // libyaml-safer panics on a few inputs its C original accepts (a tag
    // followed directly by `,` in a flow collection); one odd file must not
    // take the scan down with it.
    crate::contain::catch(run).map_err(|_| Unreadable)
}

fn syntax_error(e: &libyaml_safer::Error, text: &str, last: Mark) -> YamlError {
    let mark = e.problem_mark().unwrap_or_else(|| reader_mark(text).unwrap_or(last));
    let mut message = e.problem().to_string();
    // The context's own line is left out: callers that parse a document on
    // its own shift the error's line, not the text.
    if let Some(context) = e.context() {
        message.push_str(&format!(" ({context})"));
    }
    YamlError { line: to_u32(mark.line) + 1, col: to_u32(mark.column) + 1, message, kind: YamlErrorKind::Syntax }
}

/// Where the reader stopped: the first character YAML does not allow in a
/// stream (control characters other than tab and line breaks).
fn reader_mark(text: &str) -> Option<Mark> {
    let mut mark = Mark::default();
    for c in text.chars() {
        if c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\u{85}') {
            return Some(mark);
        }
        if c == '\n' {
            mark.line += 1;
            mark.column = 0;
        } else {
            mark.column += 1;
        }
    }
    None
}

fn to_u32(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// A collection still being filled.
struct Open {
    node: Node,
    anchor: Option<String>,
    /// A mapping's key waiting for its value.
    key: Option<Node>,
    /// Nodes and scalar bytes inside, so an alias to it is priced at once.
    nodes: usize,
    bytes: usize,
}

struct Anchored {
    node: Node,
    nodes: usize,
    bytes: usize,
}

struct Builder<'l> {
    limits: &'l Limits,
    documents: Vec<Node>,
    stack: Vec<Open>,
    anchors: HashMap<String, Anchored>,
    nodes: usize,
    alias_nodes: usize,
    alias_bytes: usize,
}

impl<'l> Builder<'l> {
    fn new(limits: &'l Limits) -> Self {
        Self {
            limits,
            documents: Vec::new(),
            stack: Vec::new(),
            anchors: HashMap::new(),
            nodes: 0,
            alias_nodes: 0,
            alias_bytes: 0,
        }
    }

    fn event(&mut self, event: Event) -> Result<(), YamlError> {
        let mark = event.start_mark;
        let (line, col) = (to_u32(mark.line) + 1, to_u32(mark.column) + 1);
        match event.data {
            EventData::DocumentStart { .. } => {
                if self.documents.len() >= self.limits.max_documents {
                    return Err(limit(
                        mark,
                        format!("more than {} YAML documents in one file (limit)", self.limits.max_documents),
                    ));
                }
                // Anchors are local to their document.
                self.anchors.clear();
            }
            EventData::Scalar { anchor, tag, value, style, .. } => {
                self.count(1, mark)?;
                let style = match style {
                    ScalarStyle::SingleQuoted => Style::SingleQuoted,
                    ScalarStyle::DoubleQuoted => Style::DoubleQuoted,
                    ScalarStyle::Literal => Style::Literal,
                    ScalarStyle::Folded => Style::Folded,
                    _ => Style::Plain,
                };
                let plain = style == Style::Plain && tag.is_none();
                let bytes = value.len();
                let node = Node {
                    line,
                    col,
                    tag: tag.map(short_tag),
                    source: 0,
                    kind: NodeKind::Scalar(Scalar { text: value, plain, style }),
                };
                self.complete(node, anchor, 1, bytes);
            }
            EventData::SequenceStart { anchor, tag, .. } => {
                self.open(line, col, anchor, tag, NodeKind::Seq(Vec::new()))?
            }
            EventData::MappingStart { anchor, tag, .. } => {
                self.open(line, col, anchor, tag, NodeKind::Map(Vec::new()))?
            }
            EventData::SequenceEnd | EventData::MappingEnd => {
                if let Some(open) = self.stack.pop() {
                    let mut node = open.node;
                    if let NodeKind::Map(entries) = node.kind {
                        node.kind = NodeKind::Map(resolve_merge_keys(entries));
                    }
                    self.complete(node, open.anchor, open.nodes + 1, open.bytes);
                }
            }
            EventData::Alias { anchor } => {
                let Some(target) = self.anchors.get(&anchor) else {
                    return Err(YamlError {
                        line,
                        col,
                        message: format!("alias *{anchor} refers to no anchor defined before it"),
                        kind: YamlErrorKind::Syntax,
                    });
                };
                let (nodes, bytes) = (target.nodes, target.bytes);
                self.alias_nodes = self.alias_nodes.saturating_add(nodes);
                self.alias_bytes = self.alias_bytes.saturating_add(bytes);
                if self.alias_nodes > self.limits.max_alias_nodes {
                    return Err(limit(
                        mark,
                        format!(
                            "aliases expand to more than {} nodes (limit; an alias bomb?)",
                            self.limits.max_alias_nodes
                        ),
                    ));
                }
                if self.alias_bytes > self.limits.max_alias_bytes {
                    return Err(limit(
                        mark,
                        format!(
                            "aliases expand to more than {} bytes of text (limit; an alias bomb?)",
                            self.limits.max_alias_bytes
                        ),
                    ));
                }
                let mut node = target.node.clone();
                self.count(nodes, mark)?;
                // A scalar points at the alias; a collection keeps the
                // anchor's positions, where its settings are written.
                if matches!(node.kind, NodeKind::Scalar(_)) {
                    node.line = line;
                    node.col = col;
                }
                self.complete(node, None, nodes, bytes);
            }
            EventData::StreamStart { .. } | EventData::StreamEnd | EventData::DocumentEnd { .. } => {}
        }
        Ok(())
    }

    fn open(
        &mut self,
        line: u32,
        col: u32,
        anchor: Option<String>,
        tag: Option<String>,
        kind: NodeKind,
    ) -> Result<(), YamlError> {
        if self.stack.len() >= self.limits.max_depth {
            return Err(limit_at(
                line,
                col,
                format!("collections nested more than {} levels deep (limit)", self.limits.max_depth),
            ));
        }
        self.count_at(1, line, col)?;
        let node = Node { line, col, tag: tag.map(short_tag), source: 0, kind };
        self.stack.push(Open { node, anchor, key: None, nodes: 0, bytes: 0 });
        Ok(())
    }

    fn count(&mut self, n: usize, mark: Mark) -> Result<(), YamlError> {
        self.count_at(n, to_u32(mark.line) + 1, to_u32(mark.column) + 1)
    }

    fn count_at(&mut self, n: usize, line: u32, col: u32) -> Result<(), YamlError> {
        self.nodes = self.nodes.saturating_add(n);
        if self.nodes > self.limits.max_nodes {
            return Err(limit_at(
                line,
                col,
                format!("more than {} YAML nodes in one file (limit)", self.limits.max_nodes),
            ));
        }
        Ok(())
    }

    /// A finished node goes into its parent (or becomes a document).
    fn complete(&mut self, node: Node, anchor: Option<String>, nodes: usize, bytes: usize) {
        if let Some(name) = anchor {
            self.anchors.insert(name, Anchored { node: node.clone(), nodes, bytes });
        }
        let Some(parent) = self.stack.last_mut() else {
            self.documents.push(node);
            return;
        };
        parent.nodes = parent.nodes.saturating_add(nodes);
        parent.bytes = parent.bytes.saturating_add(bytes);
        match &mut parent.node.kind {
            NodeKind::Seq(items) => items.push(node),
            NodeKind::Map(entries) => match parent.key.take() {
                Some(key) => entries.push((key, node)),
                None => parent.key = Some(node),
            },
            // Scalars are never opened.
            NodeKind::Scalar(_) => {}
        }
    }
}

fn limit(mark: Mark, message: String) -> YamlError {
    limit_at(to_u32(mark.line) + 1, to_u32(mark.column) + 1, message)
}

fn limit_at(line: u32, col: u32, message: String) -> YamlError {
    YamlError { line, col, message, kind: YamlErrorKind::Limit }
}

/// `tag:yaml.org,2002:str` back to the `!!str` the file wrote.
fn short_tag(tag: String) -> String {
    match tag.strip_prefix("tag:yaml.org,2002:") {
        Some(rest) => format!("!!{rest}"),
        None => tag,
    }
}

/// Applies YAML merge keys: entries of `<<` maps fill in keys the mapping
/// does not set itself, whatever their order in the file; earlier sources in
/// a merge list win over later ones.
fn resolve_merge_keys(entries: Vec<(Node, Node)>) -> Vec<(Node, Node)> {
    if !entries.iter().any(|(k, _)| is_merge_key(k)) {
        return entries;
    }
    let mut own = Vec::with_capacity(entries.len());
    let mut sources = Vec::new();
    for (k, v) in entries {
        if !is_merge_key(&k) {
            own.push((k, v));
            continue;
        }
        match v.kind {
            NodeKind::Map(m) => sources.push(m),
            NodeKind::Seq(items) => sources.extend(items.into_iter().filter_map(|i| match i.kind {
                NodeKind::Map(m) => Some(m),
                _ => None,
            })),
            NodeKind::Scalar(_) => {}
        }
    }
    let mut seen: HashSet<String> = own.iter().filter_map(|(k, _)| k.as_str().map(str::to_string)).collect();
    for source in sources {
        for (k, v) in source {
            let fresh = match k.as_str() {
                Some(key) => seen.insert(key.to_string()),
                None => true,
            };
            if fresh {
                own.push((k, v));
            }
        }
    }
    own
}

fn is_merge_key(node: &Node) -> bool {
    matches!(&node.kind, NodeKind::Scalar(s) if s.plain && s.text == "<<")
}
