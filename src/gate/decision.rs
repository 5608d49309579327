//! The gate's decision types, recorded in every report: reports render
//! them and import nothing else of the gate.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::findings::Severity;

/// The CI decision recorded with the report.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
pub struct Gate {
    pub fail_on: Severity,
    pub status: GateStatus,
    /// The process exit code: 0 with `--exit-zero`, whatever the status.
    pub exit_code: u8,
    /// `--exit-zero` was given: the status still says what the gate decided,
    /// but the run exits 0.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub exit_zero: bool,
}

impl Gate {
    /// The exit code the gate's status alone gives (what `exit_code` would be
    /// without `--exit-zero`).
    pub fn status_code(&self) -> u8 {
        match self.status {
            GateStatus::Passed => super::EXIT_PASSED,
            GateStatus::Failed => super::EXIT_FINDINGS,
            GateStatus::Incomplete => super::EXIT_ERROR,
        }
    }

    /// How the exit code is shown: `exit 0 (--exit-zero; the gate says 1)`.
    pub fn exit_text(&self) -> String {
        if self.exit_zero && self.status_code() != self.exit_code {
            format!("exit {} (--exit-zero; the gate alone would exit {})", self.exit_code, self.status_code())
        } else {
            format!("exit {}", self.exit_code)
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum GateStatus {
    /// No counting finding at or above the threshold.
    Passed,
    /// At least one.
    Failed,
    /// The scan did not complete (errors); outranks findings.
    Incomplete,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
pub struct Notice {
    pub kind: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}
