//! Recognising secrets in text: the rules' pattern specs, the compiled
//! matcher (keyword prefilter, per-line regexes, filters, entropy, key
//! names, structural checks), the placement of a secret in its file, and
//! masking.
//!
//! A leaf: it imports nothing from the rest of the crate. The rules layer
//! uses it to parse and self-test secret rules, the pipeline builds one
//! [`Matcher`] from the loaded rules, and the collectors use that matcher,
//! so neither rules nor collectors depend on each other.

mod context;
mod file_scan;
mod filters;
mod inline;
mod keyname;
mod keywords;
pub mod mask;
mod matcher;
mod spec;
mod validate;
mod words;
mod yaml;

pub use context::{Context, FileKind, Format};
pub use file_scan::{decode_base64, Found};
pub use filters::{is_password_hash, is_reference};
pub use inline::covers as ignore_covers;
pub use mask::{fingerprint, preview};
pub use matcher::{example_fires, Candidate, Matcher, SecretValue};
pub use spec::PatternSpec;
