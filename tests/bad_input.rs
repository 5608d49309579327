//! Hostile input, one test per row of the bad-input table: `/dev/zero`, a
//! FIFO or a link to either where a file is expected, and nginx
//! configurations built to exhaust a naive reader. Each run must end with
//! exit 2, an error naming the file (and the limit, for limits), the other
//! files' findings still reported, in bounded time and memory.
//!
//! Time and peak memory are measured with `/usr/bin/time -v`; the bounds
//! are generous (30 s, 512 MB) so this is not a timing test: a regression
//! here means a hang or an unbounded read, not a slow machine.

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

mod docker_support;
mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

const MAX_SECONDS: f64 = 30.0;
const MAX_RSS_KB: u64 = 512 * 1024;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
    seconds: f64,
    rss_kb: u64,
}

impl Run {
    fn report(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}); stderr: {}\nstdout: {}", self.stderr, self.stdout))
    }
}

/// Runs `stackaudit args` in `dir` under `/usr/bin/time -v`, killed after
/// twice the bound so a hang fails the test instead of blocking it.
fn run_bounded(dir: &Path, args: &[&str]) -> Run {
    run_bounded_env(dir, args, &[])
}

fn run_bounded_env(dir: &Path, args: &[&str], env: &[(&str, String)]) -> Run {
    let stats = tempfile::NamedTempFile::new().unwrap();
    let out = Command::new("timeout")
        .args(["-k", "5", &format!("{}", MAX_SECONDS * 2.0)])
        .arg("/usr/bin/time")
        .arg("-v")
        .arg("-o")
        .arg(stats.path())
        .arg(env!("CARGO_BIN_EXE_stackaudit"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("STACKAUDIT_FINGERPRINT_KEY", "test-key")
        .env_remove("STACKAUDIT_LOG")
        .envs(env.iter().map(|(k, v)| (k, v)))
        .output()
        .expect("timeout and /usr/bin/time run");
    let text = std::fs::read_to_string(stats.path()).unwrap_or_default();
    let field = |name: &str| text.lines().find_map(|l| l.trim().strip_prefix(name)).map(str::trim).unwrap_or("");
    let rss_kb = field("Maximum resident set size (kbytes):").parse().unwrap_or(u64::MAX);
    // h:mm:ss or m:ss.ss
    let seconds = field("Elapsed (wall clock) time (h:mm:ss or m:ss):")
        .split(':')
        .fold(0.0, |acc, part| acc * 60.0 + part.parse::<f64>().unwrap_or(f64::INFINITY));
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: support::stdout(&out),
        stderr: support::stderr(&out),
        seconds,
        rss_kb,
    };
    assert_ne!(run.code, 124, "killed after {}s: a hang; stderr: {}", MAX_SECONDS * 2.0, run.stderr);
    assert!(run.seconds < MAX_SECONDS, "took {}s; stderr: {}", run.seconds, run.stderr);
    assert!(run.rss_kb < MAX_RSS_KB, "peak RSS {} kB; stderr: {}", run.rss_kb, run.stderr);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    run
}

fn mkfifo(path: &Path) {
    let c = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
    // SAFETY: a NUL-terminated path in the test's own temp dir.
    #[allow(unsafe_code, reason = "mkfifo(3) has no std wrapper")]
    let made = unsafe { libc::mkfifo(c.as_ptr(), 0o600) };
    assert_eq!(made, 0, "mkfifo {}", path.display());
}

fn dev_zero_link(path: &Path) {
    std::os::unix::fs::symlink("/dev/zero", path).unwrap();
}

fn write(dir: &Path, rel: &str, text: &str) -> PathBuf {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, text).unwrap();
    path
}

/// A folder with a finding of its own elsewhere in the tree, so each test
/// can check the rest of the scan was kept.
fn tree_with_a_known_finding() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "proxy/conf.d/legacy.conf",
        "server {\n    listen 443 ssl;\n    server_name legacy.example.test;\n    server_tokens off;\n    ssl_protocols TLSv1 TLSv1.2;\n    add_header Strict-Transport-Security \"max-age=31536000; includeSubDomains\" always;\n}\n",
    );
    dir
}

fn rules(report: &Value) -> Vec<String> {
    report["findings"].as_array().unwrap().iter().map(|f| f["rule_id"].as_str().unwrap().to_string()).collect()
}

fn assert_known_finding_kept(report: &Value) {
    assert!(rules(report).contains(&"tls-legacy-protocol".to_string()), "other findings lost: {:?}", rules(report));
}

/// Exit 2 and one error whose target or message names `file`; returns the
/// error's text.
fn assert_error_naming(run: &Run, report: &Value, file: &str) -> String {
    assert_eq!(run.code, 2, "{report:#}");
    let errors: Vec<String> = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| format!("{} {}", e["target"].as_str().unwrap(), e["message"].as_str().unwrap()))
        .collect();
    errors.iter().find(|e| e.contains(file)).unwrap_or_else(|| panic!("no error names {file}: {errors:#?}")).clone()
}

fn compose_env_file(env_file: &str) -> String {
    format!(
        "services:\n  web:\n    image: nginx:1.27.0\n    env_file: {env_file}\n  app:\n    image: example/app:1.0.0\n    privileged: true\n"
    )
}

fn compose_dockerfile(dockerfile: &str) -> String {
    format!("services:\n  app:\n    build:\n      context: .\n      dockerfile: {dockerfile}\n    privileged: true\n")
}

fn scan_compose(dir: &Path, compose: &str, special: &str, make: fn(&Path)) -> (Run, Value) {
    write(dir, "docker-compose.yml", compose);
    make(&dir.join(special));
    let run = run_bounded(dir, &["scan", "--format", "json", "."]);
    let report = run.report();
    assert!(rules(&report).contains(&"workload-privileged".to_string()), "{:?}", rules(&report));
    assert_known_finding_kept(&report);
    (run, report)
}

#[test]
fn env_file_pointing_at_dev_zero() {
    let dir = tree_with_a_known_finding();
    let (run, report) = scan_compose(dir.path(), &compose_env_file("zero.env"), "zero.env", dev_zero_link);
    let error = assert_error_naming(&run, &report, "zero.env");
    assert!(error.contains("not a regular file"), "{error}");
}

#[test]
fn env_file_that_is_a_fifo() {
    let dir = tree_with_a_known_finding();
    let (run, report) = scan_compose(dir.path(), &compose_env_file("app.env"), "app.env", mkfifo);
    let error = assert_error_naming(&run, &report, "app.env");
    assert!(error.contains("FIFO"), "{error}");
}

#[test]
fn dockerfile_pointing_at_dev_zero() {
    let dir = tree_with_a_known_finding();
    let (run, report) =
        scan_compose(dir.path(), &compose_dockerfile("Dockerfile.zero"), "Dockerfile.zero", dev_zero_link);
    assert_error_naming(&run, &report, "Dockerfile.zero");
}

#[test]
fn dockerfile_that_is_a_fifo() {
    let dir = tree_with_a_known_finding();
    let (run, report) = scan_compose(dir.path(), &compose_dockerfile("Dockerfile"), "Dockerfile", mkfifo);
    assert_error_naming(&run, &report, "Dockerfile");
}

#[test]
fn scanning_dev_zero_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let run = run_bounded(dir.path(), &["scan", "--format", "json", "/dev/zero"]);
    let report = run.report();
    let error = assert_error_naming(&run, &report, "/dev/zero");
    assert!(error.contains("character device"), "{error}");
}

#[test]
fn scanning_a_fifo_is_an_error_naming_it() {
    let dir = tree_with_a_known_finding();
    mkfifo(&dir.path().join("pipe"));
    // The other path given is still scanned.
    let run = run_bounded(dir.path(), &["scan", "--format", "json", "pipe", "proxy"]);
    let report = run.report();
    let error = assert_error_naming(&run, &report, "pipe");
    assert!(error.contains("FIFO"), "{error}");
    assert_known_finding_kept(&report);
}

/// Inside a scanned folder, FIFOs, sockets' kin and links to devices are
/// skipped with the reason: nothing hangs, nothing is an error.
#[test]
fn fifos_and_device_links_inside_the_tree_are_skipped_with_a_reason() {
    let dir = tree_with_a_known_finding();
    mkfifo(&dir.path().join("proxy/conf.d/pipe.conf"));
    dev_zero_link(&dir.path().join("proxy/conf.d/zero.conf"));
    dev_zero_link(&dir.path().join(".env"));
    let run = run_bounded(dir.path(), &["scan", "--format", "json", "."]);
    let report = run.report();
    assert_eq!(report["errors"], serde_json::json!([]));
    assert_known_finding_kept(&report);
    let skipped: Vec<String> = report["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| format!("{}: {}", s["path"].as_str().unwrap(), s["reason"].as_str().unwrap()))
        .collect();
    assert_eq!(
        skipped,
        [
            ".env: symbolic link to a character device: only regular files are read",
            "proxy/conf.d/pipe.conf: a FIFO: only regular files are read",
            "proxy/conf.d/zero.conf: symbolic link to a character device: only regular files are read",
        ]
    );
}

/// `--config` (or the `stackaudit.toml` found in the folder) that is
/// `/dev/zero` or a FIFO: a usage error naming it, exit 2.
#[test]
fn config_file_that_is_dev_zero_or_a_fifo() {
    let dir = tree_with_a_known_finding();
    dev_zero_link(&dir.path().join("zero.toml"));
    mkfifo(&dir.path().join("fifo.toml"));
    for config in ["zero.toml", "fifo.toml"] {
        let run = run_bounded(dir.path(), &["scan", "--config", config, "."]);
        assert_eq!(run.code, 2, "{config}: {}", run.stderr);
        assert!(run.stderr.contains(config) && run.stderr.contains("not a regular file"), "{}", run.stderr);
    }
    dev_zero_link(&dir.path().join("stackaudit.toml"));
    let run = run_bounded(dir.path(), &["scan", "."]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("stackaudit.toml"), "{}", run.stderr);
}

/// `--ignore-file`, `--baseline` and `--previous` that are `/dev/zero`: the
/// scan completes with an error naming the file.
#[test]
fn ignore_file_baseline_and_previous_report_that_are_dev_zero() {
    let dir = tree_with_a_known_finding();
    dev_zero_link(&dir.path().join("zero"));
    for flag in ["--ignore-file", "--baseline", "--previous"] {
        let run = run_bounded(dir.path(), &["scan", "--format", "json", flag, "zero", "proxy"]);
        let report = run.report();
        let error = assert_error_naming(&run, &report, "zero");
        assert!(error.contains("not a regular file"), "{flag}: {error}");
        assert_known_finding_kept(&report);
    }
}

/// `report` and `diff` inputs that are `/dev/zero` or a FIFO.
#[test]
fn report_and_diff_inputs_that_are_dev_zero_or_a_fifo() {
    let dir = tempfile::tempdir().unwrap();
    dev_zero_link(&dir.path().join("zero.json"));
    mkfifo(&dir.path().join("fifo.json"));
    for input in ["zero.json", "fifo.json"] {
        for args in [vec!["report", input], vec!["diff", input, input]] {
            let run = run_bounded(dir.path(), &args);
            assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
            assert!(run.stderr.contains(input) && run.stderr.contains("not a regular file"), "{}", run.stderr);
        }
    }
}

/// `http { server { location / { location / { ... } } } }` thousands deep:
/// the stack overflowed before; now an error naming the file and the limit.
#[test]
fn nginx_blocks_nested_thousands_deep() {
    let dir = tree_with_a_known_finding();
    let depth = 5000;
    let text = format!("events {{}}\nhttp {{\n{}{}}}\n", "location / {\n".repeat(depth), "}\n".repeat(depth));
    write(dir.path(), "deep/nginx.conf", &text);
    let run = run_bounded(dir.path(), &["scan", "--format", "json", "."]);
    let report = run.report();
    let error = assert_error_naming(&run, &report, "deep/nginx.conf");
    assert!(error.contains("deeper than 64 levels"), "{error}");
    assert_known_finding_kept(&report);
}

/// The same as plain junk in a file named nginx.conf.
#[test]
fn nginx_conf_of_nested_junk() {
    let dir = tree_with_a_known_finding();
    write(dir.path(), "junk/nginx.conf", &("a{".repeat(4000) + &"}".repeat(4000)));
    let run = run_bounded(dir.path(), &["scan", "--format", "json", "."]);
    let report = run.report();
    let error = assert_error_naming(&run, &report, "junk/nginx.conf");
    assert!(error.contains("deeper than 64 levels"), "{error}");
    assert_known_finding_kept(&report);
}

/// a.conf includes b.conf twice, b includes c twice, ... 30 levels: 2^30
/// expansions before; now the expansion budget stops it with an error
/// naming the main file and the limit.
#[test]
fn nginx_includes_in_a_diamond() {
    let dir = tree_with_a_known_finding();
    let levels = 30;
    write(dir.path(), "diamond/nginx.conf", "events {}\nhttp {\n    include inc/l0.conf;\n}\n");
    for i in 0..levels {
        let next = format!("include inc/l{}.conf;\n", i + 1);
        write(dir.path(), &format!("diamond/inc/l{i}.conf"), &format!("gzip on;\n{next}{next}"));
    }
    write(
        dir.path(),
        &format!("diamond/inc/l{levels}.conf"),
        "server { listen 8080; server_tokens off; return 444; }\n",
    );
    let run = run_bounded(dir.path(), &["scan", "--format", "json", "."]);
    let report = run.report();
    let error = assert_error_naming(&run, &report, "diamond/nginx.conf");
    assert!(error.contains("more than 250000 directives"), "{error}");
    assert_known_finding_kept(&report);
    // Nothing of a partial expansion is judged.
    let diamond_facts = report["facts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "nginx_server" && f["subject"]["scope"].as_str().unwrap_or("").starts_with("diamond/"))
        .count();
    assert_eq!(diamond_facts, 0);
}

/// A chain of includes deeper than the limit.
#[test]
fn nginx_includes_nested_too_deep() {
    let dir = tree_with_a_known_finding();
    write(dir.path(), "chain/nginx.conf", "events {}\nhttp {\n    include inc/c0.conf;\n}\n");
    for i in 0..40 {
        write(dir.path(), &format!("chain/inc/c{i}.conf"), &format!("include inc/c{}.conf;\n", i + 1));
    }
    write(dir.path(), "chain/inc/c40.conf", "server_tokens off;\n");
    let run = run_bounded(dir.path(), &["scan", "--format", "json", "."]);
    let report = run.report();
    let error = assert_error_naming(&run, &report, "chain/inc/c30.conf");
    assert!(error.contains("nested deeper than 32 files"), "{error}");
    assert_known_finding_kept(&report);
}

/// A user rule whose expression would take 10^10 loop steps: nested
/// comprehensions over `lists.range`.
const EXPENSIVE_RULE: &str = r#"id = "custom-expensive"
title = "t"
severity = "high"
kind = "nginx_server"
expression = '''
lists.range(100000).filter(a, lists.range(100000).exists(b, a * b == -1)).map(a, {"key": string(a)})
'''
message = "m {key}"
rationale = "r"
remediation = "x"

[[tests]]
name = "runs"
expect_keys = []
fact = { }
"#;

#[test]
fn an_expensive_user_rule_is_an_error_naming_it() {
    let dir = tree_with_a_known_finding();
    write(dir.path(), "rules/expensive.toml", EXPENSIVE_RULE);
    std::fs::create_dir(dir.path().join("tree")).unwrap();
    std::fs::rename(dir.path().join("proxy"), dir.path().join("tree/proxy")).unwrap();
    let run = run_bounded(dir.path(), &["scan", "--format", "json", "tree", "--rules", "rules"]);
    let report = run.report();
    let error = assert_error_naming(&run, &report, "custom-expensive");
    assert!(error.contains("budget"), "the error says which limit: {error}");
    assert_known_finding_kept(&report);

    let run = run_bounded(dir.path(), &["rules", "test", "rules"]);
    assert_eq!(run.code, 2, "stdout: {}\nstderr: {}", run.stdout, run.stderr);
    let all = format!("{}{}", run.stdout, run.stderr);
    assert!(all.contains("custom-expensive") && all.contains("budget"), "{all}");
}

/// Hundreds of includes of a glob that matches the including files: every
/// path is a loop or a diamond. Found by the fuzzer: each loop was one
/// error per path to it, 656 MB of errors before the expansion budget
/// (which did not count refused includes) ran out.
#[test]
fn nginx_includes_of_self_matching_globs() {
    let dir = tree_with_a_known_finding();
    let includes = "include conf.d/*.conf;\n".repeat(450);
    write(dir.path(), "globs/nginx.conf", &format!("events {{}}\nhttp {{\n{includes}}}\n"));
    for name in ["a", "b", "c"] {
        write(dir.path(), &format!("globs/conf.d/{name}.conf"), &format!("gzip on;\n{includes}"));
    }
    let run = run_bounded(dir.path(), &["scan", "--format", "json", "."]);
    let report = run.report();
    let error = assert_error_naming(&run, &report, "globs/nginx.conf");
    assert!(error.contains("more than 250000 directives"), "{error}");
    assert_known_finding_kept(&report);
    let errors = report["errors"].as_array().unwrap().len();
    assert!(errors < 100, "each loop reported once, not once per path: {errors} errors");
}

/// A compose file whose one long scalar is referenced by many aliases
/// (3.9 GB and an abort before the alias byte budget): end to end, an error
/// naming the file and the limit, the rest of the scan kept.
#[test]
fn yaml_scalar_alias_amplification() {
    let dir = tree_with_a_known_finding();
    let mut bomb =
        format!("x-big: &big \"{}\"\nservices:\n  web:\n    image: nginx:1.27.0\n    command:\n", "y".repeat(1 << 20));
    for _ in 0..4000 {
        bomb.push_str("      - *big\n");
    }
    write(dir.path(), "bomb/compose.yaml", &bomb);
    let run = run_bounded(dir.path(), &["scan", "--format", "json", "."]);
    let report = run.report();
    let error = assert_error_naming(&run, &report, "bomb/compose.yaml");
    assert!(error.contains("bytes"), "the limit is named: {error}");
    assert_known_finding_kept(&report);
}

/// A fake Docker endpoint: no real daemon can be made to stream an endless
/// body. Every connection gets a 200 whose body never ends, announced with
/// an enormous Content-Length or as chunks; the writer stops when the
/// client hangs up.
fn endless_docker_endpoint(
    chunked: bool,
    mut accept: impl FnMut() -> Option<Box<dyn std::io::Write + Send>> + Send + 'static,
) {
    use std::io::Write;
    std::thread::spawn(move || {
        while let Some(mut conn) = accept() {
            std::thread::spawn(move || {
                let head = if chunked {
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                        .to_string()
                } else {
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 999999999999\r\n\r\n"
                        .to_string()
                };
                if conn.write_all(head.as_bytes()).is_err() {
                    return;
                }
                let block = vec![b'a'; 64 * 1024];
                let chunk = [format!("{:x}\r\n", block.len()).into_bytes(), block.clone(), b"\r\n".to_vec()].concat();
                let piece = if chunked { &chunk } else { &block };
                while conn.write_all(piece).is_ok() {}
            });
        }
    });
}

#[test]
fn docker_endpoints_that_stream_an_endless_body() {
    use std::io::Read;
    let dir = tree_with_a_known_finding();
    let sock = dir.path().join("fake-docker.sock");
    let unix = std::os::unix::net::UnixListener::bind(&sock).unwrap();
    endless_docker_endpoint(false, move || {
        let (mut s, _) = unix.accept().ok()?;
        // The request head; the answer does not depend on it.
        let mut buf = [0u8; 4096];
        let _ = s.read(&mut buf);
        Some(Box::new(s))
    });
    let tcp = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = tcp.local_addr().unwrap().port();
    endless_docker_endpoint(true, move || {
        let (mut s, _) = tcp.accept().ok()?;
        let mut buf = [0u8; 4096];
        let _ = s.read(&mut buf);
        Some(Box::new(s))
    });
    let unix_uri = format!("unix://{}", sock.display());
    let tcp_uri = format!("tcp://127.0.0.1:{port}");
    let run = run_bounded(
        dir.path(),
        &["scan", ".", "--docker-host", &unix_uri, "--docker-host", &tcp_uri, "--format", "json"],
    );
    let report = run.report();
    assert_error_naming(&run, &report, &unix_uri);
    assert_error_naming(&run, &report, &tcp_uri);
    assert_known_finding_kept(&report);
}

/// The same over TLS with client certificates and over ssh: the transport
/// that carries them caps each response too. The TLS peer and `ssh` are
/// stand-ins (docker_support/fronts.rs) that answer with an endless body.
#[test]
fn tls_and_ssh_docker_endpoints_that_stream_an_endless_body() {
    let dir = tree_with_a_known_finding();
    let front = docker_support::fronts::TlsFront::start(true, Path::new("/nonexistent"));
    let ssh = docker_support::fronts::FakeSsh::new();
    let tls_uri = format!("tcp://127.0.0.1:{}", front.port);
    let ssh_uri = "ssh://auditor@engine.example";
    let config = dir.path().join("../endless-hosts.toml");
    let c = &front.cert_dir;
    std::fs::write(
        &config,
        format!(
            "[docker]\nenabled = true\n[[docker.hosts]]\nuri = \"{tls_uri}\"\nca = \"{}\"\ncert = \"{}\"\nkey = \"{}\"\n\
             [[docker.hosts]]\nuri = \"{ssh_uri}\"\n",
            c.join("ca.pem").display(),
            c.join("cert.pem").display(),
            c.join("key.pem").display()
        ),
    )
    .unwrap();
    let run = run_bounded_env(
        dir.path(),
        &["scan", ".", "--config", config.to_str().unwrap(), "--docker", "--format", "json"],
        &[
            ("PATH", ssh.path_env()),
            ("FAKE_SSH_LOG", ssh.log().display().to_string()),
            ("FAKE_SSH_MODE", "endless".to_string()),
        ],
    );
    let _ = std::fs::remove_file(&config);
    let report = run.report();
    let tls_error = assert_error_naming(&run, &report, &tls_uri);
    let ssh_error = assert_error_naming(&run, &report, ssh_uri);
    for error in [&tls_error, &ssh_error] {
        assert!(error.contains("larger than"), "the response limit is named: {error}");
    }
    assert!(ssh.calls().contains("dial-stdio"), "the ssh stand-in was used");
    assert_known_finding_kept(&report);
}

/// `nft -j list ruleset` output (as saved for `[firewall] ruleset_file`) in
/// which chain C0 jumps twice to C1, C1 twice to C2, ... C30: 2^30 walks per
/// port without a single source match to split on.
fn branching_nft_ruleset() -> String {
    let mut items = vec![
        serde_json::json!({"metainfo": {"version": "1.0.6", "json_schema_version": 1}}),
        serde_json::json!({"table": {"family": "inet", "name": "filter", "handle": 1}}),
        serde_json::json!({"chain": {"family": "inet", "table": "filter", "name": "input", "handle": 1,
            "type": "filter", "hook": "input", "prio": 0, "policy": "drop"}}),
    ];
    for i in 0..=30 {
        items.push(serde_json::json!({"chain": {"family": "inet", "table": "filter", "name": format!("C{i}"), "handle": i + 2}}));
    }
    let mut handle = 100;
    let mut rule = |chain: String, expr: Value| {
        handle += 1;
        serde_json::json!({"rule": {"family": "inet", "table": "filter", "chain": chain, "handle": handle, "expr": expr}})
    };
    items.push(rule("input".into(), serde_json::json!([{"jump": {"target": "C0"}}])));
    for i in 0..30 {
        for _ in 0..2 {
            items.push(rule(format!("C{i}"), serde_json::json!([{"jump": {"target": format!("C{}", i + 1)}}])));
        }
    }
    let dport = serde_json::json!({"match": {"op": "==", "left": {"payload": {"protocol": "tcp", "field": "dport"}}, "right": 443}});
    items.push(rule("C30".into(), serde_json::json!([dport, {"accept": null}])));
    serde_json::json!({ "nftables": items }).to_string()
}

#[test]
fn nftables_ruleset_with_branching_jumps() {
    let dir = tree_with_a_known_finding();
    let ruleset = write(dir.path(), "saved/branchy.json", &branching_nft_ruleset());
    write(dir.path(), "stackaudit.toml", &format!("[firewall]\nruleset_file = {:?}\n", ruleset.display().to_string()));
    let run = run_bounded(dir.path(), &["scan", "--format", "json", "-c", "stackaudit.toml", "proxy"]);
    let report = run.report();
    let error = assert_error_naming(&run, &report, "branchy.json");
    assert!(error.contains("more than 200000 rule visits"), "the limit is named: {error}");
    assert!(!error.contains("  "), "one readable line: {error:?}");
    assert_known_finding_kept(&report);
    assert!(report["facts"].as_array().unwrap().iter().all(|f| f["subject"]["kind"] != "firewall"), "not judged");
}

/// `scan --history DIR` with the lock file replaced: refused at once, not
/// followed, not waited on. The history cannot be kept safely, so the run
/// stops before scanning: exit 2 and one line naming the lock.
#[test]
fn history_lock_replaced_by_a_fifo_or_a_symlink() {
    let dir = tree_with_a_known_finding();
    let history = dir.path().join("history");
    std::fs::create_dir(&history).unwrap();
    let lock = history.join(".stackaudit.lock");

    mkfifo(&lock);
    let run = run_bounded(dir.path(), &["scan", "--format", "json", "--history", "history", "proxy"]);
    assert_eq!(run.code, 2, "stdout: {}\nstderr: {}", run.stdout, run.stderr);
    assert!(run.stderr.contains(".stackaudit.lock is a FIFO"), "{}", run.stderr);

    std::fs::remove_file(&lock).unwrap();
    let target = dir.path().join("elsewhere/created-by-the-lock");
    std::fs::create_dir(dir.path().join("elsewhere")).unwrap();
    std::os::unix::fs::symlink(&target, &lock).unwrap();
    let run = run_bounded(dir.path(), &["scan", "--format", "json", "--history", "history", "proxy"]);
    assert_eq!(run.code, 2, "stdout: {}\nstderr: {}", run.stdout, run.stderr);
    assert!(run.stderr.contains(".stackaudit.lock is a symbolic link"), "{}", run.stderr);
    assert!(!target.exists(), "the link was followed and its target created");
    assert!(std::fs::symlink_metadata(&lock).unwrap().file_type().is_symlink(), "the planted link is left alone");
    let kept: Vec<_> = std::fs::read_dir(&history).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(kept, [std::ffi::OsString::from(".stackaudit.lock")], "no report written into the history");
}

/// `ssh://` with no `ssh` on PATH: one error naming the host and saying ssh
/// cannot run, not a hang or a panic.
#[test]
fn an_ssh_docker_host_without_an_ssh_binary() {
    let dir = tree_with_a_known_finding();
    // A PATH with `timeout` (the bounded run needs it) and nothing else.
    let empty = tempfile::tempdir().unwrap();
    let timeout =
        String::from_utf8(Command::new("sh").args(["-c", "command -v timeout"]).output().unwrap().stdout).unwrap();
    std::os::unix::fs::symlink(timeout.trim(), empty.path().join("timeout")).unwrap();
    let ssh_uri = "ssh://auditor@engine.example";
    let run = run_bounded_env(
        dir.path(),
        &["scan", ".", "--docker-host", ssh_uri, "--format", "json"],
        &[("PATH", empty.path().display().to_string())],
    );
    let report = run.report();
    let error = assert_error_naming(&run, &report, ssh_uri);
    assert!(error.contains("cannot run ssh"), "{error}");
    assert_known_finding_kept(&report);
}
