//! Where a node is, in which file. Nodes of a Kustomize rendering come from
//! several files (a base, its patches, the kustomization); each node carries
//! the number of its source, and this turns it back into a path.

use crate::collect::yaml::Node;
use crate::facts::Location;

#[derive(Debug, Clone, Copy)]
pub struct Place<'a> {
    /// The path of nodes with source 0 (the file being audited).
    pub own: &'a str,
    /// Paths of sources 1, 2, ...
    pub table: &'a [&'a str],
}

impl<'a> Place<'a> {
    pub fn file(own: &'a str) -> Self {
        Self { own, table: &[] }
    }

    pub fn path(&self, node: &Node) -> &'a str {
        self.path_of(node.source)
    }

    /// The path of a source number.
    pub fn path_of(&self, source: u32) -> &'a str {
        match source.checked_sub(1) {
            Some(i) => self.table.get(i as usize).copied().unwrap_or(self.own),
            None => self.own,
        }
    }

    /// Where a finding about `node` points: a mapping at its first key (a
    /// block mapping starts where its first key does).
    pub fn of(&self, node: &Node) -> Location {
        let node = position(node);
        Location::at(self.path(node), node.line, node.col)
    }
}

/// A mapping is shown at its first key.
pub fn position(node: &Node) -> &Node {
    match node.as_map() {
        Some([(first, _), ..]) => first,
        _ => node,
    }
}
