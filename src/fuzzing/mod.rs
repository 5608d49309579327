//! Fuzz targets: every hand-written parser of untrusted input, driven by
//! the mutation fuzzer in [`mutate`] (`tests/fuzz.rs` runs each target for a
//! fixed number of cases; `scripts/fuzz.sh SECONDS` runs them longer).
//!
//! A target feeds one input to one parser and ignores the result: what it
//! checks is that the parser returns (no panic, no abort, no hang) whatever
//! the bytes. Not part of the public API.

// Test harness code (run by tests/fuzz.rs and scripts/fuzz.sh, never by a
// scan): its mutator indexes its own buffers, and a harness failure should
// stop the run loudly.
#![allow(clippy::indexing_slicing, clippy::panic)]

pub mod mutate;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, OnceLock};

/// One parser under test.
pub struct Target {
    pub name: &'static str,
    /// Seed inputs: files or folders under the repository root (fixtures).
    pub seeds: &'static [&'static str],
    /// Built-in seeds, for parsers without fixtures.
    pub inline_seeds: &'static [&'static [u8]],
    /// Tokens that make mutations structural.
    pub dict: &'static [&'static [u8]],
    pub run: fn(&[u8]),
    /// The default case count is divided by this: targets that write files
    /// and expand includes cost ten times a pure parser per case, and the
    /// test suite's fuzz run must stay short on a shared 2-core machine
    /// (`scripts/fuzz.sh` runs every target for the same time instead).
    pub cost: u64,
}

/// Runs one case; a panic that reaches here (one the product did not
/// contain) becomes the error text, with its location when the quiet hook
/// is installed.
pub fn run_case(target: &Target, input: &[u8]) -> Result<(), String> {
    catch_unwind(AssertUnwindSafe(|| (target.run)(input))).map_err(|payload| crate::contain::describe(payload.as_ref()))
}

fn text(input: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(input)
}

/// Every target, in a fixed order.
pub fn targets() -> Vec<Target> {
    vec![
        Target {
            name: "dotenv",
            seeds: &["examples/stack/.env.example", "tests/fixtures/compose"],
            inline_seeds: &[b"A=1\nexport B='x y'\nC=\"multi\nline\"\n# c\n"],
            dict: &[b"=", b"\"", b"'", b"export ", b"\n", b"#", b"${", b"}", b"\\"],
            cost: 1,
            run: |b| {
                let _ = crate::collect::dotenv::parse(&text(b));
            },
        },
        Target {
            name: "iptables-save",
            seeds: &["tests/fixtures/firewall"],
            inline_seeds: &[b"*filter\n:INPUT DROP [0:0]\n-A INPUT -p tcp --dport 22 -j ACCEPT\nCOMMIT\n"],
            dict: &[
                b"-A INPUT ",
                b"-j ",
                b"-g ",
                b"--dport ",
                b"-s ",
                b"! ",
                b":X - [0:0]\n",
                b"COMMIT\n",
                b"*filter\n",
                b"\"",
            ],
            cost: 1,
            run: |b| {
                if let Ok(ruleset) = crate::collect::firewall::iptables::parse(&text(b)) {
                    let _ = crate::collect::firewall::analyze(&ruleset, "fuzz", &crate::config::Policy::default());
                }
            },
        },
        Target {
            name: "nft-json",
            seeds: &["tests/fixtures/firewall"],
            inline_seeds: &[br#"{"nftables":[{"table":{"family":"inet","name":"f"}}]}"#],
            dict: &[
                b"{",
                b"}",
                b"[",
                b"]",
                b"\"jump\"",
                b"\"goto\"",
                b"\"chain\"",
                b"\"rule\"",
                b"\"expr\"",
                b":",
                b",",
            ],
            cost: 1,
            run: |b| {
                if let Ok(ruleset) = crate::collect::firewall::nft_json::parse(&text(b)) {
                    let _ = crate::collect::firewall::analyze(&ruleset, "fuzz", &crate::config::Policy::default());
                }
            },
        },
        Target {
            name: "spf",
            seeds: &[],
            inline_seeds: &[b"v=spf1 mx a:mail.example.test include:_spf.example.test ip4:203.0.113.0/24 -all"],
            dict: &[
                b" include:",
                b" a:",
                b" mx",
                b" ptr",
                b" exists:",
                b" redirect=",
                b" ip6:",
                b"/",
                b"+all",
                b"?all",
                b"%{d}",
            ],
            cost: 1,
            run: |b| {
                let record = crate::collect::dns::spf::SpfRecord::parse(&text(b));
                let _ = (record.all(), record.redirect(), record.direct_lookups(), record.includes().count());
            },
        },
        Target {
            name: "dmarc",
            seeds: &[],
            inline_seeds: &[b"v=DMARC1; p=reject; sp=none; rua=mailto:d@example.test; pct=50"],
            dict: &[b";", b"=", b"p=", b"sp=", b"v=DMARC1", b" ", b"rua=mailto:"],
            cost: 1,
            run: |b| {
                let _ = crate::collect::dns::dmarc::tags(&text(b));
            },
        },
        Target {
            name: "hsts",
            seeds: &[],
            inline_seeds: &[b"max-age=31536000; includeSubDomains; preload"],
            dict: &[b";", b"=", b"\"", b"max-age", b"includeSubDomains", b","],
            cost: 1,
            run: |b| {
                let value = text(b).into_owned();
                let _ = crate::collect::http::hsts::parse(&[value.clone(), value]);
            },
        },
        Target {
            name: "http-headers",
            seeds: &[],
            inline_seeds: &[
                b"Server: nginx/1.22.1\r\nStrict-Transport-Security: max-age=31536000; includeSubDomains\r\n\
                  Content-Security-Policy: default-src 'self'; frame-ancestors 'none'\r\n\
                  X-Content-Type-Options: nosniff\r\nX-Frame-Options: DENY\r\nReferrer-Policy: no-referrer\r\n\
                  Set-Cookie: sid=s3cr3t; Path=/; Secure; HttpOnly; SameSite=Lax\r\nSet-Cookie: theme=dark\r\n",
                b"Server: Apache/2.4.57 (Debian)\nset-cookie: a=b;secure;samesite\nset-cookie: =;;=;\n",
            ],
            dict: &[
                b"\r\n",
                b"Set-Cookie: ",
                b"Server: ",
                b"Content-Security-Policy: ",
                b"Strict-Transport-Security: ",
                b"frame-ancestors",
                b"; Secure",
                b"; HttpOnly",
                b"; SameSite=",
                b"=",
                b";",
                b"/",
                b" (",
                b"\xff",
            ],
            cost: 1,
            run: crate::collect::http::headers::fuzz_one,
        },
        Target {
            name: "nginx-ciphers",
            seeds: &[],
            inline_seeds: &[b"ECDHE+AESGCM:!aNULL:!MD5:@STRENGTH", b"HIGH:!aNULL:!MD5", b"DEFAULT:-RSA:+CHACHA20"],
            dict: &[
                b":",
                b"!",
                b"+",
                b"-",
                b"@STRENGTH",
                b"@SECLEVEL=",
                b"ALL",
                b"COMPLEMENTOFALL",
                b"aRSA",
                b"kEECDH",
            ],
            cost: 1,
            run: |b| {
                let _ = crate::collect::nginx::ciphers::evaluate(&text(b));
            },
        },
        Target {
            name: "config",
            seeds: &["examples/stack/stackaudit.toml"],
            inline_seeds: &[b"[policy]\ninternal_ports = [3000]\n[[tls]]\ntarget = \"h:443\"\n"],
            dict: &[
                b"[",
                b"]",
                b"[[",
                b"]]",
                b"=",
                b"\"",
                b"\n",
                b"[policy]\n",
                b"[[firewall.scan]]\n",
                b"ports = \"1-2\"\n",
            ],
            cost: 1,
            run: |b| {
                let _ = crate::config::Config::parse(&text(b), "fuzz.toml", &crate::collect::source_names());
            },
        },
        Target {
            name: "ignore-file",
            seeds: &[],
            inline_seeds: &[
                b"[[ignore]]\nrule = \"x\"\nsubject = \"a*\"\npath = \"**/x\"\nreason = \"r\"\nexpires = 2027-01-01\n",
            ],
            dict: &[
                b"[[ignore]]\n",
                b"rule = ",
                b"path = \"",
                b"subject = \"",
                b"reason = \"",
                b"\"",
                b"**",
                b"{",
                b"[",
            ],
            cost: 1,
            run: |b| {
                let _ = crate::gate::suppress::Suppressions::parse(&text(b), "fuzz.toml");
            },
        },
        Target {
            name: "tls-answer",
            seeds: &[],
            inline_seeds: &[
                // An alert record, a ServerHello header, a truncated record.
                b"\x15\x03\x03\x00\x02\x02\x28",
                b"\x16\x03\x03\x00\x2a\x02\x00\x00\x26\x03\x03",
                b"\x16\x03\x01",
            ],
            dict: &[
                b"\x16\x03\x03",
                b"\x15\x03\x03\x00\x02",
                b"\x14\x03\x03\x00\x01\x01",
                b"\x02\x00\x00",
                b"\x0b\x00",
                b"\x0e\x00\x00\x00",
            ],
            cost: 1,
            run: |b| {
                runtime().block_on(async {
                    let mut stream = tokio::io::join(b, tokio::io::sink());
                    let _ = crate::collect::tls::wire::read_answer(&mut stream, b"hello", true).await;
                });
            },
        },
        Target {
            name: "x509",
            seeds: &[],
            inline_seeds: &[b"\x30\x82\x01\x0a\x02\x82\x01\x01\x00"],
            dict: &[b"\x30\x82", b"\x06\x03\x55\x1d\x11", b"\x02\x01", b"\xa0\x03", b"\x04\x00"],
            cost: 1,
            run: |b| {
                let _ = crate::collect::tls::cert::analyse(&[b.to_vec()], "example.test", empty_roots(), 1_700_000_000);
            },
        },
        Target {
            name: "yaml",
            seeds: &["tests/fixtures/compose", "tests/fixtures/kubernetes", "tests/fixtures/fuzz/yaml"],
            inline_seeds: &[b"a: &x [1, {b: *x}]\n---\n- ? k\n  : v\n- !!str |\n  text\n<<: *x\n"],
            dict: &[
                b"&a ", b"*a", b"<<: ", b"- ", b": ", b"[", b"]", b"{", b"}", b"---\n", b"...\n", b"|\n", b">-\n", b"? ",
                b"!!str ", b"\"", b"'", b"#", b"\n  ", b"%YAML 1.2\n",
            ],
            cost: 1,
            run: |b| {
                if let Ok(docs) = crate::collect::yaml::parse_documents(&text(b)) {
                    for d in &docs {
                        let _ = (d.to_json(), d.duplicate_keys());
                    }
                }
            },
        },
        Target {
            name: "compose",
            seeds: &["tests/fixtures/compose", "tests/fixtures/secrets/legacy/docker-compose.yml"],
            inline_seeds: &[b"services:\n  web:\n    image: nginx:${TAG:-1}\n    ports: [\"80:80\"]\n    environment:\n      DB_PASSWORD: ${DB_PASSWORD}\n    extends: {file: compose.yaml, service: web}\n"],
            dict: &[
                b"services:\n", b"  web:\n", b"    image: ", b"    ports:\n", b"      - ", b"${", b"}", b":-", b":?", b"$$",
                b"    environment:\n", b"    env_file: .env\n", b"    extends: ", b"include:\n  - compose.yaml\n",
                b"    build: .\n", b"    labels:\n", b"&a ", b"*a", b"<<: ", b"x-", b"null", b"!reset ", b"!override ",
                b"    deploy:\n", b"    volumes:\n", b"    user: ", b"mem_limit: ",
            ],
            cost: 3,
            run: |b| {
                with_scratch(|dir| crate::collect::compose::fuzz_one(&text(b), dir, &context()));
            },
        },
        Target {
            name: "compose-interpolate",
            seeds: &["tests/fixtures/compose/interpolation"],
            inline_seeds: &[b"TAG=1\nDB_PASSWORD=secret123\n---\nimage: app:${TAG:-${OTHER:-x}} $${x} ${DB_PASSWORD:?need it} $TAG"],
            dict: &[b"${", b"}", b":-", b"-", b":?", b"?", b":+", b"+", b"$$", b"$", b"\n---\n", b"=", b"A"],
            cost: 1,
            run: |b| {
                let input = text(b);
                let (env, body) = input.split_once("\n---\n").unwrap_or(("", &input));
                let (entries, _) = crate::collect::dotenv::parse(env);
                let vars = entries.into_iter().map(|e| (e.key, e.value)).collect();
                let interpolator = crate::collect::compose::Interpolator::new(vars);
                let _ = interpolator.interpolate(body);
            },
        },
        Target {
            name: "dockerfile",
            seeds: &["tests/fixtures/dockerfile", "tests/fixtures/secrets/legacy/Dockerfile"],
            inline_seeds: &[b"# syntax=docker/dockerfile:1\nARG BASE=alpine\nFROM $BASE AS b\nENV A=1 \"K\" v\nRUN <<EOF\necho hi\nEOF\nUSER 1001\n"],
            dict: &[
                b"FROM ", b" AS ", b"ARG ", b"ENV ", b"RUN ", b"USER ", b"COPY --from=", b"ADD ", b"<<EOF\n", b"EOF\n", b"<<-",
                b"\\\n", b"# escape=`\n", b"`", b"$", b"${", b"}", b"\"", b"'", b"=", b"[\"", b"\"]", b"curl x | sh",
            ],
            cost: 1,
            run: |b| {
                let input = text(b);
                let args = std::collections::HashMap::from([("BASE".to_string(), "alpine".to_string())]);
                let _ = crate::collect::dockerfile::analyze_with_args(&input, detector(), &args);
                let _ = crate::collect::dockerfile::starts_like_a_dockerfile(&input);
                let _ = crate::collect::dockerfile::pipes_download_into_shell(&input);
            },
        },
        Target {
            name: "nginx",
            seeds: &["tests/fixtures/nginx"],
            inline_seeds: &[b"events {}\nhttp { include a.conf; include *.conf; server { listen 443 ssl; location / { return 301 https://$host; } } }\n"],
            dict: &[
                b"http", b"server", b"location", b" / ", b"{", b"}", b";", b"\"", b"'", b"\\", b"$", b"${", b"#",
                b"include a.conf;", b"include b.conf;", b"include *.conf;", b"content_by_lua_block {", b"[==[", b"]==]",
                b"ssl_protocols TLSv1;", b"listen 443 ssl;", b"add_header X 1 always;", b"{{", b"{%", b"if ($scheme = http) ",
                b"events {}",
            ],
            cost: 6,
            run: |b| {
                with_scratch(|dir| crate::collect::nginx::fuzz_one(&text(b), dir));
            },
        },
        Target {
            name: "kubernetes",
            seeds: &["tests/fixtures/kubernetes", "tests/fixtures/secrets/legacy/k8s"],
            inline_seeds: &[b"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\nspec:\n  template:\n    spec:\n      containers:\n      - name: c\n        image: x\n        securityContext: {privileged: true}\n"],
            dict: &[
                b"apiVersion: v1\n", b"kind: ", b"Pod", b"Deployment", b"CronJob", b"List", b"items:\n", b"metadata:\n",
                b"spec:\n", b"template:\n", b"containers:\n", b"initContainers:\n", b"- name: ", b"image: ", b"---\n",
                b"securityContext:\n", b"hostPath:\n", b"ports:\n", b"resources:\n", b"limits: {cpu: 1, memory: 1Gi}\n",
                b"serviceAccountName: ", b"&a ", b"*a", b"{", b"}",
            ],
            cost: 1,
            run: |b| {
                let discovery =
                    crate::collect::files::Discovery { stdin: Some(text(b).into_owned()), ..Default::default() };
                let _ = crate::collect::kubernetes::collect(&discovery, &context());
            },
        },
        Target {
            name: "secrets",
            seeds: &["tests/fixtures/secrets", "examples/stack/.env.example"],
            inline_seeds: &[b"DB_PASSWORD=Xk9mQ2vLp7wZ\naws_secret_access_key = x\n-----BEGIN RSA PRIVATE KEY-----\nMII\n"],
            dict: &[
                b"PASSWORD=", b"password: ", b"\"token\": \"", b"-----BEGIN ", b"PRIVATE KEY-----\n", b"-----END ", b"AKIA",
                b"ghp_", b"xox", b"eyJ", b"AIza", b"https://u:p@h/", b"stackaudit:ignore", b"base64:", b"=", b"\n",
            ],
            cost: 3,
            run: |b| {
                let matcher = detector().matcher();
                for path in ["app/.env", "k8s/secret.yaml", "config.json", "src/main.py", "id_rsa", "notes.txt"] {
                    let _ = matcher.scan_file(path, b);
                }
                let value = text(b);
                let _ = detector().detect("DB_PASSWORD", &value);
                let _ = crate::secrets::decode_base64(&value);
            },
        },
    ]
}

/// A scratch folder per thread, for targets that read files (includes,
/// `.env`): removed when the thread ends.
fn with_scratch(f: impl FnOnce(&std::path::Path)) {
    thread_local! {
        static DIR: Option<tempfile::TempDir> = tempfile::Builder::new().prefix("stackaudit-fuzz-").tempdir().ok();
    }
    DIR.with(|d| {
        if let Some(d) = d {
            f(d.path());
        }
    });
}

/// The built-in secret rules' detector, built once.
fn detector() -> &'static crate::collect::secrets::Detector {
    static DETECTOR: OnceLock<crate::collect::secrets::Detector> = OnceLock::new();
    DETECTOR.get_or_init(|| {
        let rules = crate::rules::RuleSet::builtin();
        crate::collect::secrets::Detector::new(crate::secrets::Matcher::new(rules.secret_specs()).0)
    })
}

fn config() -> &'static crate::config::Config {
    static CONFIG: OnceLock<crate::config::Config> = OnceLock::new();
    CONFIG.get_or_init(crate::config::Config::default)
}

fn context() -> crate::collect::CollectContext<'static> {
    crate::collect::CollectContext { config: config(), detector: detector(), sink: None }
}

fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap_or_else(|e| {
            // Only reachable when the process cannot create an epoll set; the
            // fuzz run cannot go on without one.
            panic!("cannot start a runtime for the tls-answer target: {e}")
        })
    })
}

fn empty_roots() -> &'static Arc<rustls::RootCertStore> {
    static ROOTS: OnceLock<Arc<rustls::RootCertStore>> = OnceLock::new();
    ROOTS.get_or_init(|| Arc::new(rustls::RootCertStore::empty()))
}

#[cfg(test)]
mod run_case_tests {
    use super::*;

    fn boom(input: &[u8]) {
        if input.first() == Some(&b'!') {
            panic!("parser gave up on {} bytes", input.len());
        }
    }

    #[test]
    fn a_panic_that_reaches_the_harness_is_a_crash_with_its_message() {
        crate::contain::install_quiet_hook();
        let target = Target { name: "boom", seeds: &[], inline_seeds: &[], dict: &[], run: boom, cost: 1 };
        assert_eq!(run_case(&target, b"fine"), Ok(()));
        let before = crate::contain::panics_seen();
        let err = run_case(&target, b"!xy").unwrap_err();
        assert!(err.starts_with("parser gave up on 3 bytes"), "{err}");
        assert!(err.contains("fuzzing/mod.rs"), "the location is kept: {err}");
        assert!(crate::contain::panics_seen() > before);
        drop(std::panic::take_hook());
    }
}
