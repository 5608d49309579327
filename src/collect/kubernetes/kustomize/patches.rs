//! Patches of a kustomization applied to the objects it renders: their
//! documents read from files or from strings written inline (positioned
//! where they are written), matched to targets, merged (strategic merge) or
//! applied as JSON 6902 operations.

use crate::collect::yaml::{self, Node, NodeKind, Style};
use crate::diagnostics::{ErrorKind, ScanError};
use crate::facts::Location;

use super::super::kinds::{classify, DocClass};
use super::file::{Patch, PatchBody};
use super::select::{Candidate, Selector};
use super::{json_patch, merge, Graph, Rendered};

impl Graph<'_> {
    /// The documents of a patch, positioned in the file that holds them.
    pub(super) fn patch_docs(&mut self, k: usize, patch: &Patch<'_>) -> Vec<Node> {
        match patch.body {
            PatchBody::File(rel) => match self.file(k, rel) {
                Some(idx) => {
                    let id = u32::try_from(idx + 1).unwrap_or(u32::MAX);
                    let docs = self.sources.get(idx).map(|s| s.docs.clone()).unwrap_or_default();
                    docs.into_iter()
                        .map(|mut d| {
                            d.set_source(id);
                            d
                        })
                        .collect()
                }
                None => {
                    self.skip(k, format!("patch {rel} is not among the scanned files; not applied"));
                    Vec::new()
                }
            },
            PatchBody::Inline(node) => {
                let Some(text) = node.as_str() else { return Vec::new() };
                match yaml::parse_documents(text) {
                    Ok(docs) => docs.into_iter().map(|d| self.place_inline(k, node, d)).collect(),
                    Err(e) => {
                        let display = self.display(k).to_string();
                        self.errors.push(
                            ScanError::new(
                                super::super::SOURCE,
                                &display,
                                ErrorKind::Malformed,
                                format!("invalid YAML in an inline patch: {}", e.message),
                            )
                            .at(Location::at(&display, node.line, node.col)),
                        );
                        Vec::new()
                    }
                }
            }
        }
    }

    /// An inline patch's nodes, moved to where the string holds them: a
    /// literal block (`|`) line by line, other styles at the string itself.
    fn place_inline(&self, k: usize, at: &Node, mut doc: Node) -> Node {
        let literal = matches!(&at.kind, NodeKind::Scalar(s) if s.style == Style::Literal);
        if literal {
            let indent = self
                .sources
                .get(k)
                .and_then(|s| s.text.lines().nth(at.line as usize))
                .map_or(0, |l| l.len() - l.trim_start().len());
            shift(&mut doc, at.line, u32::try_from(indent).unwrap_or(0));
        } else {
            pin(&mut doc, at.line, at.col);
        }
        doc.set_source(u32::try_from(k + 1).unwrap_or(u32::MAX));
        doc
    }

    pub(super) fn apply_patch(&mut self, k: usize, patch: &Patch<'_>, docs: Vec<Node>, objects: &mut Vec<Rendered>) {
        let where_ = match patch.body {
            PatchBody::File(rel) => rel.to_string(),
            PatchBody::Inline(_) => format!("written inline at line {}", patch.node.line),
        };
        if let Some(reason) = &patch.bad_target {
            self.skip(k, format!("patch {where_} not applied: {reason}"));
            return;
        }
        for doc in docs {
            if doc.is_null() {
                continue;
            }
            if patch.field == "patchesJson6902" || doc.as_seq().is_some() {
                self.apply_json_patch(k, patch, &where_, &doc, objects);
                continue;
            }
            let Some(selector) = patch.target.clone().or_else(|| Selector::of_patch(&doc)) else {
                self.skip(k, format!("patch {where_} names no kind and name, and has no target; not applied"));
                continue;
            };
            let body = without_identity(doc);
            let mut matched = 0usize;
            let mut deleted = Vec::new();
            for (i, obj) in objects.iter_mut().enumerate() {
                if !selector.matches(&Candidate { node: &obj.node, names: &obj.names }) {
                    continue;
                }
                matched += 1;
                let api = obj.node.get("apiVersion").and_then(Node::as_str).unwrap_or("");
                let kind = obj.node.get("kind").and_then(Node::as_str).unwrap_or("");
                let builtin = classify(api, kind) == DocClass::Api;
                match merge::merge(&obj.node, &body, builtin) {
                    Some(merged) => obj.node = merged,
                    None => deleted.push(i),
                }
                obj.modified = true;
            }
            for i in deleted.into_iter().rev() {
                objects.remove(i);
            }
            if matched == 0 {
                self.skip(k, format!("patch {where_} matches no resource of this kustomization; not applied"));
            }
        }
    }
}

impl Graph<'_> {
    fn apply_json_patch(&mut self, k: usize, patch: &Patch<'_>, where_: &str, ops: &Node, objects: &mut [Rendered]) {
        let Some(selector) = &patch.target else {
            self.skip(k, format!("JSON 6902 patch {where_} has no target; not applied"));
            return;
        };
        let mut matched = 0usize;
        let mut refused = Vec::new();
        for obj in objects.iter_mut() {
            if !selector.matches(&Candidate { node: &obj.node, names: &obj.names }) {
                continue;
            }
            matched += 1;
            match json_patch::apply(&obj.node, ops) {
                Ok(node) => {
                    obj.node = node;
                    obj.modified = true;
                }
                Err(reason) => refused.push(format!("{}: {reason}", obj.names.last().map_or("?", String::as_str))),
            }
        }
        if matched == 0 {
            self.skip(k, format!("patch {where_} matches no resource of this kustomization; not applied"));
        }
        for reason in refused {
            self.skip(k, format!("JSON 6902 patch {where_} not applied to {reason}"));
        }
    }
}

/// A patch without the fields that only say what it targets.
fn without_identity(mut doc: Node) -> Node {
    if let NodeKind::Map(entries) = &mut doc.kind {
        entries.retain(|(k, _)| !matches!(k.as_str(), Some("apiVersion" | "kind")));
        for (k, v) in entries.iter_mut() {
            if k.as_str() == Some("metadata") {
                if let NodeKind::Map(meta) = &mut v.kind {
                    meta.retain(|(mk, _)| !matches!(mk.as_str(), Some("name" | "namespace")));
                }
            }
        }
    }
    doc
}

fn shift(node: &mut Node, lines: u32, cols: u32) {
    node.line = node.line.saturating_add(lines);
    node.col = node.col.saturating_add(cols);
    match &mut node.kind {
        NodeKind::Scalar(_) => {}
        NodeKind::Seq(items) => items.iter_mut().for_each(|n| shift(n, lines, cols)),
        NodeKind::Map(entries) => entries.iter_mut().for_each(|(a, b)| {
            shift(a, lines, cols);
            shift(b, lines, cols);
        }),
    }
}

fn pin(node: &mut Node, line: u32, col: u32) {
    node.line = line;
    node.col = col;
    match &mut node.kind {
        NodeKind::Scalar(_) => {}
        NodeKind::Seq(items) => items.iter_mut().for_each(|n| pin(n, line, col)),
        NodeKind::Map(entries) => entries.iter_mut().for_each(|(a, b)| {
            pin(a, line, col);
            pin(b, line, col);
        }),
    }
}
