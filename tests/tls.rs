//! TLS endpoint checks against real servers: `openssl s_server` with the
//! protocol and cipher settings of each case, certificates made by a private
//! CA at set-up, and nginx's plain-HTTP port for a non-TLS answer. Fake peers
//! only for SSLv3 (Debian's OpenSSL has none), a tarpit, a reset and an
//! oversized record. Everything listens on 127.0.0.1.

// A test crate: a panic here fails a test, it cannot crash a scan.
// unsafe: libc calls std lacks (mkfifo, setns, flock, SO_LINGER).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::string_slice,
    clippy::indexing_slicing,
    clippy::unreachable,
    unsafe_code
)]

mod support;
mod tls_support;

use std::time::{Duration, Instant};

use serde_json::Value;
use tls_support::{fake_peer, free_port, LeafSpec, Nginx, Pki, SServer};

struct Scan {
    code: i32,
    report: Value,
    elapsed: Duration,
    _dir: tempfile::TempDir,
}

impl Scan {
    fn findings(&self, prefix: &str) -> Vec<(String, String, String)> {
        support::rule_subject_keys(&self.report, prefix)
    }

    fn rules_for(&self, subject: &str) -> Vec<String> {
        let mut v: Vec<String> = self
            .findings("tls-")
            .into_iter()
            .filter(|(_, s, _)| s == subject)
            .map(|(r, _, k)| format!("{r} {k}"))
            .collect();
        v.dedup();
        v
    }

    fn fact(&self, subject: &str) -> &Value {
        self.report["facts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["kind"] == "tls_endpoint" && f["subject"]["name"] == subject)
            .map(|f| &f["data"])
            .unwrap_or_else(|| panic!("no tls_endpoint fact for {subject}; errors: {:#}", self.report["errors"]))
    }

    fn errors(&self) -> &Vec<Value> {
        self.report["errors"].as_array().unwrap()
    }
}

fn scan_config(config: &str, extra: &[&str]) -> Scan {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("stackaudit.toml"), config).unwrap();
    std::fs::create_dir(dir.path().join("files")).unwrap();
    let mut args = vec!["--config", "stackaudit.toml"];
    args.extend_from_slice(extra);
    args.push("files");
    let started = Instant::now();
    let (code, report) = support::scan_json(dir.path(), &args);
    Scan { code, report, elapsed: started.elapsed(), _dir: dir }
}

fn scan_cli(targets: &[String]) -> Scan {
    let mut args: Vec<String> = Vec::new();
    for t in targets {
        args.push("--tls".into());
        args.push(t.clone());
    }
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    scan_config("", &refs)
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array().unwrap_or_else(|| panic!("not a list: {v}")).iter().map(|s| s.as_str().unwrap().to_string()).collect()
}

fn entry(port: u16, ca: &std::path::Path) -> String {
    format!("[[tls]]\ntarget = \"127.0.0.1:{port}\"\nsni = \"localhost\"\nca_bundle = \"{}\"\n\n", ca.display())
}

#[test]
fn the_guides_server_is_clean_and_its_evidence_is_in_the_report() {
    let pki = Pki::new();
    let leaf = pki.leaf(LeafSpec::default());
    let server = SServer::start(&leaf, &["-min_protocol", "TLSv1.2"]);
    let scan = scan_config(&entry(server.port, &pki.ca.cert), &[]);
    let name = format!("127.0.0.1:{}", server.port);
    assert_eq!(scan.rules_for(&name), Vec::<String>::new(), "errors: {:#}", scan.report["errors"]);
    assert!(scan.errors().is_empty(), "{:#?}", scan.errors());
    assert_eq!(scan.code, 0);
    let fact = scan.fact(&name);
    assert_eq!(strings(&fact["accepted_protocols"]), ["TLSv1.2", "TLSv1.3"]);
    let tls13 = fact["protocols"].as_array().unwrap().iter().find(|p| p["version"] == "TLSv1.3").unwrap();
    assert!(strings(&tls13["suites"]).contains(&"TLS_AES_256_GCM_SHA384".to_string()), "{tls13}");
    let tls12 = fact["protocols"].as_array().unwrap().iter().find(|p| p["version"] == "TLSv1.2").unwrap();
    assert!(strings(&tls12["suites"]).contains(&"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256".to_string()), "{tls12}");
    let tls1 = fact["protocols"].as_array().unwrap().iter().find(|p| p["version"] == "TLSv1").unwrap();
    assert_eq!(tls1["accepted"], false);
    assert!(tls1["answer"].as_str().unwrap().starts_with("alert"), "{tls1}");
    let cert = &fact["certificates"][0];
    assert_eq!(cert["subject"], "CN=localhost");
    assert_eq!(strings(&cert["san"]), ["localhost"]);
    assert_eq!(cert["key_type"], "RSA");
    assert_eq!(cert["key_bits"], 2048);
    assert_eq!(fact["certificate"]["trusted"], true, "{fact:#}");
    assert_eq!(fact["certificate"]["hostname_matches"], true);
    // The finding-less fact still points at its config entry.
    let f = scan.report["facts"].as_array().unwrap().iter().find(|f| f["subject"]["name"] == name.as_str()).unwrap();
    assert_eq!(f["declared_in"]["line"], 1, "{f:#}");
}

#[test]
fn legacy_protocols_and_anonymous_suites_are_found_on_the_wire() {
    let pki = Pki::new();
    let leaf = pki.leaf(LeafSpec::default());
    // Debian's OpenSSL 3 refuses TLS 1.0/1.1 handshakes (SHA-1 based) above
    // security level 0.
    let server =
        SServer::start(&leaf, &["-min_protocol", "TLSv1", "-max_protocol", "TLSv1.2", "-cipher", "ALL:@SECLEVEL=0"]);
    let scan = scan_config(&entry(server.port, &pki.ca.cert), &[]);
    let name = format!("127.0.0.1:{}", server.port);
    let rules = scan.rules_for(&name);
    for expected in ["tls-legacy-protocol TLSv1", "tls-weak-cipher aNULL", "tls-no-tls13 TLSv1.3"] {
        assert!(rules.contains(&expected.to_string()), "{expected} missing from {rules:?}");
    }
    // One finding per endpoint lists every legacy version it accepts.
    assert_eq!(rules.iter().filter(|r| r.starts_with("tls-legacy-protocol")).count(), 1, "{rules:?}");
    assert!(!rules.iter().any(|r| r.starts_with("tls-certificate")), "{rules:?}");
    assert_eq!(scan.code, 1, "errors: {:#}", scan.report["errors"]);
    let fact = scan.fact(&name);
    assert_eq!(strings(&fact["accepted_protocols"]), ["TLSv1", "TLSv1.1", "TLSv1.2"]);
    let tls10 = fact["protocols"].as_array().unwrap().iter().find(|p| p["version"] == "TLSv1").unwrap();
    let suites = strings(&tls10["suites"]);
    assert!(suites.contains(&"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA".to_string()), "{suites:?}");
    assert!(!suites.iter().any(|s| s.contains("GCM")), "GCM cannot be negotiated on TLS 1.0: {suites:?}");
    let tls12 = fact["protocols"].as_array().unwrap().iter().find(|p| p["version"] == "TLSv1.2").unwrap();
    assert!(strings(&tls12["suites"]).len() > suites.len(), "TLS 1.2 has more suites");
}

#[test]
fn a_tls13_only_server_has_its_chain_read_over_tls13() {
    let pki = Pki::new();
    let leaf = pki.leaf(LeafSpec::default());
    let server = SServer::start(&leaf, &["-min_protocol", "TLSv1.3"]);
    let scan = scan_config(&entry(server.port, &pki.ca.cert), &[]);
    let name = format!("127.0.0.1:{}", server.port);
    let fact = scan.fact(&name);
    assert_eq!(strings(&fact["accepted_protocols"]), ["TLSv1.3"]);
    assert_eq!(fact["certificates"][0]["subject"], "CN=localhost", "{fact:#}");
    assert_eq!(fact["certificate"]["trusted"], true);
    assert_eq!(scan.rules_for(&name), Vec::<String>::new());
    let tls12 = fact["protocols"].as_array().unwrap().iter().find(|p| p["version"] == "TLSv1.2").unwrap();
    assert_eq!(tls12["accepted"], false);
}

#[test]
fn cbc_only_static_rsa_server() {
    let pki = Pki::new();
    let leaf = pki.leaf(LeafSpec::default());
    let server = SServer::start(&leaf, &["-max_protocol", "TLSv1.2", "-cipher", "AES128-SHA:AES256-SHA"]);
    let scan = scan_config(&entry(server.port, &pki.ca.cert), &[]);
    let name = format!("127.0.0.1:{}", server.port);
    let rules = scan.rules_for(&name);
    assert_eq!(
        rules,
        ["tls-cbc-only CBC", "tls-no-forward-secrecy key exchange", "tls-no-tls13 TLSv1.3"],
        "errors: {:#}",
        scan.report["errors"]
    );
    let fact = scan.fact(&name);
    let tls12 = fact["protocols"].as_array().unwrap().iter().find(|p| p["version"] == "TLSv1.2").unwrap();
    assert_eq!(strings(&tls12["suites"]), ["TLS_RSA_WITH_AES_128_CBC_SHA", "TLS_RSA_WITH_AES_256_CBC_SHA"]);
}

#[test]
fn certificate_problems_each_get_their_rule_and_only_it() {
    let pki = Pki::new();
    let weak = ["-cipher", "DEFAULT:@SECLEVEL=0"];
    let cases = [
        ("expired", pki.leaf(LeafSpec { from_days: -200, to_days: -10, ..Default::default() }), &[][..]),
        ("expiring", pki.leaf(LeafSpec { to_days: 5, ..Default::default() }), &[][..]),
        ("self-signed", pki.self_signed("localhost"), &[][..]),
        ("wrong host", pki.leaf(LeafSpec { cn: "other.test", san: "DNS:other.test", ..Default::default() }), &[][..]),
        ("rsa1024", pki.leaf(LeafSpec { key_bits: 1024, ..Default::default() }), &weak[..]),
        ("sha1", pki.leaf(LeafSpec { md: "sha1", ..Default::default() }), &weak[..]),
        ("long lifetime", pki.leaf(LeafSpec { to_days: 800, ..Default::default() }), &[][..]),
    ];
    let servers: Vec<(&str, SServer)> = cases
        .iter()
        .map(|(label, cert, extra)| {
            let mut args = vec!["-min_protocol", "TLSv1.2"];
            args.extend_from_slice(extra);
            (*label, SServer::start(cert, &args))
        })
        .collect();
    let config: String = servers.iter().map(|(_, s)| entry(s.port, &pki.ca.cert)).collect();
    let scan = scan_config(&config, &[]);
    let cert_rules = |port: u16| -> Vec<String> {
        scan.rules_for(&format!("127.0.0.1:{port}"))
            .into_iter()
            .filter(|r| {
                r.starts_with("tls-certificate") || r.starts_with("tls-weak-key") || r.starts_with("tls-weak-sig")
            })
            .map(|r| r.split(' ').next().unwrap().to_string())
            .collect()
    };
    let expected: [(&str, &[&str]); 7] = [
        ("expired", &["tls-certificate-expired"]),
        ("expiring", &["tls-certificate-expiring"]),
        ("self-signed", &["tls-certificate-untrusted"]),
        ("wrong host", &["tls-certificate-hostname-mismatch"]),
        // The leaf's own key plays no part in path validation, so a
        // 1024-bit leaf from a trusted CA is trusted (and weak); a SHA-1
        // signature is one webpki refuses to verify, so that chain is not.
        ("rsa1024", &["tls-weak-key"]),
        ("sha1", &["tls-certificate-untrusted", "tls-weak-signature"]),
        ("long lifetime", &["tls-certificate-lifetime"]),
    ];
    for ((label, server), (label2, want)) in servers.iter().zip(expected) {
        assert_eq!(*label, label2);
        assert_eq!(
            cert_rules(server.port),
            want,
            "{label}: fact {:#}",
            scan.fact(&format!("127.0.0.1:{}", server.port))
        );
    }
    assert!(scan.errors().is_empty(), "{:#?}", scan.errors());
}

#[test]
fn sslv3_is_reported_from_a_fake_sslv3_peer() {
    let port = fake_peer(tls_support::sslv3_only);
    let scan = scan_cli(&[format!("127.0.0.1:{port}")]);
    let name = format!("127.0.0.1:{port}");
    let rules = scan.rules_for(&name);
    assert!(rules.contains(&"tls-legacy-protocol SSLv3".to_string()), "{rules:?}; {:#}", scan.report);
    let fact = scan.fact(&name);
    assert_eq!(strings(&fact["accepted_protocols"]), ["SSLv3"]);
    let ssl3 = &fact["protocols"][0];
    assert_eq!(strings(&ssl3["suites"]), ["TLS_RSA_WITH_AES_128_CBC_SHA"]);
}

#[test]
fn faults_are_errors_naming_the_target_and_the_scan_goes_on() {
    let pki = Pki::new();
    let leaf = pki.leaf(LeafSpec::default());
    let good = SServer::start(&leaf, &["-min_protocol", "TLSv1.2"]);
    let plain = free_port();
    let _nginx = Nginx::start(&format!("server {{ listen 127.0.0.1:{plain}; return 200 \"plain\\n\"; }}"), &[plain]);
    let refused = free_port();
    let tarpit = fake_peer(tls_support::tarpit);
    let reset = fake_peer(tls_support::resetter);
    let oversized = fake_peer(tls_support::oversized);
    let targets = [
        ("does-not-exist.invalid:443".to_string(), "unreachable"),
        (format!("127.0.0.1:{refused}"), "unreachable"),
        (format!("127.0.0.1:{tarpit}"), "timeout"),
        (format!("127.0.0.1:{reset}"), "unreachable"),
        (format!("127.0.0.1:{oversized}"), "malformed"),
        (format!("127.0.0.1:{plain}"), "malformed"),
    ];
    let mut config = String::new();
    for (t, _) in &targets {
        config.push_str(&format!("[[tls]]\ntarget = \"{t}\"\ntimeout_ms = 1500\n\n"));
    }
    config.push_str(&entry(good.port, &pki.ca.cert));
    let scan = scan_config(&config, &[]);
    assert_eq!(scan.code, 2);
    assert!(scan.elapsed < Duration::from_secs(15), "took {:?}", scan.elapsed);
    for (target, kind) in &targets {
        let errors: Vec<&Value> = scan.errors().iter().filter(|e| e["target"] == target.as_str()).collect();
        assert_eq!(errors.len(), 1, "{target}: {:#?}", scan.errors());
        assert_eq!(errors[0]["source"], "tls");
        assert_eq!(errors[0]["kind"], *kind, "{target}: {}", errors[0]);
        assert!(errors[0]["location"]["line"].as_u64().is_some(), "points at the config entry: {}", errors[0]);
    }
    let plain_error = scan.errors().iter().find(|e| e["target"] == format!("127.0.0.1:{plain}").as_str()).unwrap();
    assert!(plain_error["message"].as_str().unwrap().contains("HTTP"), "{plain_error}");
    // The good endpoint was still audited.
    assert_eq!(strings(&scan.fact(&format!("127.0.0.1:{}", good.port))["accepted_protocols"]), ["TLSv1.2", "TLSv1.3"]);
}
