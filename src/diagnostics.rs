//! Errors and skips recorded during a scan. A scan never stops at the first
//! problem: each one becomes an entry here, the rest of the scan goes on, and
//! the gate reports the scan as incomplete.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::facts::Location;

/// Something that kept part of the scan from completing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ScanError {
    /// The collector or stage that failed (`compose`, `tls`, `rules`...).
    pub source: String,
    /// What it was working on: a file path, `host:port`, a domain, a rule ID.
    pub target: String,
    pub message: String,
    pub kind: ErrorKind,
    /// File position, when the problem is in a file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
}

impl std::fmt::Display for ScanError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.location {
            Some(loc) if *loc.path == *self.target => {
                write!(f, "{}: {loc}: {}", self.source, self.message)
            }
            _ => write!(f, "{}: {}: {}", self.source, self.target, self.message),
        }
    }
}

// Not `thiserror`: a field named `source` would be taken for the cause.
impl std::error::Error for ScanError {}

impl ScanError {
    pub fn new(source: &str, target: impl Into<String>, kind: ErrorKind, message: impl Into<String>) -> Self {
        Self { source: source.to_string(), target: target.into(), message: message.into(), kind, location: None }
    }

    pub fn at(mut self, location: Location) -> Self {
        self.location = Some(location);
        self
    }

    /// Placed at the config entry that declared the target, when there is
    /// one and the error has no position of its own.
    pub fn at_declared(mut self, declared: Option<&Location>) -> Self {
        if self.location.is_none() {
            self.location = declared.cloned();
        }
        self
    }
}

/// Lets callers and reports tell failures apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// Connection refused, no route, name does not resolve, daemon down.
    Unreachable,
    /// No answer within the configured time.
    Timeout,
    /// Permission denied.
    Denied,
    /// The input is not what it claims to be: bad syntax, binary data,
    /// a protocol violation.
    Malformed,
    /// Too large, unsupported version or kind.
    Unsupported,
    /// Other I/O failures.
    Io,
    /// A rule could not be loaded or evaluated.
    Rule,
    /// Invalid configuration or arguments.
    Config,
    /// A fault in stackaudit itself while handling this item (a contained
    /// panic); the rest of the scan is kept.
    Internal,
}

impl ErrorKind {
    pub fn from_io(err: &std::io::Error) -> Self {
        use std::io::ErrorKind as K;
        match err.kind() {
            K::PermissionDenied => ErrorKind::Denied,
            K::TimedOut | K::WouldBlock => ErrorKind::Timeout,
            K::ConnectionRefused
            | K::ConnectionReset
            | K::ConnectionAborted
            | K::NotConnected
            | K::AddrNotAvailable => ErrorKind::Unreachable,
            K::InvalidData | K::UnexpectedEof => ErrorKind::Malformed,
            _ => ErrorKind::Io,
        }
    }
}

/// A file deliberately not scanned, reported so nothing is skipped silently.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Skipped {
    pub path: String,
    pub reason: String,
}
