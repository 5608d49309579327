//! stackaudit: a security and compliance audit scanner for containerised web
//! stacks.
//!
//! One pipeline, one direction: [`collect`] turns targets into [`facts`];
//! [`rules`] judge facts and produce [`findings`]; [`gate`] decides the CI
//! outcome and [`report`] renders it. [`scan`] runs the whole pipeline.
//! [`secrets`] is a leaf both rules and collectors use to recognise secrets.

// Unit tests may unwrap, index and slice: a panic there fails a test, it does
// not crash a scan. The non-test build of this crate still checks all code
// outside `#[cfg(test)]` against Cargo.toml's [lints].
#![cfg_attr(
    test,
    allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::string_slice,
        clippy::indexing_slicing,
        clippy::unreachable
    )
)]

pub mod collect;
pub mod config;
pub mod diagnostics;
pub mod facts;
pub mod findings;
#[doc(hidden)]
pub mod fuzzing;
pub mod gate;
pub mod history;
pub mod mask;
pub mod report;
pub mod rules;
pub mod scan;
pub mod secrets;

pub mod cli;

/// Installs the process-wide rustls crypto provider (ring). Called once at
/// start-up, before any TLS client exists, so every TLS user in the process
/// (reqwest, bollard, the TLS probe) agrees on one provider.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}
