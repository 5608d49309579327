//! How much a YAML stream may make us build. Input is hostile: a file of a
//! few kilobytes can describe gigabytes through aliases, and nesting deep
//! enough to overflow the stack (which cannot be caught) when the tree is
//! later walked recursively.

/// Bounds on one parsed stream (one file).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Deepest nesting of collections. Real manifests stay under 30 levels
    /// (CRD schemas are the deepest); every recursive walk of the tree is
    /// bounded by this.
    pub max_depth: usize,
    /// Documents in one stream (`---`-separated).
    pub max_documents: usize,
    /// Nodes in the whole stream, aliases expanded.
    pub max_nodes: usize,
    /// Nodes copied by alias expansion (`*anchor`) in the whole stream.
    pub max_alias_nodes: usize,
    /// Scalar bytes copied by alias expansion: one long scalar referenced a
    /// million times is small in nodes but not in memory.
    pub max_alias_bytes: usize,
}

impl Limits {
    pub const DEFAULT: Limits = Limits {
        max_depth: 256,
        max_documents: 5_000,
        max_nodes: 2_000_000,
        max_alias_nodes: 500_000,
        max_alias_bytes: 16 * 1024 * 1024,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Self::DEFAULT
    }
}
