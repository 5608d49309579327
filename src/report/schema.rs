//! The published JSON schema of the report, generated from the types.

use super::Report;

/// Path of the checked-in schema, relative to the repository root.
pub const SCHEMA_PATH: &str = "reports/report.schema.json";

pub fn generate() -> serde_json::Result<String> {
    let schema = schemars::schema_for!(Report);
    let mut text = serde_json::to_string_pretty(&schema)?;
    text.push('\n');
    Ok(text)
}
