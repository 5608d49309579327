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
}

/// Runs one case; a panic becomes the error text.
pub fn run_case(target: &Target, input: &[u8]) -> Result<(), String> {
    catch_unwind(AssertUnwindSafe(|| (target.run)(input))).map_err(|payload| {
        payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "panic with a non-string payload".into())
    })
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
            run: |b| {
                let _ = crate::collect::dns::dmarc::tags(&text(b));
            },
        },
        Target {
            name: "hsts",
            seeds: &[],
            inline_seeds: &[b"max-age=31536000; includeSubDomains; preload"],
            dict: &[b";", b"=", b"\"", b"max-age", b"includeSubDomains", b","],
            run: |b| {
                let value = text(b).into_owned();
                let _ = crate::collect::http::hsts::parse(&[value.clone(), value]);
            },
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
            run: |b| {
                let _ = crate::config::Config::parse(&text(b), "fuzz.toml");
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
            run: |b| {
                let _ = crate::collect::tls::cert::analyse(&[b.to_vec()], "example.test", empty_roots(), 1_700_000_000);
            },
        },
    ]
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
