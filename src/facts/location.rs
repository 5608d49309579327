//! Where a fact came from: a file position, or the config entry that named a
//! network target. Findings inherit these so every report can point somewhere.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
pub struct Location {
    /// Path as the user passed it (relative paths stay relative), `<stdin>`
    /// for piped input.
    pub path: String,
    /// 1-based line, when the source has lines.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// 1-based column, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
}

impl Location {
    pub fn file(path: impl Into<String>) -> Self {
        Self { path: path.into(), line: None, column: None }
    }

    pub fn at(path: impl Into<String>, line: u32, column: u32) -> Self {
        Self { path: path.into(), line: Some(line), column: Some(column) }
    }

    pub fn line(path: impl Into<String>, line: u32) -> Self {
        Self { path: path.into(), line: Some(line), column: None }
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
