//! Showing a secret without revealing it. The implementation lives with the
//! secret matcher (`crate::secrets::mask`); this path stays for the code
//! that masks values outside secret scanning.

pub use crate::secrets::mask::{
    fingerprint, key_source, preview, redact_urls, register_secret, scrub, url_credentials, KeySource, KEY_ENV, MASKED,
};
