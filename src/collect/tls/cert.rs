//! The certificate chain as sent: each certificate's details (x509-parser)
//! and the judgements rules need — expiry, lifetime, host name, trust, key
//! size and signature hash.

use std::sync::Arc;

use rustls::client::danger::ServerCertVerifier;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, RootCertStore};
use x509_parser::prelude::*;

use crate::facts::tls::{Certificate, CertificateStatus};

const DAY: i64 = 86_400;

/// One parsed certificate plus what is needed to judge it.
struct Parsed {
    fact: Certificate,
    not_before: i64,
    not_after: i64,
    dns_names: Vec<String>,
    ips: Vec<std::net::IpAddr>,
}

/// Details of every certificate and the status of the chain for `name`.
/// Certificates that do not parse are skipped and named in the error.
pub fn analyse(
    chain: &[Vec<u8>],
    name: &str,
    roots: &Arc<RootCertStore>,
    now: i64,
) -> (Vec<Certificate>, Option<CertificateStatus>, Option<String>) {
    let mut parsed = Vec::new();
    let mut error = None;
    for (i, der) in chain.iter().enumerate() {
        match parse(der) {
            Ok(p) => parsed.push(p),
            Err(e) => error = Some(format!("certificate {} of the chain does not parse: {e}", i + 1)),
        }
    }
    let Some(leaf) = parsed.first() else {
        return (Vec::new(), None, error);
    };
    let chain_len = parsed.len();
    let weak_keys = parsed
        .iter()
        .filter(|p| weak_key(&p.fact))
        .map(|p| format!("{} ({} {} bits)", p.fact.subject, p.fact.key_type, p.fact.key_bits))
        .collect();
    // A root's self-signature is never checked by clients, so a SHA-1 root
    // sent along with the chain is not a weakness.
    let weak_signatures = parsed
        .iter()
        .filter(|p| !(p.fact.self_signed && chain_len > 1) && weak_hash(&p.fact.signature_algorithm))
        .map(|p| format!("{} ({})", p.fact.subject, p.fact.signature_algorithm))
        .collect();
    let (trusted, untrusted_reason) = trust(chain, leaf, name, roots, now);
    let status = CertificateStatus {
        expired: now > leaf.not_after,
        expires_in_days: (leaf.not_after - now).div_euclid(DAY),
        lifetime_days: (leaf.not_after - leaf.not_before) / DAY,
        hostname_matches: matches_name(leaf, name),
        trusted,
        untrusted_reason,
        weak_keys,
        weak_signatures,
    };
    (parsed.into_iter().map(|p| p.fact).collect(), Some(status), error)
}

fn parse(der: &[u8]) -> Result<Parsed, String> {
    let (_, cert) = X509Certificate::from_der(der).map_err(|e| e.to_string())?;
    let mut dns_names = Vec::new();
    let mut ips = Vec::new();
    let mut san = Vec::new();
    if let Ok(Some(ext)) = cert.subject_alternative_name() {
        for gn in &ext.value.general_names {
            match gn {
                GeneralName::DNSName(n) => {
                    san.push(n.to_string());
                    dns_names.push(n.to_ascii_lowercase());
                }
                GeneralName::IPAddress(bytes) => {
                    let ip = match bytes.len() {
                        4 => <[u8; 4]>::try_from(*bytes).ok().map(std::net::IpAddr::from),
                        16 => <[u8; 16]>::try_from(*bytes).ok().map(std::net::IpAddr::from),
                        _ => None,
                    };
                    if let Some(ip) = ip {
                        san.push(ip.to_string());
                        ips.push(ip);
                    }
                }
                _ => {}
            }
        }
    }
    let spki = cert.public_key();
    let alg_oid = spki.algorithm.algorithm.to_id_string();
    let (key_type, key_bits) = match spki.parsed() {
        Ok(x509_parser::public_key::PublicKey::RSA(k)) => ("RSA", k.key_size() as u32),
        Ok(x509_parser::public_key::PublicKey::EC(k)) => ("EC", k.key_size() as u32),
        Ok(x509_parser::public_key::PublicKey::DSA(k)) => ("DSA", (k.len() * 8) as u32),
        _ if alg_oid == "1.3.101.112" => ("Ed25519", 256),
        _ if alg_oid == "1.3.101.113" => ("Ed448", 456),
        _ => ("unknown", 0),
    };
    let sig_oid = &cert.signature_algorithm.algorithm;
    let signature_algorithm =
        oid2sn(sig_oid, oid_registry()).map_or_else(|_| sig_oid.to_id_string(), |s| s.to_string());
    let not_before = cert.validity().not_before.timestamp();
    let not_after = cert.validity().not_after.timestamp();
    let digest = ring::digest::digest(&ring::digest::SHA256, der);
    let fact = Certificate {
        subject: cert.subject().to_string(),
        issuer: cert.issuer().to_string(),
        san,
        serial: cert.raw_serial_as_string(),
        not_before: rfc3339(not_before),
        not_after: rfc3339(not_after),
        key_type: key_type.to_string(),
        key_bits,
        signature_algorithm,
        self_signed: cert.subject().as_raw() == cert.issuer().as_raw(),
        sha256: digest.as_ref().iter().map(|b| format!("{b:02x}")).collect(),
    };
    Ok(Parsed { fact, not_before, not_after, dns_names, ips })
}

fn rfc3339(ts: i64) -> String {
    chrono::DateTime::from_timestamp(ts, 0).map_or_else(|| ts.to_string(), |d| d.to_rfc3339())
}

pub fn weak_key(c: &Certificate) -> bool {
    match c.key_type.as_str() {
        "RSA" | "DSA" => c.key_bits < 2048,
        "EC" => c.key_bits < 256,
        _ => false,
    }
}

pub fn weak_hash(signature_algorithm: &str) -> bool {
    let s = signature_algorithm.to_ascii_lowercase();
    s.contains("sha1") || s.contains("sha-1") || s.contains("md5") || s.contains("md2")
}

/// RFC 6125 matching on the subjectAltName only, as browsers do: the common
/// name is ignored, and a wildcard covers exactly one left-most label.
fn matches_name(leaf: &Parsed, name: &str) -> bool {
    if let Ok(ip) = name.parse::<std::net::IpAddr>() {
        return leaf.ips.contains(&ip);
    }
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    leaf.dns_names.iter().any(|pattern| {
        let pattern = pattern.trim_end_matches('.');
        match pattern.strip_prefix("*.") {
            Some(suffix) => name.split_once('.').is_some_and(|(first, rest)| !first.is_empty() && rest == suffix),
            None => pattern == name,
        }
    })
}

/// Whether the chain leads to a trusted root. Checked at a time inside the
/// leaf's validity, so an expired certificate (its own rule) does not hide
/// whether it was issued by a trusted CA; the host name is checked
/// separately too.
fn trust(chain: &[Vec<u8>], leaf: &Parsed, name: &str, roots: &Arc<RootCertStore>, now: i64) -> (bool, Option<String>) {
    let at = if (leaf.not_before..=leaf.not_after).contains(&now) {
        now
    } else {
        leaf.not_before + (leaf.not_after - leaf.not_before) / 2
    };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = match rustls::client::WebPkiServerVerifier::builder_with_provider(roots.clone(), provider).build() {
        Ok(v) => v,
        Err(e) => return (false, Some(format!("no trust anchors to check against ({e})"))),
    };
    let certs: Vec<CertificateDer<'_>> = chain.iter().map(|c| CertificateDer::from(c.as_slice())).collect();
    // A name that is not a DNS name still gets its path checked: the
    // stand-in fails only the name check, which comes after the path.
    let server_name = match ServerName::try_from(name.to_string()).or_else(|_| ServerName::try_from("invalid.invalid"))
    {
        Ok(n) => n,
        Err(e) => return (false, Some(format!("cannot check the chain: {e}"))),
    };
    let Some((end_entity, intermediates)) = certs.split_first() else {
        return (false, Some("no certificate".into()));
    };
    let at = UnixTime::since_unix_epoch(std::time::Duration::from_secs(at.max(0) as u64));
    match verifier.verify_server_cert(end_entity, intermediates, &server_name, &[], at) {
        Ok(_) => (true, None),
        // The name is checked after the path, so the path is trusted.
        Err(rustls::Error::InvalidCertificate(
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
        )) => (true, None),
        // A lone self-signed certificate fails for that reason, whichever
        // check the verifier happened to trip first.
        Err(_) if leaf.fact.self_signed && chain.len() == 1 => (false, Some("self-signed".into())),
        Err(rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer)) => {
            (false, Some("unknown issuer: does not chain to the system roots or the configured CA bundle".into()))
        }
        Err(rustls::Error::InvalidCertificate(e)) => (false, Some(format!("{e:?}"))),
        Err(e) => (false, Some(e.to_string())),
    }
}
