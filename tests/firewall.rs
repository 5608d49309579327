//! Firewall collector against real nftables rulesets in network namespaces
//! the tests create: the rule evaluation (stackaudit inside the server
//! namespace reading its ruleset) and a connect scan from the client
//! namespace on the other end of a veth pair, which must agree.

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

mod firewall_support;

use std::time::{Duration, Instant};

use firewall_support::{decision, facts, finding_keys, fixture, parse, shared_dir, Lab};

/// The guide's table, with the SSH rule given by the test.
fn guide_ruleset(ssh_rule: &str) -> String {
    format!(
        "table inet filter {{
  chain input {{
    type filter hook input priority filter; policy drop;
    ct state established,related accept
    ct state invalid drop
    iif \"lo\" accept
    tcp dport {{ 80, 443 }} accept
    {ssh_rule}
  }}
}}"
    )
}

fn host_config(policy: &str) -> String {
    format!("[firewall]\nhost_rules = true\n\n[policy]\n{policy}\n")
}

/// A scan of `ports` on the lab's server from the client namespace.
fn scan_config(lab: &Lab, ports: &str, extra: &str) -> String {
    format!(
        "[firewall]\n[[firewall.scan]]\nhost = \"{}\"\nports = \"{ports}\"\ntimeout_ms = 300\nconcurrency = 2000\n{extra}\n",
        lab.server_ip()
    )
}

fn scan_fact(report: &serde_json::Value) -> serde_json::Value {
    let scans = facts(report, "port_scan");
    assert_eq!(scans.len(), 1, "one scan fact: {report:#}");
    scans[0].clone()
}

fn open_ports(scan: &serde_json::Value) -> Vec<i64> {
    scan["open"].as_array().unwrap().iter().map(|p| p.as_i64().unwrap()).collect()
}

#[test]
fn guide_default_deny_passes_and_the_scan_agrees() {
    let mut lab = Lab::new();
    lab.load(&guide_ruleset("ip saddr 203.0.113.0/24 tcp dport 22 accept"));
    lab.listen(&[22, 80, 443, 3000, 6379]);

    let (code, report, stderr) = lab.scan_in(&lab.server, &host_config("ssh_allowed_sources = [\"203.0.113.0/24\"]"));
    assert_eq!(finding_keys(&report), Vec::<String>::new(), "{stderr}");
    assert_eq!(code, 0, "{stderr}\n{report:#}");
    let fw = facts(&report, "firewall")[0];
    assert_eq!(fw["backend"], "nftables");
    assert_eq!(fw["input_filtering"], true);
    assert_eq!(fw["default_inbound"]["status"], "closed");
    assert_eq!(fw["default_inbound"]["verdict"], "drop");
    assert_eq!(decision(fw, 80)["status"], "open");
    assert_eq!(decision(fw, 443)["decided_by"]["text"], "tcp dport { 80, 443 } accept");
    assert_eq!(decision(fw, 22)["status"], "restricted");
    assert_eq!(decision(fw, 22)["sources"], serde_json::json!(["203.0.113.0/24"]));
    assert_eq!(decision(fw, 6379)["status"], "closed");
    assert_eq!(decision(fw, 6379)["path"], serde_json::json!(["inet filter input", "policy drop", "drop"]));

    let (code, report, stderr) = lab.scan_in(&lab.client, &scan_config(&lab, "1-1024,3000,6379", ""));
    assert_eq!(code, 0, "{stderr}\n{report:#}");
    let scan = scan_fact(&report);
    assert_eq!(open_ports(&scan), vec![80, 443]);
    assert_eq!(scan["closed_count"], 0);
    assert_eq!(scan["filtered_count"], 1024);
}

#[test]
fn policy_accept_is_default_allow_and_redis_is_reachable() {
    let mut lab = Lab::new();
    lab.load(
        "table inet filter {
  chain input {
    type filter hook input priority filter; policy accept;
    tcp dport 23 drop
  }
}",
    );
    lab.listen(&[443, 6379]);
    let (code, report, stderr) = lab.scan_in(&lab.server, &host_config(""));
    assert_eq!(
        finding_keys(&report),
        vec![
            "firewall-default-allow-inbound:ipv4+ipv6",
            // The policy's ports are always decided on their own, so an
            // accept-all ruleset names the internal ones too.
            "firewall-port-allowed-not-in-policy:3000",
            "firewall-port-allowed-not-in-policy:6379",
            "firewall-ssh-open-to-world:22",
        ],
        "{stderr}\n{report:#}"
    );
    assert_eq!(code, 1);
    let fw = facts(&report, "firewall")[0];
    assert_eq!(fw["default_inbound"]["path"], serde_json::json!(["inet filter input", "policy accept", "accept"]));
    // Ports that fall to the policy are the default, not each listed.
    assert_eq!(decision(fw, 23)["verdict"], "drop");

    let (code, report, stderr) = lab.scan_in(&lab.client, &scan_config(&lab, "1-65535", ""));
    assert_eq!(finding_keys(&report), vec!["firewall-internal-port-exposed:6379"], "{stderr}");
    assert_eq!(code, 1);
    let scan = scan_fact(&report);
    assert_eq!(open_ports(&scan), vec![443, 6379]);
    assert_eq!(scan["closed_count"], 65535 - 3);
    assert_eq!(scan["filtered"], "23");
}

#[test]
fn redis_opened_to_the_world() {
    let mut lab = Lab::new();
    lab.load(&guide_ruleset("tcp dport 6379 accept"));
    lab.listen(&[80, 6379]);
    let (code, report, stderr) = lab.scan_in(&lab.server, &host_config(""));
    assert_eq!(finding_keys(&report), vec!["firewall-port-allowed-not-in-policy:6379"], "{stderr}\n{report:#}");
    assert_eq!(code, 1);
    let fw = facts(&report, "firewall")[0];
    assert_eq!(decision(fw, 6379)["open_families"], serde_json::json!(["ipv4", "ipv6"]));

    let (_, report, stderr) = lab.scan_in(&lab.client, &scan_config(&lab, "1-10000", ""));
    assert_eq!(finding_keys(&report), vec!["firewall-internal-port-exposed:6379"], "{stderr}");
    assert_eq!(open_ports(&scan_fact(&report)), vec![80, 6379]);
}

#[test]
fn ssh_restricted_by_source_address() {
    let mut lab = Lab::new();
    let client = lab.client_ip();
    lab.load(&guide_ruleset(&format!("ip saddr {client} tcp dport 22 accept")));
    lab.listen(&[22, 443]);

    // Restricted to the admin network the policy names: no finding.
    let subnet = format!("10.77.{}.0/24", lab.subnet);
    let (code, report, stderr) =
        lab.scan_in(&lab.server, &host_config(&format!("ssh_allowed_sources = [\"{subnet}\"]")));
    assert_eq!(finding_keys(&report), Vec::<String>::new(), "{stderr}\n{report:#}");
    assert_eq!(code, 0);
    let fw = facts(&report, "firewall")[0];
    assert_eq!(decision(fw, 22)["status"], "restricted");
    assert_eq!(decision(fw, 22)["verdict"], "drop");
    assert_eq!(decision(fw, 22)["sources"], serde_json::json!([client]));

    // The same rule when the policy authorises another network.
    let (_, report, _) = lab.scan_in(&lab.server, &host_config("ssh_allowed_sources = [\"192.0.2.0/24\"]"));
    assert_eq!(finding_keys(&report), vec!["firewall-ssh-open-to-world:22"]);
    let msg = report["findings"][0]["message"].as_str().unwrap();
    assert!(msg.contains(&client), "{msg}");

    // From the authorised client, 22 answers; expected there, so no finding.
    let (code, report, stderr) = lab.scan_in(&lab.client, &scan_config(&lab, "1-1024", "expect_open = [22]"));
    assert_eq!(code, 0, "{stderr}\n{report:#}");
    assert_eq!(open_ports(&scan_fact(&report)), vec![22, 443]);
    // Without expect_open, an open 22 is a finding.
    let (code, report, _) = lab.scan_in(&lab.client, &scan_config(&lab, "22,443", ""));
    assert_eq!(finding_keys(&report), vec!["firewall-port-exposed:22"]);
    assert_eq!(code, 1);
}

#[test]
fn jump_chain_and_named_set() {
    let mut lab = Lab::new();
    let client = lab.client_ip();
    lab.load(&format!(
        "table inet filter {{
  set admins {{ type ipv4_addr; flags interval; elements = {{ {client}, 198.51.100.0/24 }} }}
  chain services {{
    tcp dport {{ 80, 443 }} accept
    ip saddr @admins tcp dport 22 accept
    return
  }}
  chain input {{
    type filter hook input priority filter; policy drop;
    ct state established,related accept
    iif \"lo\" accept
    meta l4proto tcp jump services
    tcp dport 8080 accept
  }}
}}"
    ));
    lab.listen(&[22, 80, 8080, 9000]);
    let (code, report, stderr) = lab.scan_in(&lab.server, &host_config(""));
    assert_eq!(finding_keys(&report), vec!["firewall-port-allowed-not-in-policy:8080"], "{stderr}\n{report:#}");
    assert_eq!(code, 1);
    let fw = facts(&report, "firewall")[0];
    let http = decision(fw, 80);
    assert_eq!(http["status"], "open");
    assert_eq!(http["decided_by"]["chain"], "services");
    assert_eq!(http["path"][1], "jump services");
    let ssh = decision(fw, 22);
    assert_eq!(ssh["status"], "restricted");
    assert_eq!(ssh["sources"], serde_json::json!([format!("@admins ({client}, 198.51.100.0/24)")]));
    // 8080 returns from `services` and is accepted back in `input`.
    assert_eq!(decision(fw, 8080)["decided_by"]["chain"], "input");

    let (_, report, stderr) = lab.scan_in(&lab.client, &scan_config(&lab, "1-10000", "expect_open = [22, 8080]"));
    assert_eq!(finding_keys(&report), Vec::<String>::new(), "{stderr}");
    assert_eq!(open_ports(&scan_fact(&report)), vec![22, 80, 8080]);
}

#[test]
fn drop_is_filtered_and_reject_is_closed() {
    let mut lab = Lab::new();
    lab.load(
        "table inet filter {
  chain input {
    type filter hook input priority filter; policy accept;
    tcp dport 5000 drop
    tcp dport 5001 reject with tcp reset
    tcp dport 5002 reject
  }
}",
    );
    lab.listen(&[5000, 5001, 5002, 5003]);
    let (_, report, _) = lab.scan_in(&lab.server, &host_config(""));
    let fw = facts(&report, "firewall")[0];
    assert_eq!(decision(fw, 5000)["verdict"], "drop");
    assert_eq!(decision(fw, 5001)["verdict"], "reject");
    assert_eq!(decision(fw, 5002)["verdict"], "reject");
    assert_eq!(decision(fw, 5003)["verdict"], "accept");

    let (_, report, stderr) = lab.scan_in(&lab.client, &scan_config(&lab, "5000-5004", ""));
    let scan = scan_fact(&report);
    assert_eq!(open_ports(&scan), vec![5003], "{stderr}");
    assert_eq!(scan["filtered"], "5000");
    assert_eq!(scan["closed"], "5001-5002,5004");
}

#[test]
fn a_host_that_drops_everything_finishes_within_the_bound() {
    let lab = Lab::new();
    lab.load("table inet filter {\n  chain input {\n    type filter hook input priority filter; policy drop;\n  }\n}");
    let started = Instant::now();
    // 3000 ports, 1000 in flight, 300 ms each: three rounds.
    let config = format!(
        "[firewall]\n[[firewall.scan]]\nhost = \"{}\"\nports = \"1-3000\"\ntimeout_ms = 300\nconcurrency = 1000\n",
        lab.server_ip()
    );
    let (code, report, stderr) = lab.scan_in(&lab.client, &config);
    let took = started.elapsed();
    assert!(took < Duration::from_secs(5), "took {took:?}");
    assert_eq!(code, 2, "{stderr}");
    let scan = scan_fact(&report);
    assert_eq!(scan["filtered_count"], 3000);
    let error = &report["errors"][0];
    assert_eq!(error["kind"], "timeout", "{report:#}");
    assert_eq!(error["target"], lab.server_ip());
    assert!(error["message"].as_str().unwrap().contains("drops everything"), "{error}");
}

#[test]
fn reading_the_ruleset_without_permission_is_a_denied_error() {
    let lab = Lab::new();
    lab.load(&guide_ruleset(""));
    let dir = shared_dir();
    std::fs::write(dir.path().join("stackaudit.toml"), host_config("")).unwrap();
    let out = lab.run_in(
        &lab.server,
        dir.path(),
        &["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all"],
        &[],
    );
    let (code, report, stderr) = parse(out);
    assert_eq!(code, 2, "{stderr}");
    let error = &report["errors"][0];
    assert_eq!(error["kind"], "denied", "{report:#}");
    assert_eq!(error["target"], "nft -j list ruleset");
    assert!(error["message"].as_str().unwrap().contains("CAP_NET_ADMIN"), "{error}");
}

#[test]
fn missing_nft_and_iptables_is_an_unsupported_error() {
    let dir = shared_dir();
    std::fs::write(dir.path().join("stackaudit.toml"), host_config("")).unwrap();
    // An empty PATH: neither tool can be found. No namespace needed, the
    // scan fails before reading anything.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_stackaudit"))
        .args(["scan", "--format", "json", "-c"])
        .arg(dir.path().join("stackaudit.toml"))
        .arg(dir.path().join("empty"))
        .env("PATH", dir.path().join("empty"))
        .env("NO_COLOR", "1")
        .env("STACKAUDIT_FINGERPRINT_KEY", "test-key")
        .output()
        .unwrap();
    let (code, report, stderr) = parse(out);
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(report["errors"][0]["kind"], "unsupported", "{report:#}");
    assert!(report["errors"][0]["message"].as_str().unwrap().contains("neither `nft`"));
}

/// Saved rulesets need no namespace: the CI-before-deploy case.
fn scan_file(file: &std::path::Path, policy: &str) -> (i32, serde_json::Value, String) {
    let dir = shared_dir();
    std::fs::write(
        dir.path().join("stackaudit.toml"),
        format!("[firewall]\nruleset_file = {:?}\n\n[policy]\n{policy}\n", file.display().to_string()),
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_stackaudit"))
        .args(["scan", "--format", "json", "-c"])
        .arg(dir.path().join("stackaudit.toml"))
        .arg(dir.path().join("empty"))
        .env("NO_COLOR", "1")
        .env("STACKAUDIT_FINGERPRINT_KEY", "test-key")
        .output()
        .unwrap();
    parse(out)
}

#[test]
fn saved_docker_iptables_ruleset_shows_the_bypass() {
    let (code, report, stderr) = scan_file(&fixture("docker-iptables.rules"), "");
    assert_eq!(
        finding_keys(&report),
        vec!["firewall-docker-bypass:6379", "firewall-ssh-open-to-world:22"],
        "{stderr}\n{report:#}"
    );
    assert_eq!(code, 1);
    let fw = facts(&report, "firewall")[0];
    assert_eq!(fw["backend"], "iptables");
    assert_eq!(fw["default_inbound"]["verdict"], "drop");
    let published: Vec<i64> = fw["published"].as_array().unwrap().iter().map(|p| p["port"].as_i64().unwrap()).collect();
    // 3000 is published on 127.0.0.1 only.
    assert_eq!(published, vec![443, 6379]);
    // The finding points at the DNAT rule's line.
    let bypass =
        report["findings"].as_array().unwrap().iter().find(|f| f["rule_id"] == "firewall-docker-bypass").unwrap();
    assert_eq!(bypass["location"]["line"], 43, "{bypass:#}");
}

#[test]
fn malformed_saved_rulesets_are_errors_naming_the_line() {
    let (code, report, _) = scan_file(&fixture("malformed.json"), "");
    assert_eq!(code, 2);
    let error = &report["errors"][0];
    assert_eq!(error["kind"], "malformed", "{report:#}");
    assert_eq!(error["location"]["line"], 3, "{error}");

    let (code, report, _) = scan_file(&fixture("malformed-iptables.rules"), "");
    assert_eq!(code, 2);
    let error = &report["errors"][0];
    assert_eq!(error["kind"], "malformed", "{report:#}");
    assert_eq!(error["location"]["line"], 5, "{error}");
    assert!(error["message"].as_str().unwrap().contains("--dport"), "{error}");
}

#[test]
fn saved_nft_json_with_verdict_maps_sets_and_two_tables() {
    // `nft -j list ruleset` output of a namespace loaded with vmap-sets.nft.
    let (code, report, stderr) = scan_file(&fixture("vmap-sets.json"), "ssh_allowed_sources = [\"198.51.100.0/24\"]");
    assert_eq!(
        finding_keys(&report),
        vec!["firewall-port-allowed-not-in-policy:9000", "firewall-ssh-open-to-world:22"],
        "{stderr}\n{report:#}"
    );
    assert_eq!(code, 1);
    let fw = facts(&report, "firewall")[0];
    assert_eq!(fw["default_inbound"]["verdict"], "drop");
    assert_eq!(decision(fw, 443)["status"], "open");
    let ssh = decision(fw, 22);
    assert_eq!(ssh["status"], "restricted");
    assert_eq!(ssh["verdict"], "reject");
    assert_eq!(ssh["sources"], serde_json::json!(["2001:db8::/32", "@admins (198.51.100.0/24)"]));
    assert_eq!(ssh["unauthorised_sources"], serde_json::json!(["2001:db8::/32"]));
    let range = decision(fw, 8050);
    assert_eq!((range["port"].as_i64(), range["port_end"].as_i64()), (Some(8000), Some(8100)));
    assert_eq!(range["verdict"], "drop");
    // The `ip legacy` table drops 9000 for IPv4 only; IPv6 is accepted.
    assert_eq!(decision(fw, 9000)["open_families"], serde_json::json!(["ipv6"]));
    assert!(fw["assumptions"].as_array().unwrap().iter().any(|a| a.as_str().unwrap().contains("limit")), "{fw:#}");
}
