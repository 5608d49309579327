//! Reading a file that should be text, with the failure modes collectors must
//! report distinctly: too large, binary, unreadable.

use std::path::Path;

use crate::diagnostics::{ErrorKind, ScanError};

/// Largest configuration file the structural parsers accept.
pub const DEFAULT_MAX_CONFIG_BYTES: u64 = 8 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("file is {size} bytes, over the {limit}-byte limit for configuration files")]
    TooLarge { size: u64, limit: u64 },
    #[error("binary data (not a text file)")]
    Binary,
    #[error("not valid UTF-8 text at byte {0}")]
    NotUtf8(usize),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

impl ReadError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            ReadError::TooLarge { .. } => ErrorKind::Unsupported,
            ReadError::Binary | ReadError::NotUtf8(_) => ErrorKind::Malformed,
            ReadError::Io(e) => ErrorKind::from_io(e),
        }
    }

    /// The scan error a collector records for this file.
    pub fn into_scan_error(self, source: &str, display_path: &str) -> ScanError {
        let kind = self.kind();
        let message = match &self {
            ReadError::Io(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
                "permission denied: check the file's mode or run with access to it".to_string()
            }
            other => other.to_string(),
        };
        ScanError::new(source, display_path, kind, format!("cannot read: {message}"))
    }
}

/// Reads `path` as UTF-8 text of at most `limit` bytes.
pub fn read_text(path: &Path, limit: u64) -> Result<String, ReadError> {
    let meta = std::fs::metadata(path)?;
    if meta.len() > limit {
        return Err(ReadError::TooLarge { size: meta.len(), limit });
    }
    let bytes = std::fs::read(path)?;
    bytes_to_text(bytes)
}

/// Checks bytes are text: no NUL in the first 8 KiB (what git and grep use
/// to call a file binary) and valid UTF-8.
pub fn bytes_to_text(bytes: Vec<u8>) -> Result<String, ReadError> {
    if looks_binary(&bytes) {
        return Err(ReadError::Binary);
    }
    String::from_utf8(bytes).map_err(|e| ReadError::NotUtf8(e.utf8_error().valid_up_to()))
}

pub fn looks_binary(bytes: &[u8]) -> bool {
    memchr::memchr(0, &bytes[..bytes.len().min(8192)]).is_some()
}
