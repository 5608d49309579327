//! Where a fact came from: a file position, or the config entry that named a
//! network target. Findings inherit these so every report can point somewhere.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
pub struct Location {
    /// Path as the user passed it (relative paths stay relative), `<stdin>`
    /// for piped input.
    // Shared: the locations of one file (a compose service's thirty
    // settings, every finding pointing there) hold one copy of its path,
    // and cloning a location only bumps a count.
    pub path: Arc<str>,
    /// 1-based line, when the source has lines.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// 1-based column, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
}

impl Location {
    pub fn file(path: impl SharedPath) -> Self {
        Self { path: path.into_shared(), line: None, column: None }
    }

    pub fn at(path: impl SharedPath, line: u32, column: u32) -> Self {
        Self { path: path.into_shared(), line: Some(line), column: Some(column) }
    }

    pub fn line(path: impl SharedPath, line: u32) -> Self {
        Self { path: path.into_shared(), line: Some(line), column: None }
    }
}

/// What a location's path can be made from: text to copy once, or an
/// `Arc<str>` already holding it, which is shared rather than copied. (Not
/// `Into<Arc<str>>`, which `&String` does not implement.)
pub trait SharedPath {
    fn into_shared(self) -> Arc<str>;
}

impl SharedPath for Arc<str> {
    fn into_shared(self) -> Arc<str> {
        self
    }
}

impl SharedPath for &Arc<str> {
    fn into_shared(self) -> Arc<str> {
        Arc::clone(self)
    }
}

impl SharedPath for &str {
    fn into_shared(self) -> Arc<str> {
        Arc::from(self)
    }
}

impl SharedPath for String {
    fn into_shared(self) -> Arc<str> {
        Arc::from(self)
    }
}

impl SharedPath for &String {
    fn into_shared(self) -> Arc<str> {
        Arc::from(self.as_str())
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.path)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(col) = self.column {
                write!(f, ":{col}")?;
            }
        }
        Ok(())
    }
}
