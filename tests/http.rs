//! HTTP checks against a real nginx (TLS with a certificate made at set-up)
//! on loopback ports: HSTS on pages and error pages, the plain-HTTP
//! redirect, security headers and cookies, and the faults a server can
//! throw at a client (redirect loop, a gigabyte body, nothing listening).

// A test crate: a panic here fails a test, it cannot crash a scan.
// unsafe: libc calls std lacks (mkfifo, setns, flock, SO_LINGER).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::string_slice,
    clippy::indexing_slicing,
    clippy::unreachable
)]

mod support;
mod tls_support;

use std::time::{Duration, Instant};

use serde_json::Value;
use tls_support::{free_port, LeafSpec, Nginx, Pki};

struct Scan {
    code: i32,
    report: Value,
    elapsed: Duration,
}

impl Scan {
    /// `rule key` of the findings about `subject`.
    fn rules_for(&self, subject: &str) -> Vec<String> {
        let mut v: Vec<String> = self.report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["subject"]["name"] == subject)
            .map(|f| format!("{} {}", f["rule_id"].as_str().unwrap(), f["key"].as_str().unwrap_or("")))
            .collect();
        v.sort();
        v.dedup();
        v
    }

    fn fact(&self, url: &str) -> &Value {
        self.report["facts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["kind"] == "http_endpoint" && f["subject"]["name"] == url)
            .map(|f| &f["data"])
            .unwrap_or_else(|| panic!("no http_endpoint fact for {url}; errors: {:#}", self.report["errors"]))
    }

    fn errors_for(&self, url: &str) -> Vec<&Value> {
        self.report["errors"].as_array().unwrap().iter().filter(|e| e["target"] == url).collect()
    }
}

fn scan(urls: &[String]) -> Scan {
    let dir = tempfile::tempdir().unwrap();
    let config: String = urls.iter().map(|u| format!("[[http]]\nurl = \"{u}\"\ntimeout_ms = 3000\n\n")).collect();
    std::fs::write(dir.path().join("stackaudit.toml"), config).unwrap();
    std::fs::create_dir(dir.path().join("files")).unwrap();
    let started = Instant::now();
    let (code, report) = support::scan_json(dir.path(), &["--config", "stackaudit.toml", "files"]);
    Scan { code, report, elapsed: started.elapsed() }
}

struct Site {
    _pki: Pki,
    nginx: Nginx,
    https: u16,
    http: u16,
}

/// nginx serving `https_body` (directives inside the TLS server block) on
/// one port and `http_body` on a plain one (`{https_port}` in it is the TLS
/// port).
fn site(https_body: &str, http_body: &str, http_extra: &str) -> Site {
    let pki = Pki::new();
    let leaf = pki.leaf(LeafSpec::default());
    let (https, http) = (free_port(), free_port());
    let conf = format!(
        "{http_extra}\n\
         server {{\n listen 127.0.0.1:{https} ssl;\n server_name localhost;\n root {{dir}}/www;\n\
          ssl_certificate {cert};\n ssl_certificate_key {key};\n ssl_protocols TLSv1.2 TLSv1.3;\n{https_body}\n}}\n\
         server {{\n listen 127.0.0.1:{http};\n server_name localhost;\n root {{dir}}/www;\n{http_body}\n}}\n",
        cert = leaf.cert.display(),
        key = leaf.key.display(),
        http_body = http_body.replace("{https_port}", &https.to_string()),
    );
    let nginx = Nginx::start(&conf, &[https, http]);
    Site { _pki: pki, nginx, https, http }
}

#[test]
fn the_guides_site_passes_every_hsts_and_redirect_check() {
    let s = site(
        "server_tokens off;\n add_header Strict-Transport-Security \"max-age=31536000; includeSubDomains\" always;\n\
         add_header Content-Security-Policy \"default-src 'self'; frame-ancestors 'self'\" always;\n\
         add_header X-Content-Type-Options nosniff always;\n add_header Referrer-Policy strict-origin-when-cross-origin always;\n\
         add_header Set-Cookie \"sid=abc123; Path=/; Secure; HttpOnly; SameSite=Lax\";",
        "server_tokens off;\n return 301 https://localhost:{https_port}$request_uri;",
        "",
    );
    let http_url = format!("http://localhost:{}/", s.http);
    let https_url = format!("https://localhost:{}/", s.https);
    let scan = scan(&[http_url.clone(), https_url.clone()]);
    assert_eq!(scan.rules_for(&https_url), Vec::<String>::new(), "{:#}", scan.fact(&https_url));
    let fact = scan.fact(&https_url);
    assert_eq!(fact["response"]["status"], 200);
    assert_eq!(fact["response"]["hsts"]["max_age"], 31_536_000);
    assert_eq!(fact["error_page"]["status"], 404);
    assert_eq!(fact["error_page"]["hsts"]["present"], true);
    assert_eq!(fact["response"]["cookies"][0]["name"], "sid");
    assert!(!scan.report.to_string().contains("abc123"), "a cookie value leaked into the report");
    let plain = scan.fact(&http_url);
    assert_eq!(plain["plain_http"]["status"], 301, "{plain:#}");
    assert_eq!(plain["plain_http"]["redirects_to_https_same_host"], true);
    assert!(!scan.rules_for(&http_url).iter().any(|r| r.starts_with("http-no-https-redirect")));
    assert_eq!(scan.code, 0, "{:#}", scan.report["errors"]);
}

#[test]
fn a_careless_site_gets_every_finding_on_the_wire() {
    let s = site(
        "add_header Strict-Transport-Security \"max-age=86400\";\n add_header Set-Cookie \"sid=abc123; Path=/\";",
        "location / { }",
        "",
    );
    let http_url = format!("http://localhost:{}/", s.http);
    let https_url = format!("https://localhost:{}/", s.https);
    let scan = scan(&[http_url.clone(), https_url.clone()]);
    let rules = scan.rules_for(&https_url);
    for expected in [
        "hsts-max-age-too-short response",
        "hsts-no-include-subdomains response",
        "hsts-not-always error page",
        "http-csp-missing Content-Security-Policy",
        "http-nosniff-missing X-Content-Type-Options",
        "http-frame-protection-missing X-Frame-Options",
        "http-cookie-flags-missing sid",
    ] {
        assert!(rules.contains(&expected.to_string()), "{expected} missing from {rules:?}");
    }
    assert!(rules.iter().any(|r| r.starts_with("http-server-version-disclosed nginx/")), "{rules:?}");
    assert!(!rules.iter().any(|r| r.starts_with("hsts-missing")), "{rules:?}");
    assert!(scan.rules_for(&http_url).contains(&"http-no-https-redirect redirect".to_string()));
    assert_eq!(scan.fact(&http_url)["plain_http"]["status"], 200);
}

#[test]
fn a_duplicated_hsts_header_counts_as_missing() {
    let s = site(
        "add_header Strict-Transport-Security \"max-age=31536000\" always;\n\
         add_header Strict-Transport-Security \"max-age=600; includeSubDomains\" always;",
        "return 301 https://$host$request_uri;",
        "",
    );
    let url = format!("https://localhost:{}/", s.https);
    let scan = scan(std::slice::from_ref(&url));
    assert!(scan.rules_for(&url).contains(&"hsts-missing response".to_string()), "{:?}", scan.rules_for(&url));
    let hsts = &scan.fact(&url)["response"]["hsts"];
    assert_eq!(hsts["invalid"], "sent 2 times");
    assert_eq!(hsts["raw"].as_array().unwrap().len(), 2);
}

#[test]
fn redirect_loops_huge_bodies_and_dead_hosts_are_errors_naming_the_url() {
    let s = site(
        "add_header Strict-Transport-Security \"max-age=31536000; includeSubDomains\" always;\n\
         location = /a { return 302 /b; }\n location = /b { return 302 /a; }",
        "",
        "",
    );
    // A sparse gigabyte: nginx streams it, no disk or memory is used.
    let big = std::fs::File::create(s.nginx.www().join("big.bin")).unwrap();
    big.set_len(1 << 30).unwrap();
    let loop_url = format!("https://localhost:{}/a", s.https);
    let big_url = format!("https://localhost:{}/big.bin", s.https);
    let dead_url = format!("https://localhost:{}/", free_port());
    let nowhere = "https://does-not-exist.invalid/".to_string();
    let scan = scan(&[loop_url.clone(), big_url.clone(), dead_url.clone(), nowhere.clone()]);
    assert_eq!(scan.code, 2);
    assert!(scan.elapsed < Duration::from_secs(20), "took {:?}", scan.elapsed);
    let loop_errors = scan.errors_for(&loop_url);
    assert_eq!(loop_errors.len(), 1, "{:#}", scan.report["errors"]);
    assert!(loop_errors[0]["message"].as_str().unwrap().contains("redirect loop"), "{}", loop_errors[0]);
    let big_errors = scan.errors_for(&big_url);
    assert_eq!(big_errors.len(), 1, "{:#}", scan.report["errors"]);
    assert_eq!(big_errors[0]["kind"], "unsupported");
    // The headers of the huge response were still checked.
    assert_eq!(scan.fact(&big_url)["response"]["hsts"]["present"], true);
    for url in [&dead_url, &nowhere] {
        let e = scan.errors_for(url);
        assert_eq!(e.len(), 1, "{url}: {:#}", scan.report["errors"]);
        assert_eq!(e[0]["kind"], "unreachable", "{}", e[0]);
        assert_eq!(e[0]["source"], "http");
    }
}
