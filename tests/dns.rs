//! DNS checks against a real authoritative server: nsd, started by each test
//! on a free loopback port with zones the test writes. Every name is under
//! the reserved `.test` / `.example` TLDs and every query goes to 127.0.0.1,
//! so nothing leaves the machine.

// A test crate: a panic here fails a test, it cannot crash a scan.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::string_slice,
    clippy::indexing_slicing,
    clippy::unreachable
)]

mod dns_support;
mod support;

use std::time::{Duration, Instant};

use dns_support::{zone, zone_without_data, Nsd, SilentServer, Zone};
use serde_json::Value;

struct Scan {
    code: i32,
    report: Value,
    elapsed: Duration,
    dir: tempfile::TempDir,
}

impl Scan {
    /// `(rule, subject, key)` of the DNS findings, sorted.
    fn findings(&self) -> Vec<(String, String, String)> {
        support::rule_subject_keys(&self.report, "dns-")
    }

    fn finding(&self, rule: &str, key: &str) -> &Value {
        self.report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["rule_id"] == rule && f["key"] == key)
            .unwrap_or_else(|| panic!("no {rule} finding for {key}; findings: {:#?}", self.findings()))
    }

    fn fact(&self, domain: &str) -> &Value {
        self.report["facts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["kind"] == "dns_domain" && f["subject"]["name"] == domain)
            .map(|f| &f["data"])
            .unwrap_or_else(|| panic!("no dns_domain fact for {domain}"))
    }

    fn errors(&self) -> &Vec<Value> {
        self.report["errors"].as_array().unwrap()
    }

    fn config_path(&self) -> String {
        self.dir.path().join("stackaudit.toml").display().to_string()
    }

    /// The line of the config where `needle` first appears.
    fn line_of(&self, needle: &str) -> u64 {
        let text = std::fs::read_to_string(self.config_path()).unwrap();
        text.lines().position(|l| l.contains(needle)).unwrap_or_else(|| panic!("{needle:?} not in the config")) as u64
            + 1
    }
}

/// Runs `stackaudit scan --config <config>` over an empty folder.
fn scan(config: &str) -> Scan {
    scan_with(config, &[])
}

fn scan_with(config: &str, extra: &[&str]) -> Scan {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("stackaudit.toml"), config).unwrap();
    std::fs::create_dir(dir.path().join("files")).unwrap();
    let mut args = vec!["--config", "stackaudit.toml"];
    args.extend_from_slice(extra);
    args.push("files");
    let started = Instant::now();
    let (code, report) = support::scan_json(dir.path(), &args);
    Scan { code, report, elapsed: started.elapsed(), dir }
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {value}"))
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

fn owned(items: &[(&str, &str, &str)]) -> Vec<(String, String, String)> {
    let mut v: Vec<_> = items.iter().map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string())).collect();
    v.sort();
    v
}

/// The deployment guide's records, all as they should be.
fn correct_zone() -> Zone {
    zone(
        "stackaudit.test",
        r#"
@ IN A 203.0.113.10
@ IN AAAA 2001:db8::10
www IN CNAME @
api IN CNAME stackaudit.test.
@ IN TXT "google-site-verification=abc123"
@ IN TXT "v=spf1 mx ip4:203.0.113.0/24 -all"
@ IN MX 10 mail
mail IN A 203.0.113.20
@ IN CAA 0 issue "letsencrypt.org"
_dmarc IN TXT "v=DMARC1; p=reject; rua=mailto:dmarc@stackaudit.test"
"#,
    )
}

#[test]
fn a_correct_zone_gives_no_finding_and_every_check_is_ok() {
    let nsd = Nsd::start(&[correct_zone()]);
    let scan = scan(&format!(
        r#"
[resolver]
nameservers = ["{ns}"]

[[dns]]
domain = "StackAudit.test."                 # case and the trailing dot do not matter
a = ["203.0.113.10"]
aaaa = ["2001:0db8:0:0::10"]                # compared as addresses, not text
cname = {{ www = "stackaudit.test", api = "@" }}
txt = ["google-site-verification=abc123"]
mx = ["mail"]
"#,
        ns = nsd.addr()
    ));
    assert_eq!(scan.findings(), vec![], "{:#}", scan.report["findings"]);
    assert_eq!(scan.errors(), &Vec::<Value>::new());
    assert_eq!(scan.code, 0);

    let fact = scan.fact("stackaudit.test");
    let verdicts: Vec<(String, String)> = fact["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["key"].as_str().unwrap().to_string(), r["verdict"].as_str().unwrap().to_string()))
        .collect();
    assert_eq!(
        verdicts,
        [
            ("A stackaudit.test", "ok"),
            ("AAAA stackaudit.test", "ok"),
            ("CNAME api.stackaudit.test", "ok"),
            ("CNAME www.stackaudit.test", "ok"),
            ("TXT stackaudit.test google-site-verification=abc123", "ok"),
            ("MX stackaudit.test", "ok"),
        ]
        .map(|(k, v)| (k.to_string(), v.to_string()))
    );
    assert_eq!(fact["zone"], "stackaudit.test");
    assert_eq!(strings(&fact["nameservers"]), [nsd.addr()]);
    assert_eq!(fact["caa"]["found_at"], "stackaudit.test");
    assert_eq!(strings(&fact["caa"]["issuers"]), ["letsencrypt.org"]);
    assert_eq!(fact["email"]["applies"], true);
    assert_eq!(fact["email"]["spf"]["all"], "-");
    assert_eq!(fact["email"]["spf"]["lookup_count"], 1);
    assert_eq!(fact["email"]["dmarc"]["policy"], "reject");
    assert!(fact["lookups"].as_array().unwrap().iter().all(|l| l["status"] == "noerror" || l["status"] == "nodata"));
    let declared =
        &scan.report["facts"].as_array().unwrap().iter().find(|f| f["kind"] == "dns_domain").unwrap()["declared_in"];
    assert_eq!(declared["line"], scan.line_of("[[dns]]"));
}

#[test]
fn missing_and_wrong_records_show_expected_and_found() {
    let nsd = Nsd::start(&[zone(
        "drift.test",
        r#"
@ IN A 198.51.100.7
api IN A 198.51.100.7
@ IN MX 10 mx.other-provider.test.
@ IN TXT "v=spf1 -all"
@ IN CAA 0 issue "letsencrypt.org"
_dmarc IN TXT "v=DMARC1; p=reject"
"#,
    )]);
    let scan = scan(&format!(
        r#"
[resolver]
nameservers = ["{ns}"]

[[dns]]
domain = "drift.test"
a = ["203.0.113.10"]
aaaa = ["2001:db8::10"]
txt = [
  "v=spf1 -all",
  "google-site-verification=abc123",
]
mx = ["mail.drift.test"]

[dns.cname]
www = "drift.test"
api = "drift.test"
"#,
        ns = nsd.addr()
    ));
    assert_eq!(
        scan.findings(),
        owned(&[
            ("dns-record-mismatch", "drift.test", "A drift.test"),
            ("dns-record-mismatch", "drift.test", "CNAME api.drift.test"),
            ("dns-record-mismatch", "drift.test", "MX drift.test"),
            ("dns-record-missing", "drift.test", "AAAA drift.test"),
            ("dns-record-missing", "drift.test", "CNAME www.drift.test"),
            ("dns-record-missing", "drift.test", "TXT drift.test google-site-verification=abc123"),
        ])
    );
    assert_eq!(scan.code, 1, "mismatches are high: the gate fails");
    assert!(scan.errors().is_empty(), "{:#?}", scan.errors());

    let a = scan.finding("dns-record-mismatch", "A drift.test");
    assert_eq!(a["evidence"], "expected 203.0.113.10, found 198.51.100.7");
    assert_eq!(a["location"]["line"], scan.line_of("a = ["));
    assert_eq!(a["declared_in"]["line"], scan.line_of("[[dns]]"));
    let api = scan.finding("dns-record-mismatch", "CNAME api.drift.test");
    assert_eq!(api["evidence"], "expected drift.test, found A 198.51.100.7");
    assert_eq!(api["location"]["line"], scan.line_of("api = "));
    let mx = scan.finding("dns-record-mismatch", "MX drift.test");
    assert_eq!(mx["evidence"], "expected mail.drift.test, found mx.other-provider.test");
    let www = scan.finding("dns-record-missing", "CNAME www.drift.test");
    assert!(www["evidence"].as_str().unwrap().contains("www.drift.test does not exist (NXDOMAIN)"), "{www}");
    let token = scan.finding("dns-record-missing", "TXT drift.test google-site-verification=abc123");
    assert_eq!(token["location"]["line"], scan.line_of("\"google-site-verification=abc123\","));
    let aaaa = scan.finding("dns-record-missing", "AAAA drift.test");
    assert!(aaaa["evidence"].as_str().unwrap().contains("(NODATA)"), "{aaaa}");
}

#[test]
fn dangling_cnames_are_reported_and_live_chains_are_not() {
    let nsd = Nsd::start(&[
        zone(
            "takeover.test",
            r#"
@ IN A 203.0.113.10
www IN CNAME @
shop IN CNAME gone.takeover.test.
blog IN CNAME deleted-app.provider.test.
cdn IN CNAME edge.provider.test.
docs IN CNAME v6only.provider.test.
"#,
        ),
        zone(
            "provider.test",
            r#"
edge IN CNAME lb.provider.test.
lb IN A 198.51.100.50
v6only IN AAAA 2001:db8::50
"#,
        ),
    ]);
    let scan = scan(&format!(
        r#"
[[dns]]
domain = "takeover.test"
nameservers = ["{ns}"]       # per-domain servers, no [resolver] section
cname = {{ www = "@" }}
subdomains = ["shop", "blog", "cdn", "docs.takeover.test"]
email = false
require_caa = false
"#,
        ns = nsd.addr()
    ));
    assert_eq!(
        scan.findings(),
        owned(&[
            ("dns-dangling-cname", "takeover.test", "blog.takeover.test"),
            ("dns-dangling-cname", "takeover.test", "shop.takeover.test"),
        ])
    );
    let blog = scan.finding("dns-dangling-cname", "blog.takeover.test");
    assert_eq!(blog["evidence"], "CNAME -> deleted-app.provider.test: NXDOMAIN");
    assert_eq!(blog["location"]["line"], scan.line_of("subdomains = "));

    let fact = scan.fact("takeover.test");
    let chain = |name: &str| -> &Value {
        fact["cnames"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .unwrap_or_else(|| panic!("no chain for {name}"))
    };
    assert_eq!(strings(&chain("cdn.takeover.test")["chain"]), ["edge.provider.test", "lb.provider.test"]);
    assert_eq!(chain("cdn.takeover.test")["target_status"], "noerror");
    assert_eq!(strings(&chain("cdn.takeover.test")["target_addresses"]), ["198.51.100.50"]);
    assert_eq!(chain("docs.takeover.test")["target_status"], "noerror", "an IPv6-only target resolves");
    assert_eq!(strings(&chain("docs.takeover.test")["target_addresses"]), ["2001:db8::50"]);
    assert_eq!(chain("www.takeover.test")["target"], "takeover.test");
    assert_eq!(scan.code, 1);
}

#[test]
fn caa_is_found_by_climbing_to_the_zone_apex() {
    let nsd = Nsd::start(&[
        zone(
            "caa.test",
            r#"
@ IN CAA 0 issue "letsencrypt.org"
@ IN CAA 0 iodef "mailto:security@caa.test"
app.eu IN A 203.0.113.10
"#,
        ),
        zone("nocaa.test", "@ IN A 203.0.113.11\n"),
        zone("optout.test", "@ IN A 203.0.113.12\n"),
    ]);
    let scan = scan(&format!(
        r#"
[resolver]
nameservers = ["{ns}"]

[[dns]]
domain = "app.eu.caa.test"

[[dns]]
domain = "nocaa.test"

[[dns]]
domain = "optout.test"
require_caa = false
"#,
        ns = nsd.addr()
    ));
    assert_eq!(scan.findings(), owned(&[("dns-caa-missing", "nocaa.test", "caa")]));
    assert_eq!(scan.finding("dns-caa-missing", "caa")["evidence"], "no CAA record at nocaa.test");

    let app = scan.fact("app.eu.caa.test");
    assert_eq!(app["zone"], "caa.test");
    assert_eq!(strings(&app["caa"]["searched"]), ["app.eu.caa.test", "eu.caa.test", "caa.test"]);
    assert_eq!(app["caa"]["found_at"], "caa.test");
    assert_eq!(strings(&app["caa"]["issuers"]), ["letsencrypt.org"]);
    assert_eq!(scan.code, 0, "CAA is low severity");
}

#[test]
fn bad_spf_and_dmarc_are_reported() {
    let nsd = Nsd::start(&[
        zone(
            "twospf.test",
            r#"
@ IN MX 10 mail
mail IN A 203.0.113.20
@ IN TXT "v=spf1 mx -all"
@ IN TXT "v=spf1 include:_spf.mail-provider.test ~all"
_dmarc IN TXT "v=DMARC1; p=reject"
"#,
        ),
        zone(
            "plusall.test",
            r#"
@ IN MX 10 mail
mail IN A 203.0.113.20
@ IN TXT "v=spf1 mx +all"
_dmarc IN TXT "v=DMARC1; p=none; rua=mailto:dmarc@plusall.test"
"#,
        ),
        // 2 lookups here + 3 in _spf1 + 4 in _spf2 + 3 in _spf3 (included
        // by _spf1) = 12, over the limit of 10.
        zone(
            "lookups.test",
            r#"
@ IN MX 10 mail
mail IN A 203.0.113.20
@ IN TXT "v=spf1 include:_spf1.lookups.test include:_spf2.lookups.test -all"
_spf1 IN TXT "v=spf1 a mx include:_spf3.lookups.test -all"
_spf2 IN TXT "v=spf1 a mx ptr exists:x.lookups.test -all"
_spf3 IN TXT "v=spf1 a mx a:x.lookups.test ~all"
"#,
        ),
        zone("mxonly.test", "@ IN MX 10 mail\nmail IN A 203.0.113.20\n"),
        zone("nomail.test", "@ IN A 203.0.113.21\n"),
        // No MX, yet what it publishes lets anyone send mail in its name.
        zone("webonly.test", "@ IN A 203.0.113.22\n@ IN TXT \"v=spf1 +all\"\n_dmarc IN TXT \"v=DMARC1; p=none\"\n"),
        zone("neutral.test", "@ IN TXT \"v=spf1 ip4:203.0.113.0/24 ?all\"\n_dmarc IN TXT \"v=DMARC1; p=quarantine\"\n"),
        zone(
            "inherit.test",
            r#"
@ IN TXT "v=spf1 -all"
_dmarc IN TXT "v=DMARC1; p=reject; sp=none"
shop IN MX 10 mail.inherit.test.
shop IN TXT "v=spf1 mx -all"
"#,
        ),
    ]);
    let entries = [
        "domain = \"twospf.test\"",
        "domain = \"plusall.test\"",
        "domain = \"lookups.test\"",
        "domain = \"mxonly.test\"",
        "domain = \"nomail.test\"",
        "domain = \"webonly.test\"",
        "domain = \"neutral.test\"\nemail = true",
        "domain = \"shop.inherit.test\"",
    ];
    let mut config = format!("[resolver]\nnameservers = [\"{}\"]\n", nsd.addr());
    for entry in entries {
        config.push_str(&format!("\n[[dns]]\n{entry}\nrequire_caa = false\n"));
    }
    let scan = scan(&config);
    assert_eq!(
        scan.findings(),
        owned(&[
            ("dns-dmarc-missing", "lookups.test", "dmarc"),
            ("dns-dmarc-missing", "mxonly.test", "dmarc"),
            ("dns-dmarc-policy-none", "plusall.test", "dmarc"),
            ("dns-dmarc-policy-none", "shop.inherit.test", "dmarc"),
            ("dns-dmarc-policy-none", "webonly.test", "dmarc"),
            ("dns-spf-missing", "mxonly.test", "spf"),
            ("dns-spf-multiple", "twospf.test", "spf"),
            ("dns-spf-neutral", "neutral.test", "spf"),
            ("dns-spf-permissive", "plusall.test", "spf"),
            ("dns-spf-permissive", "webonly.test", "spf"),
            ("dns-spf-too-many-lookups", "lookups.test", "spf"),
        ]),
        "{:#}",
        scan.report["findings"]
    );
    assert!(scan.errors().is_empty(), "{:#?}", scan.errors());

    let lookups = scan.fact("lookups.test");
    assert_eq!(lookups["email"]["spf"]["lookup_count"], 12);
    assert_eq!(lookups["email"]["spf"]["lookup_count_complete"], true);
    let included: Vec<&str> =
        lookups["email"]["spf"]["includes"].as_array().unwrap().iter().map(|i| i["domain"].as_str().unwrap()).collect();
    assert_eq!(included, ["_spf1.lookups.test", "_spf3.lookups.test", "_spf2.lookups.test"]);

    let permissive =
        scan.report["findings"].as_array().unwrap().iter().find(|f| f["rule_id"] == "dns-spf-permissive").unwrap();
    assert_eq!(permissive["evidence"], "v=spf1 mx +all");
    let nomail = scan.fact("nomail.test");
    assert_eq!(nomail["email"]["applies"], false);
    assert_eq!(nomail["email"]["reason"], "no MX records: the domain does not receive email");
    assert_eq!(scan.fact("mxonly.test")["email"]["reason"], "the domain publishes MX records");
    assert_eq!(scan.fact("webonly.test")["email"]["applies"], false);
    let inherited = scan.fact("shop.inherit.test");
    assert_eq!(inherited["email"]["dmarc"]["found_at"], "_dmarc.inherit.test");
    assert_eq!(inherited["email"]["dmarc"]["inherited"], true);
    assert_eq!(inherited["email"]["dmarc"]["policy"], "none");
}

/// DNSSEC records written into the zone as text: stackaudit checks their
/// presence (validation is the resolver's job, reported through the AD bit),
/// and no zone signer is installed in CI, so the keys and signatures are
/// well-formed but not cryptographically valid. nsd serves them as it would
/// a signed zone's, RRSIGs only to queries with the DO bit.
fn dnssec_records(zone: &str) -> String {
    let blob = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+Pw==";
    format!(
        "@ IN A 203.0.113.30\n@ IN CAA 0 issue \"letsencrypt.org\"\n@ IN DNSKEY 257 3 13 {blob}\n\
         @ IN RRSIG SOA 13 2 300 20300101000000 20200101000000 12345 {zone}. {blob}\n\
         @ IN RRSIG A 13 2 300 20300101000000 20200101000000 12345 {zone}. {blob}\n\
         @ IN RRSIG DNSKEY 13 2 300 20300101000000 20200101000000 12345 {zone}. {blob}\n"
    )
}

#[test]
fn dnssec_presence_is_checked_when_required() {
    let digest = "49FD46E6C4B45C55D4AC49FD46E6C4B45C55D4AC49FD46E6C4B45C55D4AC1234";
    let nsd = Nsd::start(&[
        // The parent holds the DS records, as a registry would.
        zone(
            "test",
            &format!(
                "signed IN NS ns.signed.test.\nsigned IN DS 12345 13 2 {digest}\nnods IN NS ns.nods.test.\n\
                 unsigned IN NS ns.unsigned.test.\n"
            ),
        ),
        zone("signed.test", &dnssec_records("signed.test")),
        zone("nods.test", &dnssec_records("nods.test")),
        zone("unsigned.test", "@ IN A 203.0.113.31\n@ IN CAA 0 issue \"letsencrypt.org\"\n"),
    ]);
    let mut config = format!("[resolver]\nnameservers = [\"{}\"]\n", nsd.addr());
    for domain in ["signed.test", "nods.test", "unsigned.test"] {
        config.push_str(&format!("\n[[dns]]\ndomain = \"{domain}\"\nrequire_dnssec = true\n"));
    }
    let scan = scan(&config);
    assert_eq!(
        scan.findings(),
        owned(&[("dns-dnssec-missing", "nods.test", "dnssec"), ("dns-dnssec-missing", "unsigned.test", "dnssec")])
    );
    let evidence = |domain: &str| -> String {
        scan.report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["subject"]["name"] == domain)
            .map(|f| f["evidence"].as_str().unwrap().to_string())
            .unwrap()
    };
    assert_eq!(evidence("nods.test"), "no DS for zone nods.test");
    assert_eq!(evidence("unsigned.test"), "no DNSKEY, RRSIG, DS for zone unsigned.test");
    let signed = &scan.fact("signed.test")["dnssec"];
    assert_eq!(
        (signed["dnskey"].as_bool(), signed["ds"].as_bool(), signed["signed"].as_bool()),
        (Some(true), Some(true), Some(true))
    );
    assert!(scan.errors().is_empty(), "{:#?}", scan.errors());
}

#[test]
fn nxdomain_nodata_servfail_and_refused_are_told_apart() {
    let nsd = Nsd::start(&[zone("status.test", "@ IN A 203.0.113.40\n"), zone_without_data("broken.test")]);
    let scan = scan(&format!(
        r#"
[resolver]
nameservers = ["{ns}"]

[[dns]]
domain = "status.test"
mx = ["mail"]
subdomains = ["nope"]
require_caa = false
email = false

[[dns]]
domain = "broken.test"

[[dns]]
domain = "refused.example"
"#,
        ns = nsd.addr()
    ));
    let status_of = |domain: &str, name: &str, rtype: &str| -> String {
        scan.fact(domain)["lookups"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["name"] == name && l["record_type"] == rtype)
            .map(|l| l["status"].as_str().unwrap().to_string())
            .unwrap_or_else(|| panic!("no {rtype} lookup of {name}"))
    };
    assert_eq!(status_of("status.test", "status.test", "A"), "noerror");
    assert_eq!(status_of("status.test", "status.test", "MX"), "nodata");
    assert_eq!(status_of("status.test", "nope.status.test", "A"), "nxdomain");
    assert_eq!(status_of("broken.test", "broken.test", "SOA"), "servfail");
    assert_eq!(status_of("refused.example", "refused.example", "SOA"), "refused");

    // Answers are findings; unanswered questions are errors naming the
    // domain and its config line, never findings.
    assert_eq!(scan.findings(), owned(&[("dns-record-missing", "status.test", "MX status.test")]));
    let errors: Vec<(String, String, String)> = scan
        .errors()
        .iter()
        .map(|e| {
            (
                e["target"].as_str().unwrap().into(),
                e["kind"].as_str().unwrap().into(),
                e["source"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        errors,
        [("broken.test", "unreachable", "dns"), ("refused.example", "denied", "dns")].map(|(a, b, c)| (
            a.to_string(),
            b.to_string(),
            c.to_string()
        ))
    );
    assert!(scan.errors()[0]["message"].as_str().unwrap().contains("SERVFAIL"), "{:#}", scan.errors()[0]);
    assert_eq!(scan.errors()[1]["location"]["line"], scan.line_of("domain = \"refused.example\"") - 1);
    assert_eq!(scan.code, 2, "an incomplete scan exits 2");
}

#[test]
fn a_server_that_never_answers_is_an_error_for_its_domain_in_bounded_time() {
    let silent = SilentServer::start();
    let nsd = Nsd::start(&[correct_zone()]);
    let scan = scan(&format!(
        r#"
[resolver]
timeout_ms = 300

[[dns]]
domain = "silent.test"
nameservers = ["{silent}"]
cname = {{ www = "@" }}
mx = ["mail"]

[[dns]]
domain = "stackaudit.test"
nameservers = ["{ns}"]
"#,
        silent = silent.addr(),
        ns = nsd.addr()
    ));
    assert_eq!(scan.code, 2);
    assert!(scan.elapsed < Duration::from_secs(5), "took {:?}", scan.elapsed);
    assert_eq!(scan.errors().len(), 1, "{:#?}", scan.errors());
    let error = &scan.errors()[0];
    assert_eq!(error["target"], "silent.test");
    assert_eq!(error["kind"], "timeout");
    assert_eq!(error["location"]["path"], "stackaudit.toml", "the config as it was given");
    assert_eq!(error["location"]["line"], scan.line_of("[[dns]]"));
    assert!(error["message"].as_str().unwrap().contains(&silent.addr()), "{error}");
    assert!(scan.findings().iter().all(|(_, subject, _)| subject != "silent.test"), "{:?}", scan.findings());
    let fact = scan.fact("silent.test");
    assert!(fact["lookups"].as_array().unwrap().iter().all(|l| l["status"] == "timeout"), "{:#}", fact["lookups"]);
    // The scan went on: the other domain was checked.
    assert_eq!(scan.fact("stackaudit.test")["caa"]["found_at"], "stackaudit.test");
}

#[test]
fn answers_too_big_for_udp_come_over_tcp() {
    let filler: String = (0..10).map(|i| format!("@ IN TXT \"filler-{i}-{}\"\n", "x".repeat(200))).collect();
    let nsd = Nsd::start(&[zone(
        "big.test",
        &format!("{filler}@ IN TXT \"google-site-verification=abc123\"\n@ IN CAA 0 issue \"letsencrypt.org\"\n"),
    )]);
    let scan = scan(&format!(
        "[[dns]]\ndomain = \"big.test\"\nnameservers = [\"{}\"]\ntxt = [\"google-site-verification=abc123\"]\n",
        nsd.addr()
    ));
    assert!(scan.errors().is_empty(), "{:#?}", scan.errors());
    assert_eq!(scan.findings(), vec![]);
    let txt = scan.fact("big.test")["lookups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["record_type"] == "TXT")
        .cloned()
        .unwrap();
    // 11 records of ~2.3 KB do not fit the 1232-byte EDNS payload: nsd
    // truncates over UDP and the whole answer arrives over TCP.
    assert_eq!(txt["answers"].as_array().unwrap().len(), 11, "{txt:#}");
}

#[test]
fn domain_and_nameserver_flags_work_without_a_config() {
    let nsd = Nsd::start(&[correct_zone()]);
    let dir = tempfile::tempdir().unwrap();
    let (code, report) =
        support::scan_json(dir.path(), &["--domain", "stackaudit.test", "--nameserver", &nsd.addr(), "."]);
    assert_eq!(code, 0, "{report:#}");
    let fact = report["facts"].as_array().unwrap().iter().find(|f| f["kind"] == "dns_domain").unwrap();
    assert_eq!(fact["subject"]["name"], "stackaudit.test");
    assert!(fact.get("declared_in").is_none(), "no config line for a flag");
    assert_eq!(fact["data"]["caa"]["required"], true, "CAA is checked by default");
    assert_eq!(fact["data"]["email"]["applies"], true, "the domain publishes MX records");

    let (code, report) =
        support::scan_json(dir.path(), &["--domain", "stackaudit.test", "--nameserver", "ns1.test", "."]);
    assert_eq!(code, 2);
    assert_eq!(report["errors"][0]["kind"], "config");
    assert!(report["errors"][0]["message"].as_str().unwrap().contains("\"ns1.test\" is not an IP address"));
}

#[test]
fn bad_entries_are_config_errors_naming_the_line() {
    // Nothing is queried for an entry that does not make sense.
    let scan = scan(
        "[resolver]\nnameservers = [\"127.0.0.1:9\"]\n\n\
         [[dns]]\ndomain = \"bad.test\"\na = [\"999.1.1.1\", \"2001:db8::1\"]\ncname = { \"www\" = \"not a name\" }\n",
    );
    assert_eq!(scan.code, 2);
    assert_eq!(scan.errors().len(), 1, "{:#?}", scan.errors());
    let error = &scan.errors()[0];
    assert_eq!(error["kind"], "config");
    assert_eq!(error["target"], "bad.test");
    assert_eq!(error["location"]["line"], 4);
    assert!(scan.report["facts"].as_array().unwrap().iter().all(|f| f["kind"] != "dns_domain"));
    let message = error["message"].as_str().unwrap();
    for part in ["\"999.1.1.1\" is not an IP address", "2001:db8::1 is not an IPv4 address", "cname.www"] {
        assert!(message.contains(part), "{part:?} not in {message:?}");
    }
}
