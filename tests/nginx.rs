//! The nginx collector and rules on fixtures that the real nginx accepts
//! (`nginx -t`), and on broken ones it rejects.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// A copy of a fixture folder prepared for `nginx -t`: paths inside the
/// container (`/etc/nginx/...`) point into the copy, as the files would be
/// mounted, and the certificates the fixtures name are generated there.
struct NginxCopy {
    dir: tempfile::TempDir,
}

impl NginxCopy {
    fn new(fixture: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        copy_tree(&support::fixture(fixture), dir.path());
        let root = format!("{}/", dir.path().display());
        for file in walk(dir.path()) {
            let text = std::fs::read_to_string(&file).unwrap();
            if text.contains("/etc/nginx/") {
                std::fs::write(&file, text.replace("/etc/nginx/", &root)).unwrap();
            }
        }
        std::fs::create_dir_all(dir.path().join("ssl")).unwrap();
        let status = Command::new("openssl")
            .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=stackaudit-test"])
            .arg("-keyout")
            .arg(dir.path().join("ssl/private.key"))
            .arg("-out")
            .arg(dir.path().join("ssl/certificate.crt"))
            .output()
            .expect("openssl runs");
        assert!(status.status.success(), "cannot make a test certificate: {}", support::stderr(&status));
        Self { dir }
    }

    /// `nginx -t` on `conf` (relative to the copy); a file without an `http`
    /// block is wrapped the way images include `conf.d` files.
    fn check(&self, conf: &str) -> Result<(), String> {
        let base = self.dir.path();
        let mut main = base.join(conf);
        let text = std::fs::read_to_string(&main).unwrap();
        if !text.contains("http {") {
            let wrapper = base.join("stackaudit-wrapper.conf");
            std::fs::write(&wrapper, format!("events {{}}\nhttp {{\n    include {};\n}}\n", main.display())).unwrap();
            main = wrapper;
        }
        // Bounded: nginx recurses into include loops until it crashes.
        let out = Command::new("timeout")
            .arg("30")
            .arg("nginx")
            .arg("-t")
            .arg("-p")
            .arg(format!("{}/", main.parent().unwrap().display()))
            .arg("-c")
            .arg(&main)
            .args(["-e", "stderr", "-g"])
            .arg(format!("pid {}/nginx.pid;", base.display()))
            .output()
            .expect("nginx is installed (scripts/install-test-deps.sh)");
        if out.status.success() {
            Ok(())
        } else {
            Err(format!("exit {:?}: {}", out.status.code(), support::stderr(&out)))
        }
    }
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        if entry.path().is_dir() {
            out.extend(walk(&entry.path()));
        } else {
            out.push(entry.path());
        }
    }
    out
}

/// `rule | subject | key | path:line` of every finding, sorted.
fn findings(report: &Value) -> Vec<String> {
    let mut v: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{} | {} | {} | {}:{}",
                f["rule_id"].as_str().unwrap(),
                f["subject"]["name"].as_str().unwrap(),
                f["key"].as_str().unwrap_or("-"),
                f["location"]["path"].as_str().unwrap_or("?"),
                f["location"]["line"].as_u64().unwrap_or(0)
            )
        })
        .collect();
    v.sort();
    v
}

fn nginx_facts(report: &Value) -> Vec<&Value> {
    report["facts"].as_array().unwrap().iter().filter(|f| f["kind"] == "nginx_server").collect()
}

#[test]
fn the_guides_configuration_is_accepted_by_nginx_and_clean() {
    NginxCopy::new("nginx/guide").check("nginx.conf").unwrap();
    let (code, report) = support::scan_json(&support::root(), &["tests/fixtures/nginx/guide"]);
    assert_eq!(findings(&report), Vec::<String>::new());
    assert_eq!(report["errors"], serde_json::json!([]));
    assert_eq!(code, 0);
    // Both servers come from conf.d, reached through the absolute include
    // /etc/nginx/conf.d/*.conf, and inherit the http block's TLS settings.
    let facts = nginx_facts(&report);
    assert_eq!(facts.len(), 2, "{facts:#?}");
    let tls = &facts[1]["data"];
    assert_eq!(tls["file"], "tests/fixtures/nginx/guide/conf.d/default.conf");
    assert_eq!(tls["tls"]["protocols"], serde_json::json!(["TLSv1.2", "TLSv1.3"]));
    assert_eq!(tls["tls"]["protocols_source"], "http");
    assert_eq!(tls["hsts_headers"][0]["applies_to"], serde_json::json!(["location /", "location /_next/static/"]));
    assert_eq!(facts[0]["data"]["plain_http"]["behaviour"], "https_redirect");
}

#[test]
fn every_weakness_is_found_with_file_and_line() {
    NginxCopy::new("nginx/weak").check("nginx.conf").unwrap();
    let (code, report) = support::scan_json(&support::root(), &["tests/fixtures/nginx/weak"]);
    let f = "tests/fixtures/nginx/weak/nginx.conf";
    // Subjects are named by what they serve, never by line, so fingerprints
    // survive edits that move a server block.
    let shop80 = "shop.example.test (listen 80)";
    let shop = "shop.example.test (listen 443)";
    let admin = "admin.example.test (listen 8443)";
    let mut expected = vec![
        format!("hsts-max-age-too-short | {admin} | server | {f}:43"),
        format!("hsts-missing | {shop} | location /api/ | {f}:29"),
        format!("hsts-no-include-subdomains | {admin} | server | {f}:43"),
        format!("hsts-not-always | {admin} | server | {f}:43"),
        format!("http-no-https-redirect | {shop80} | 80 | {f}:11"),
        format!("nginx-server-tokens | {admin} | location /status | {f}:46"),
        format!("nginx-server-tokens | {shop80} | server | {f}:10"),
        format!("nginx-server-tokens | {shop} | server | {f}:18"),
        format!("tls-legacy-protocol | {admin} | TLSv1 | {f}:5"),
        format!("tls-legacy-protocol | {admin} | TLSv1.1 | {f}:5"),
    ];
    for class in ["3DES", "DES", "MD5", "RC4", "aNULL"] {
        expected.push(format!("tls-weak-cipher | {shop} | {class} | {f}:6"));
    }
    expected.sort();
    assert_eq!(findings(&report), expected);
    assert_eq!(report["errors"], serde_json::json!([]));
    assert_eq!(code, 1, "high findings fail the gate");
    let dropped = report["findings"].as_array().unwrap().iter().find(|x| x["rule_id"] == "hsts-missing").unwrap();
    assert!(dropped["message"].as_str().unwrap().contains("drops the inherited Strict-Transport-Security"));
}

#[test]
fn a_conf_d_file_without_nginx_conf_is_audited_as_an_http_include() {
    NginxCopy::new("nginx/standalone").check("conf.d/app.conf").unwrap();
    let (_, report) = support::scan_json(&support::root(), &["tests/fixtures/nginx/standalone"]);
    let f = "tests/fixtures/nginx/standalone/conf.d/app.conf";
    // Port 80 is redirected by `if ($scheme = http)`; only HSTS is missing.
    assert_eq!(findings(&report), [format!("hsts-missing | app.example.test (listen 80,443) | server | {f}:3")]);
    assert_eq!(nginx_facts(&report)[0]["data"]["plain_http"]["behaviour"], "https_redirect");
}

#[test]
fn unbalanced_braces_are_an_error_with_line_and_the_rest_completes() {
    NginxCopy::new("nginx/broken/unbalanced").check("nginx.conf").expect_err("nginx rejects it too");
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&support::fixture("nginx/broken/unbalanced"), &dir.path().join("broken/nginx"));
    copy_tree(&support::fixture("nginx/guide"), &dir.path().join("good/nginx"));
    let (code, report) = support::scan_json(dir.path(), &["."]);
    assert_eq!(code, 2, "an unreadable file makes the scan incomplete");
    let errors = report["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0]["source"], "nginx");
    assert_eq!(errors[0]["location"]["path"], "broken/nginx/nginx.conf");
    assert_eq!(errors[0]["location"]["line"], 3);
    assert!(errors[0]["message"].as_str().unwrap().contains("never closed"), "{}", errors[0]);
    assert_eq!(nginx_facts(&report).len(), 2, "the good configuration is still audited");
}

#[test]
fn include_loops_are_an_error_naming_the_include() {
    let nginx = NginxCopy::new("nginx/broken/loop").check("nginx.conf");
    assert!(nginx.is_err(), "nginx does not accept an include loop");
    let (code, report) = support::scan_json(&support::root(), &["tests/fixtures/nginx/broken/loop"]);
    assert_eq!(code, 2);
    let errors = report["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    let d = "tests/fixtures/nginx/broken/loop/loop";
    assert_eq!(errors[0]["location"]["path"], format!("{d}/b.conf"));
    assert_eq!(errors[0]["location"]["line"], 1);
    assert_eq!(errors[0]["message"], format!("include loop: {d}/a.conf → {d}/b.conf → {d}/a.conf"));
    // The server in a.conf is still audited once.
    assert_eq!(nginx_facts(&report).len(), 1);
}

#[test]
fn includes_outside_the_repository_are_reported_as_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("nginx/nginx.conf");
    std::fs::create_dir_all(conf.parent().unwrap()).unwrap();
    std::fs::write(
        &conf,
        "events {}\nhttp {\n    server_tokens off;\n    include /etc/nginx/modules-enabled/*.conf;\n    include fastcgi_params;\n    server { listen 8080; return 444; }\n}\n",
    )
    .unwrap();
    let (code, report) = support::scan_json(dir.path(), &["."]);
    assert_eq!(code, 0, "{report:#}");
    let skipped: Vec<&str> =
        report["skipped"].as_array().unwrap().iter().map(|s| s["path"].as_str().unwrap()).collect();
    assert_eq!(skipped, ["nginx/nginx.conf:4", "nginx/nginx.conf:5"]);
    assert_eq!(nginx_facts(&report).len(), 1);
}
