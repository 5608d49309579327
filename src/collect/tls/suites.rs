//! Cipher suites: which ones to offer and how to classify what a server
//! picked. Names and attributes come from tls-parser's copy of the IANA
//! registry, so a report says `TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256` as the
//! RFCs and other scanners do.

use std::sync::OnceLock;

use tls_parser::{TlsCipherAu, TlsCipherEnc, TlsCipherEncMode, TlsCipherKx, TlsCipherMac, TlsCipherSuite};

/// Suites offered to TLS 1.2-and-earlier servers: everything in the
/// registry a server could pick for an anonymous client that does not bring
/// a pre-shared key, SRP password or Kerberos ticket (those need client
/// credentials to be chosen at all).
pub fn legacy_candidates() -> &'static [u16] {
    static LIST: OnceLock<Vec<u16>> = OnceLock::new();
    LIST.get_or_init(|| {
        // The registry's entries (a few hundred), not a lookup of all 65,536
        // code points: that took a millisecond of every run's start-up.
        let mut v: Vec<u16> = tls_parser::CIPHERS
            .values()
            .filter(|s| !(s.kx == TlsCipherKx::Tls13 || needs_client_credentials(s) || is_null_null(s)))
            .map(|s| s.id.0)
            .collect();
        // Strong suites first, so the protocol probe's hello looks like a
        // modern client's.
        v.sort_by_key(|id| (rank(*id), *id));
        v
    })
}

/// The TLS 1.3 suites (RFC 8446 B.4 and the SM suites of RFC 8998).
pub fn tls13_candidates() -> &'static [u16] {
    &[0x1301, 0x1302, 0x1303, 0x1304, 0x1305, 0x00c6, 0x00c7]
}

fn rank(id: u16) -> u8 {
    match TlsCipherSuite::from_id(id) {
        Some(s) if s.mac == TlsCipherMac::Aead && matches!(s.kx, TlsCipherKx::Ecdhe | TlsCipherKx::Dhe) => 0,
        Some(s) if matches!(s.kx, TlsCipherKx::Ecdhe | TlsCipherKx::Dhe) => 1,
        Some(s) if s.kx == TlsCipherKx::Rsa && s.enc == TlsCipherEnc::Aes => 2,
        _ => 3,
    }
}

/// The IANA name, or the code point when the registry has none.
pub fn name(id: u16) -> String {
    TlsCipherSuite::from_id(id).map_or_else(|| format!("0x{id:04X}"), |s| s.name.to_string())
}

/// The weak classes the nginx check uses, in the same order.
pub const WEAK_CLASSES: [&str; 7] = ["NULL", "aNULL", "EXPORT", "RC4", "DES", "3DES", "MD5"];

pub fn in_weak_class(id: u16, class: &str) -> bool {
    let Some(s) = TlsCipherSuite::from_id(id) else { return false };
    if s.kx == TlsCipherKx::Tls13 {
        return false;
    }
    match class {
        "NULL" => s.enc == TlsCipherEnc::Null,
        "aNULL" => s.au == TlsCipherAu::Null,
        "EXPORT" => s.name.contains("EXPORT"),
        "RC4" => s.enc == TlsCipherEnc::Rc4,
        "DES" => s.enc == TlsCipherEnc::Des,
        "3DES" => s.enc == TlsCipherEnc::TripleDes,
        "MD5" => s.mac == TlsCipherMac::HmacMd5,
        _ => false,
    }
}

/// Ephemeral key exchange: a stolen server key does not decrypt recorded
/// sessions.
pub fn forward_secret(id: u16) -> bool {
    TlsCipherSuite::from_id(id).is_some_and(|s| {
        matches!(s.kx, TlsCipherKx::Dhe | TlsCipherKx::Ecdhe | TlsCipherKx::Aecdh | TlsCipherKx::Tls13)
    })
}

/// AEAD (GCM, CCM, ChaCha20-Poly1305) rather than MAC-then-encrypt.
pub fn aead(id: u16) -> bool {
    TlsCipherSuite::from_id(id).is_some_and(|s| s.mac == TlsCipherMac::Aead || s.kx == TlsCipherKx::Tls13)
}

pub fn cbc(id: u16) -> bool {
    TlsCipherSuite::from_id(id).is_some_and(|s| s.enc_mode == TlsCipherEncMode::Cbc)
}

/// PSK, SRP, Kerberos and ECCPWD suites are only chosen for a client that
/// brings matching credentials, which a probe never has.
fn needs_client_credentials(s: &TlsCipherSuite) -> bool {
    matches!(s.kx, TlsCipherKx::Psk | TlsCipherKx::Krb5 | TlsCipherKx::Srp | TlsCipherKx::Eccpwd)
        || matches!(s.au, TlsCipherAu::Psk | TlsCipherAu::Krb5)
        || s.name.contains("PSK")
        || s.name.contains("SRP")
}

/// TLS_NULL_WITH_NULL_NULL is the "no suite yet" placeholder, never negotiable.
fn is_null_null(s: &TlsCipherSuite) -> bool {
    s.kx == TlsCipherKx::Null && s.au == TlsCipherAu::Null
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidates_hold_the_usual_suites_and_no_credential_ones() {
        let c = legacy_candidates();
        for id in [0xc02f, 0xc030, 0x002f, 0x000a, 0x0005, 0x0018, 0xcca8] {
            assert!(c.contains(&id), "{} missing", name(id));
        }
        assert!(!c.contains(&0x00ff) && !c.contains(&0x5600) && !c.contains(&0x008c), "SCSV or PSK offered");
        assert!(c.len() > 150 && c.len() < 300, "{} candidates", c.len());
    }

    #[test]
    fn candidates_are_every_registry_code_point_that_qualifies() {
        let by_lookup: Vec<u16> = (0..=u16::MAX)
            .filter_map(TlsCipherSuite::from_id)
            .filter(|s| !(s.kx == TlsCipherKx::Tls13 || needs_client_credentials(s) || is_null_null(s)))
            .map(|s| s.id.0)
            .collect();
        let mut listed = legacy_candidates().to_vec();
        listed.sort_unstable();
        assert_eq!(listed, by_lookup);
    }

    #[test]
    fn classes() {
        assert!(in_weak_class(0x000a, "3DES"));
        assert!(in_weak_class(0x0018, "aNULL") && in_weak_class(0x0018, "RC4") && in_weak_class(0x0018, "MD5"));
        assert!(in_weak_class(0x0003, "EXPORT"));
        assert!(!in_weak_class(0xc02f, "NULL"));
        assert!(forward_secret(0xc02f) && !forward_secret(0x002f) && forward_secret(0x1301));
        assert!(aead(0xc02f) && !aead(0xc013) && cbc(0xc013));
        assert_eq!(name(0xc02f), "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
    }
}
