//! Keys a mapping repeats. YAML says keys are unique; go-yaml v3 (Docker
//! Compose) and kubectl's strict decoding reject a repeat, while PyYAML keeps
//! the last one. The tree keeps every entry so callers can choose.

use std::collections::{HashMap, HashSet};

use super::{Node, NodeKind};

/// A key written again in the same mapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateKey {
    pub key: String,
    /// Where the repeat is.
    pub line: u32,
    pub col: u32,
    /// Where the key was first written.
    pub first_line: u32,
    pub first_col: u32,
}

pub fn find(root: &Node) -> Vec<DuplicateKey> {
    let mut out = Vec::new();
    // An alias copies a mapping with its positions: report each repeat once.
    let mut reported = HashSet::new();
    // Iterative, so no input can overflow the stack here.
    let mut pending = vec![root];
    while let Some(node) = pending.pop() {
        match &node.kind {
            NodeKind::Scalar(_) => {}
            NodeKind::Seq(items) => pending.extend(items.iter().rev()),
            NodeKind::Map(entries) => {
                let mut first: HashMap<&str, &Node> = HashMap::new();
                for (k, v) in entries {
                    if let Some(key) = k.as_str() {
                        match first.get(key) {
                            Some(earlier) if reported.insert((k.source, k.line, k.col)) => out.push(DuplicateKey {
                                key: key.to_string(),
                                line: k.line,
                                col: k.col,
                                first_line: earlier.line,
                                first_col: earlier.col,
                            }),
                            Some(_) => {}
                            None => {
                                first.insert(key, k);
                            }
                        }
                    }
                    pending.push(v);
                }
            }
        }
    }
    out.sort_by_key(|d| (d.line, d.col));
    out
}
