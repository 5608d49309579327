//! Where a node is, in which file. Nodes of a Kustomize rendering come from
//! several files (a base, its patches, the kustomization); each node carries
//! the number of its source, and this turns it back into a path.

use std::sync::Arc;

use crate::collect::yaml::Node;
use crate::facts::Location;

#[derive(Debug, Clone, Copy)]
pub struct Place<'a> {
    /// The path of nodes with source 0 (the file being audited). Shared:
    /// every location in a file holds this one copy of its path.
    pub own: &'a Arc<str>,
    /// Paths of sources 1, 2, ...
    pub table: &'a [Arc<str>],
}

impl<'a> Place<'a> {
    pub fn file(own: &'a Arc<str>) -> Self {
        Self { own, table: &[] }
    }

    /// The path of a source number.
    pub fn path_of(&self, source: u32) -> &'a str {
        self.shared_of(source)
    }

    fn shared_of(&self, source: u32) -> &'a Arc<str> {
        match source.checked_sub(1) {
            Some(i) => self.table.get(i as usize).unwrap_or(self.own),
            None => self.own,
        }
    }

    /// Where a finding about `node` points: a mapping at its first key (a
    /// block mapping starts where its first key does).
    pub fn of(&self, node: &Node) -> Location {
        let node = position(node);
        Location::at(self.shared_of(node.source), node.line, node.col)
    }
}

/// A mapping is shown at its first key.
pub fn position(node: &Node) -> &Node {
    match node.as_map() {
        Some([(first, _), ..]) => first,
        _ => node,
    }
}
