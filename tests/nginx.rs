//! The nginx collector and rules on fixtures that the real nginx accepts
//! (`nginx -t`), and on broken ones it rejects.

// A test crate: a panic here fails a test, it cannot crash a scan.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::string_slice,
    clippy::indexing_slicing,
    clippy::unreachable
)]

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
        Self::with_etc(fixture, "")
    }

    /// `etc` is the folder of the fixture mounted as `/etc/nginx`.
    fn with_etc(fixture: &str, etc: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        copy_tree(&support::fixture(fixture), dir.path());
        let etc_dir = dir.path().join(etc);
        let root = format!("{}/", etc_dir.display());
        for file in walk(dir.path()) {
            let text = std::fs::read_to_string(&file).unwrap();
            if text.contains("/etc/nginx/") {
                std::fs::write(&file, text.replace("/etc/nginx/", &root)).unwrap();
            }
        }
        std::fs::create_dir_all(etc_dir.join("ssl")).unwrap();
        let status = Command::new("openssl")
            .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=stackaudit-test"])
            .arg("-keyout")
            .arg(etc_dir.join("ssl/private.key"))
            .arg("-out")
            .arg(etc_dir.join("ssl/certificate.crt"))
            .output()
            .expect("openssl runs");
        assert!(status.status.success(), "cannot make a test certificate: {}", support::stderr(&status));
        Self { dir }
    }

    /// `nginx -t` on `conf` (relative to the copy); a file without an `http`
    /// block is wrapped the way images include `conf.d` files.
    fn check(&self, conf: &str) -> Result<(), String> {
        let parent = Path::new(conf).parent().map(Path::to_path_buf).unwrap_or_default();
        self.check_in(conf, &parent.to_string_lossy())
    }

    /// As `check`, with `prefix` (relative to the copy) as nginx's prefix
    /// folder, the one relative includes are taken from (`/etc/nginx`).
    fn check_in(&self, conf: &str, prefix: &str) -> Result<(), String> {
        let base = self.dir.path();
        let mut main = base.join(conf);
        let text = std::fs::read_to_string(&main).unwrap();
        if !text.contains("http {") {
            let wrapper = base.join(prefix).join("stackaudit-wrapper.conf");
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
        // One finding per directive, keyed by the oldest version / the first
        // weak class, listing them all (a finding per version was noise).
        format!("tls-legacy-protocol | {admin} | TLSv1 | {f}:5"),
        format!("tls-weak-cipher | {shop} | aNULL | {f}:6"),
    ];
    expected.sort();
    assert_eq!(findings(&report), expected);
    assert_eq!(report["errors"], serde_json::json!([]));
    assert_eq!(code, 1, "high findings fail the gate");
    let message = |rule: &str| {
        let f = report["findings"].as_array().unwrap().iter().find(|x| x["rule_id"] == rule).unwrap();
        f["message"].as_str().unwrap().to_string()
    };
    assert!(message("hsts-missing").contains("drops the inherited Strict-Transport-Security"));
    assert!(
        message("tls-legacy-protocol").contains("allows TLSv1, TLSv1.1 (nginx `ssl_protocols TLSv1 TLSv1.1 TLSv1.2`)")
    );
    let ciphers = message("tls-weak-cipher");
    for class in ["aNULL (", "RC4 (", "DES (", "3DES (", "MD5 ("] {
        assert!(ciphers.contains(class), "{class} missing from {ciphers}");
    }
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

fn skipped(report: &Value) -> Vec<(String, String)> {
    report["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["path"].as_str().unwrap().to_string(), s["reason"].as_str().unwrap().to_string()))
        .collect()
}

fn strings(v: &Value) -> Vec<&str> {
    v.as_array().unwrap().iter().map(|s| s.as_str().unwrap()).collect()
}

/// Debian's layout: relative includes (`include snippets/...;`) resolve
/// against the main file's folder, `sites-enabled/*` reaches a site through
/// its link to `sites-available`, and a TLSv1 set only in a snippet is found
/// there.
#[test]
fn the_debian_layout_with_snippets_and_enabled_sites() {
    NginxCopy::new("nginx/debian").check("nginx.conf").unwrap();
    let (code, report) = support::scan_json(&support::root(), &["tests/fixtures/nginx/debian"]);
    let d = "tests/fixtures/nginx/debian";
    assert_eq!(
        findings(&report),
        [format!("tls-legacy-protocol | shop.example.test (listen 443) | TLSv1 | {d}/snippets/ssl-params.conf:2")]
    );
    assert_eq!(report["errors"], serde_json::json!([]));
    assert_eq!(code, 1);
    // The site is one file reached once, through the enabled link.
    let facts = nginx_facts(&report);
    assert_eq!(facts.len(), 2, "{facts:#?}");
    let plain = facts.iter().find(|f| f["data"]["plain_http"]["port_80"] == true).unwrap();
    assert_eq!(plain["data"]["plain_http"]["behaviour"], "https_redirect");
    assert_eq!(
        strings(&plain["data"]["plain_http"]["answered_locally"]),
        ["location ^~ /.well-known/acme-challenge/", "location = /healthz"]
    );
    let tls = facts.iter().find(|f| f["data"]["ssl"] == true).unwrap();
    assert_eq!(tls["data"]["hsts_missing_in"], serde_json::json!([]), "HSTS comes from the snippet");
    // The modules the package installs are not in the repository: said so.
    assert_eq!(
        skipped(&report),
        [(
            format!("{d}/nginx.conf:5"),
            "include \"/etc/nginx/modules-enabled/*.conf\" is not among the scanned files; its directives are not audited"
                .to_string()
        )]
    );
}

/// Whether a file is nginx depends on its content: a tree scanned under a
/// folder named `nginx-stack` or `stack` gives the same result, the
/// supervisord and php-fpm files in `conf.d` folders are not nginx, and a
/// standalone `conf.d` file's relative include is taken from the folder that
/// plays `/etc/nginx` (the TLSv1 in the snippet was missed before).
#[test]
fn detection_by_content_and_standalone_includes_do_not_depend_on_the_path() {
    NginxCopy::with_etc("nginx/layout", "proxy").check_in("proxy/conf.d/app.conf", "proxy").unwrap();
    let mut results = Vec::new();
    for name in ["nginx-stack", "stack"] {
        let dir = tempfile::tempdir().unwrap();
        copy_tree(&support::fixture("nginx/layout"), &dir.path().join(name));
        let (code, report) = support::scan_json(&dir.path().join(name), &["."]);
        assert_eq!(report["errors"], serde_json::json!([]), "{name}");
        assert_eq!(nginx_facts(&report).len(), 1, "{name}: only the proxy's server");
        results.push((code, findings(&report)));
    }
    assert_eq!(results[0], results[1]);
    assert_eq!(
        results[0],
        (
            1,
            vec!["tls-legacy-protocol | app.example.test (listen 443) | TLSv1 | proxy/snippets/tls.conf:1".to_string()]
        )
    );
}

/// The official image's envsubst templates are nginx with `${VAR}` holes:
/// audited (a listen port from a variable is unknown, not 80); a Helm
/// chart's file with `{{ }}` is skipped with the reason, not an error.
#[test]
fn envsubst_templates_are_audited_and_go_templates_skipped() {
    let copy = NginxCopy::with_etc("nginx/templates", "web");
    let rendered = Command::new("envsubst")
        .arg("${NGINX_PORT} ${NGINX_HOST} ${API_UPSTREAM}")
        .env("NGINX_PORT", "8080")
        .env("NGINX_HOST", "web.example.test")
        .env("API_UPSTREAM", "127.0.0.1:9000")
        .stdin(std::fs::File::open(copy.dir.path().join("web/templates/default.conf.template")).unwrap())
        .output()
        .expect("envsubst runs (gettext-base)");
    std::fs::create_dir_all(copy.dir.path().join("web/conf.d")).unwrap();
    std::fs::write(copy.dir.path().join("web/conf.d/default.conf"), &rendered.stdout).unwrap();
    copy.check_in("web/conf.d/default.conf", "web").unwrap();

    let (code, report) = support::scan_json(&support::root(), &["tests/fixtures/nginx/templates"]);
    let d = "tests/fixtures/nginx/templates";
    assert_eq!(
        findings(&report),
        [format!(
            "hsts-missing | ${{NGINX_HOST}} (listen 443,${{NGINX_PORT}}) | server | {d}/web/templates/default.conf.template:3"
        )]
    );
    assert_eq!(report["errors"], serde_json::json!([]));
    assert_eq!(code, 0);
    let skipped = skipped(&report);
    assert_eq!(skipped.len(), 1, "{skipped:?}");
    assert_eq!(skipped[0].0, format!("{d}/chart/files/nginx.conf"));
    assert!(skipped[0].1.contains("template placeholders"), "{skipped:?}");
}

/// OpenResty's `*_by_lua_block` bodies are Lua: braces in its strings,
/// comments and long brackets do not end the block. (No `nginx -t` oracle:
/// Debian's nginx-light has no Lua module.)
#[test]
fn openresty_lua_blocks_are_skipped_as_lua() {
    let (code, report) = support::scan_json(&support::root(), &["tests/fixtures/nginx/openresty"]);
    assert_eq!(report["errors"], serde_json::json!([]));
    assert_eq!(findings(&report), Vec::<String>::new());
    assert_eq!(code, 0);
    let facts = nginx_facts(&report);
    assert_eq!(facts.len(), 1);
    let data = &facts[0]["data"];
    assert_eq!(data["server_names"], serde_json::json!(["edge.example.test"]));
    assert_eq!(data["line"], 18);
    assert_eq!(data["hsts_missing_in"], serde_json::json!([]));
}

/// A port-80 server that redirects `/` may answer the ACME challenge, a
/// health check and a status page itself; one that still proxies an API
/// over plain HTTP is reported.
#[test]
fn health_checks_and_acme_on_a_redirecting_port_80_server_are_not_content() {
    NginxCopy::new("nginx/redirect").check("nginx.conf").unwrap();
    let (_, report) = support::scan_json(&support::root(), &["tests/fixtures/nginx/redirect"]);
    let f = "tests/fixtures/nginx/redirect/nginx.conf";
    assert_eq!(findings(&report), [format!("http-no-https-redirect | api.example.test (listen 80) | 80 | {f}:34")]);
    assert_eq!(report["errors"], serde_json::json!([]));
    let facts = nginx_facts(&report);
    let www = facts.iter().find(|f| f["data"]["server_names"][0] == "www.example.test").unwrap();
    assert_eq!(www["data"]["plain_http"]["behaviour"], "https_redirect");
    assert_eq!(
        strings(&www["data"]["plain_http"]["answered_locally"]),
        ["location /.well-known/acme-challenge/", "location = /healthz", "location = /nginx_status"]
    );
    let api = facts.iter().find(|f| f["data"]["server_names"][0] == "api.example.test").unwrap();
    assert_eq!(strings(&api["data"]["plain_http"]["serving_locations"]), ["location /api/"]);
}

/// What nginx never loads is not audited: a `sites-available` site no
/// `sites-enabled` link enables, and a file an include glob matches that
/// `.gitignore` excludes and git does not track (a local draft, never
/// deployed). Both are listed under skipped, with the reason.
#[test]
fn unlinked_sites_and_ignored_files_an_include_matches_are_not_audited() {
    let dir = tempfile::tempdir().unwrap();
    let etc = dir.path().join("etc/nginx");
    for sub in ["sites-available", "sites-enabled"] {
        std::fs::create_dir_all(etc.join(sub)).unwrap();
    }
    std::fs::write(
        etc.join("nginx.conf"),
        "user www-data;\nevents {}\nhttp {\n    server_tokens off;\n    include /etc/nginx/sites-enabled/*;\n}\n",
    )
    .unwrap();
    // The enabled site: redirects to HTTPS.
    std::fs::write(
        etc.join("sites-available/shop"),
        "server {\n    listen 80;\n    server_name shop.example.test;\n    return 301 https://$host$request_uri;\n}\n",
    )
    .unwrap();
    std::os::unix::fs::symlink("../sites-available/shop", etc.join("sites-enabled/shop")).unwrap();
    // Debian's stock site, unlinked by the admin: plain HTTP, tokens on.
    std::fs::write(
        etc.join("sites-available/default"),
        "server {\n    listen 80 default_server;\n    server_tokens on;\n    root /var/www/html;\n}\n",
    )
    .unwrap();
    // A local draft the .gitignore keeps out of the repository.
    std::fs::write(
        etc.join("sites-enabled/staging.local"),
        "server {\n    listen 8080;\n    server_tokens on;\n    root /srv/staging;\n}\n",
    )
    .unwrap();
    std::fs::write(dir.path().join(".gitignore"), "*.local\n").unwrap();

    let (_, report) = support::scan_json(dir.path(), &[".", "--only", "nginx"]);
    assert_eq!(report["errors"], serde_json::json!([]), "{:#}", report["errors"]);
    assert_eq!(findings(&report), Vec::<String>::new(), "only the enabled, redirecting site is loaded");
    let skipped = skipped(&report);
    assert!(
        skipped.iter().any(|(p, r)| p == "etc/nginx/sites-available/default" && r.contains("no sites-enabled link")),
        "{skipped:#?}"
    );
    assert!(
        skipped
            .iter()
            .any(|(p, r)| p.ends_with("sites-enabled/staging.local") && r.contains("not among the scanned files")),
        "{skipped:#?}"
    );
    let names: Vec<&str> = nginx_facts(&report).iter().filter_map(|f| f["subject"]["name"].as_str()).collect();
    assert!(names.iter().all(|n| n.contains("shop.example.test")), "{names:?}");
}
