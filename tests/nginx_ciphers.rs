//! The cipher-string evaluator against the real `openssl ciphers`.
//!
//! Debian's OpenSSL 3 no longer builds RC4, DES, 3DES, EXPORT, IDEA or SEED
//! suites, while the evaluator's table keeps them (a server may be linked
//! with an OpenSSL that has them). So the comparison is on the suites both
//! know: for every string, the evaluator's admitted suites that this OpenSSL
//! builds must be exactly the TLS 1.2-and-earlier suites OpenSSL lists.

// A test crate: a panic here fails a test, it cannot crash a scan.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::string_slice,
    clippy::indexing_slicing,
    clippy::unreachable
)]

use std::collections::BTreeSet;
use std::process::Command;

use stackaudit::collect::nginx::ciphers::{evaluate, SUITES};

/// TLS 1.2-and-earlier suite names `openssl ciphers -v` lists for `spec`
/// (`None` when OpenSSL rejects the string).
fn openssl(spec: &str, supported_only: bool) -> Option<BTreeSet<String>> {
    let mut cmd = Command::new("openssl");
    cmd.arg("ciphers");
    if supported_only {
        cmd.arg("-s");
    }
    // The system openssl.cnf may raise the security level; compare against
    // the library's own behaviour.
    let out = cmd.arg("-v").arg(spec).env("OPENSSL_CONF", "/dev/null").output().expect("openssl runs");
    if !out.status.success() {
        return None;
    }
    Some(
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|l| !l.contains("TLSv1.3"))
            .filter_map(|l| l.split_whitespace().next().map(str::to_string))
            .collect(),
    )
}

const STRINGS: &[&str] = &[
    "HIGH:!aNULL:!MD5",
    "ALL",
    "ALL:!EXPORT",
    "ALL:COMPLEMENTOFALL",
    "DEFAULT",
    "DEFAULT:!ECDHE",
    "MEDIUM:HIGH",
    "aNULL",
    "eNULL",
    "kRSA",
    "ECDHE+AESGCM:DHE+AESGCM",
    "EECDH+AESGCM:EDH+AESGCM:!aNULL",
    "ALL:-AES:AES256-SHA",
    "ALL:!AES:AES256-SHA",
    "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-GCM-SHA256:!NOSUCH",
    "HIGH:+SHA1:@STRENGTH",
    "PSK:SRP:!aPSK",
    "TLSv1.2:!aNULL:!eNULL",
    "SSLv3",
    "CAMELLIA:ARIA:CHACHA20",
    "AES128:!SHA256:!SHA384",
    "ALL:COMPLEMENTOFALL:!COMPLEMENTOFDEFAULT",
];

#[test]
fn evaluator_agrees_with_openssl_on_the_suites_openssl_builds() {
    let built = openssl("ALL:COMPLEMENTOFALL:@SECLEVEL=0", false).expect("openssl lists its suites");
    // Every suite this OpenSSL builds must be in the table.
    let table: BTreeSet<String> = SUITES.iter().map(|s| s.name.to_string()).collect();
    let unknown: Vec<_> = built.difference(&table).collect();
    assert!(unknown.is_empty(), "suites missing from the table: {unknown:?}");
    for spec in STRINGS {
        let expected = openssl(spec, false).unwrap_or_else(|| panic!("openssl rejects {spec:?}"));
        let ours: BTreeSet<String> = evaluate(spec)
            .unwrap_or_else(|e| panic!("{spec}: {e}"))
            .admitted
            .iter()
            .map(|s| s.name.to_string())
            .filter(|n| built.contains(n))
            .collect();
        let missing: Vec<_> = expected.difference(&ours).collect();
        let extra: Vec<_> = ours.difference(&expected).collect();
        assert!(missing.is_empty() && extra.is_empty(), "{spec}: missing {missing:?}, extra {extra:?}");
    }
}

#[test]
fn strings_openssl_rejects_are_rejected() {
    for spec in ["NOSUCH", "AES128-SHA:!AES", "!ALL:eNULL:!eNULL"] {
        assert!(openssl(spec, false).is_none(), "openssl accepts {spec:?}");
        assert!(evaluate(spec).is_err(), "evaluator accepts {spec:?}");
    }
}

#[test]
fn security_levels_agree_with_openssl() {
    let built = openssl("ALL:COMPLEMENTOFALL:@SECLEVEL=0", false).unwrap();
    for level in 0..=5 {
        let spec = format!("ALL:COMPLEMENTOFALL:@SECLEVEL={level}");
        // `-s` also leaves out PSK and SRP suites, which need callbacks a
        // bare `openssl ciphers` context does not have: compare the rest.
        let usable = |n: &String| built.contains(n) && !n.contains("PSK") && !n.starts_with("SRP");
        let expected: BTreeSet<String> = openssl(&spec, true).unwrap_or_default().into_iter().filter(usable).collect();
        let ours: BTreeSet<String> = evaluate(&spec)
            .map(|e| e.admitted.iter().map(|s| s.name.to_string()).filter(usable).collect())
            .unwrap_or_default();
        let missing: Vec<_> = expected.difference(&ours).collect();
        let extra: Vec<_> = ours.difference(&expected).collect();
        assert!(missing.is_empty() && extra.is_empty(), "{spec}: missing {missing:?}, extra {extra:?}");
    }
}
