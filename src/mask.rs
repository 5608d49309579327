//! Showing a secret without revealing it. The implementation lives with the
//! secret matcher (`crate::secrets::mask`); this path stays for the code
//! that masks values outside secret scanning.

pub use crate::secrets::mask::{fingerprint, key_source, preview, KeySource, KEY_ENV};
