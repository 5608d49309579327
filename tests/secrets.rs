//! The leaked-secrets scanner end to end: planted secrets in every structured
//! format are found with rule, path, line and key, each exactly once, by the
//! producer that owns its location; references, names, placeholders,
//! comments and translation catalogues are not; inline suppression, binary
//! and over-size files; stable identities across machines and old
//! baselines; and no report format or log line ever contains a raw secret.

// A test crate: a panic here fails a test, it cannot crash a scan.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::string_slice,
    clippy::indexing_slicing,
    clippy::unreachable
)]

mod secrets_support;
mod support;

use std::collections::BTreeSet;
use std::path::Path;

use secrets_support::{plant_precision, plant_stack, write, Expected, Gen, ALNUM};
use support::{bin, fixture, scan_json, stderr, stdout};

/// Rules whose findings are secrets: the pattern rules and the context
/// rules that report a secret found in a Dockerfile, a Kubernetes Secret or
/// a running container.
fn is_secret_rule(rule: &str) -> bool {
    rule.starts_with("secret-")
        || matches!(rule, "dockerfile-secret-in-build" | "k8s-secret-in-manifest" | "workload-secret-in-environment")
}

fn secret_findings(report: &serde_json::Value) -> Vec<&serde_json::Value> {
    report["findings"]
        .as_array()
        .expect("findings array")
        .iter()
        .filter(|f| f["rule_id"].as_str().is_some_and(is_secret_rule))
        .collect()
}

fn text(v: &serde_json::Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

/// `(rule, path, key)` of the secret findings.
fn triples(report: &serde_json::Value) -> BTreeSet<(String, String, String)> {
    secret_findings(report)
        .iter()
        .map(|f| (text(&f["rule_id"]), text(&f["location"]["path"]), text(&f["key"])))
        .collect()
}

/// Every secret finding as an `Expected`, in order.
fn reported(report: &serde_json::Value) -> Vec<Expected> {
    let mut v: Vec<Expected> = secret_findings(report)
        .iter()
        .map(|f| Expected {
            rule: text(&f["rule_id"]),
            file: text(&f["location"]["path"]),
            line: f["location"]["line"].as_u64().unwrap_or(0),
            key: text(&f["key"]),
            severity: text(&f["severity"]),
        })
        .collect();
    v.sort();
    v
}

#[test]
fn rules_self_test_passes_and_there_are_at_least_40_secret_rules() {
    let out = bin().args(["rules", "test"]).output().expect("runs");
    assert!(out.status.success(), "rules test failed:\n{}\n{}", stdout(&out), stderr(&out));
    let list = bin().args(["rules", "list"]).output().expect("runs");
    let secret_rules = stdout(&list).lines().filter(|l| l.starts_with("secret-") && l.contains(" secret ")).count();
    assert!(secret_rules >= 40, "only {secret_rules} secret rules:\n{}", stdout(&list));
    for id in [
        "secret-google-api-key",
        "secret-aws-access-key",
        "secret-private-key",
        "secret-github-token",
        "secret-database-url",
        "secret-redis-password",
        "secret-generic-password",
        "secret-slack-token",
        "secret-stripe-key",
        "secret-jwt",
        "secret-pgpass-password",
        "secret-netrc-password",
        "secret-webhook-secret",
        "secret-env-fallback",
        "secret-maxmind-license-key",
        "secret-ldap-password",
    ] {
        assert!(stdout(&list).lines().any(|l| l.starts_with(&format!("{id} "))), "missing {id}");
    }
}

#[test]
fn finds_every_planted_secret_with_path_line_and_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let planted = plant_stack(dir.path(), 7);
    let (_code, report) = scan_json(dir.path(), &["."]);
    let found = triples(&report);
    for p in &planted {
        assert!(
            found.iter().any(|(rule, path, _)| rule == p.rule && path == p.file),
            "{} in {} not found; found: {found:#?}",
            p.rule,
            p.file
        );
    }
    // Keys come from the structure of each format.
    for (rule, path, key) in [
        ("secret-aws-access-key", ".env", "AWS_ACCESS_KEY_ID"),
        ("secret-google-api-key", ".env", "GOOGLE_GENAI_API_KEY"),
        ("secret-github-token", "docker-compose.yml", "GITHUB_TOKEN"),
        ("secret-database-url", "docker-compose.yml", "DATABASE_URL"),
        ("dockerfile-secret-in-build", "Dockerfile", "SENDGRID_API_KEY"),
        ("dockerfile-secret-in-build", "Dockerfile", "NPM_TOKEN"),
        ("secret-authorization-header", "nginx/app.conf", "Authorization"),
        ("secret-generic-token", "k8s/secret.yaml", "SESSION_SECRET"),
        ("secret-gitlab-token", "config/app.ini", "gitlab_token"),
        // Decoded from a Secret's base64 `data`.
        ("k8s-secret-in-manifest", "k8s/secret.yaml", "STRIPE_KEY"),
    ] {
        assert!(found.contains(&(rule.into(), path.into(), key.into())), "{rule} {path} {key}: {found:#?}");
    }
    // Line and column point at the secret; the preview shows only the
    // public prefix of a typed token.
    let aws =
        secret_findings(&report).into_iter().find(|f| f["rule_id"] == "secret-aws-access-key").expect("aws finding");
    assert_eq!(aws["location"]["line"], 2);
    assert_eq!(aws["location"]["column"], 19);
    assert!(text(&aws["evidence"]).starts_with("AKIA… (20 chars) fingerprint bk:"), "{aws}");
    // A specific rule beats the generic one on the same value, and the
    // scan reports nothing that was not planted.
    assert_eq!(secret_findings(&report).len(), planted.len(), "{found:#?}");
}

/// Every case the precision work is about, in real-shaped files: each
/// planted credential is reported exactly once, by the expected rule, at its
/// line, under its key, at the severity of what it is; and nothing else.
#[test]
fn every_credential_is_reported_once_and_nothing_else() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut expected = plant_precision(dir.path(), 13);
    expected.sort();
    let (_code, report) = scan_json(dir.path(), &["."]);
    assert_eq!(report["errors"], serde_json::json!([]));
    assert_eq!(reported(&report), expected);
    // The secrets of declared workloads are reported where they are
    // written, not a second time on the workload.
    assert!(report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .all(|f| f["rule_id"] != "workload-secret-in-environment"));
}

#[test]
fn references_names_placeholders_and_comments_are_not_credentials() {
    for set in ["secrets/negatives", "secrets/not-credentials"] {
        let (_code, report) = scan_json(&fixture(set), &["."]);
        assert_eq!(reported(&report), vec![], "false findings in {set}");
        assert_eq!(report["errors"], serde_json::json!([]), "{set}");
    }
}

/// Translation catalogues in several languages and formats, under the
/// folders projects keep them in, and the same catalogues under neutral
/// names: their values are prose, whatever the keys are called.
#[test]
fn translation_catalogues_are_not_credentials() {
    let (_code, report) = scan_json(&fixture("secrets/locales"), &["."]);
    assert_eq!(reported(&report), vec![]);
    let dir = tempfile::tempdir().expect("tempdir");
    let mut copied = 0;
    for entry in walk(&fixture("secrets/locales")) {
        let ext = entry.extension().and_then(|e| e.to_str()).unwrap_or("txt");
        let name = format!("settings/config{copied}.{ext}");
        write(dir.path(), &name, &std::fs::read_to_string(&entry).expect("catalogue"));
        copied += 1;
    }
    assert!(copied >= 7, "catalogues copied: {copied}");
    let (_code, report) = scan_json(dir.path(), &["."]);
    assert_eq!(reported(&report), vec![], "judged by the values' shape, not only by the path");
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out.sort();
    out
}

/// Private keys as the real tools write them: OpenSSL (PKCS#1, PKCS#8, SEC1,
/// Ed25519, DSA, encrypted PKCS#8, legacy encrypted PEM), OpenSSH and GnuPG.
/// A certificate next to them is public.
#[test]
fn real_private_keys_in_every_format_are_found() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let sh = |cmd: &str| {
        let out = std::process::Command::new("sh").arg("-c").arg(cmd).current_dir(d).output().expect("sh runs");
        assert!(out.status.success(), "{cmd}: {}", String::from_utf8_lossy(&out.stderr));
    };
    sh("openssl genrsa -traditional -out rsa.key 2048");
    sh("openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out pkcs8.key");
    sh("openssl ecparam -name prime256v1 -genkey -out ec.key");
    sh("openssl genpkey -algorithm ed25519 -out ed25519.key");
    sh("openssl genpkey -genparam -algorithm DSA -pkeyopt dsa_paramgen_bits:1024 -out dsa.params && openssl genpkey -paramfile dsa.params -out dsa.key && rm dsa.params");
    sh("openssl pkcs8 -topk8 -v2 aes256 -in pkcs8.key -passout pass:test -out encrypted.key");
    sh("openssl genrsa -aes128 -traditional -passout pass:test -out legacy-encrypted.key 2048");
    sh("ssh-keygen -q -t ed25519 -N '' -C deploy -f id_ed25519 && rm id_ed25519.pub");
    sh("export GNUPGHOME=$(mktemp -d) && gpg --batch --quiet --passphrase '' --quick-gen-key 'ci <ci@example.org>' ed25519 sign never \
        && gpg --batch --armor --export-secret-keys > signing.asc && rm -rf \"$GNUPGHOME\"");
    sh("openssl req -x509 -newkey rsa:2048 -nodes -keyout /dev/null -subj /CN=shop.example.org -days 1 -out server.crt");
    let (_code, report) = scan_json(d, &["."]);
    let mut files: Vec<String> = secret_findings(&report)
        .iter()
        .inspect(|f| assert_eq!(f["rule_id"], "secret-private-key", "{f}"))
        .inspect(|f| assert_eq!(f["severity"], "critical"))
        .map(|f| text(&f["location"]["path"]))
        .collect();
    files.sort();
    assert_eq!(
        files,
        [
            "dsa.key",
            "ec.key",
            "ed25519.key",
            "encrypted.key",
            "id_ed25519",
            "legacy-encrypted.key",
            "pkcs8.key",
            "rsa.key",
            "signing.asc"
        ]
    );
}

/// A kubeconfig embeds the client's private key as base64 text
/// (`client-key-data`), which no pattern sees until it is decoded; the
/// certificates beside it are public.
#[test]
fn a_kubeconfigs_embedded_client_key_is_found_and_its_certificates_are_not() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let sh = |cmd: &str| {
        let out = std::process::Command::new("sh").arg("-c").arg(cmd).current_dir(d).output().expect("sh runs");
        assert!(out.status.success(), "{cmd}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    let key = sh("openssl ecparam -name prime256v1 -genkey -noout | base64 -w0");
    let cert = sh("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout /dev/null -subj /CN=ci -days 1 | base64 -w0");
    write(
        d,
        "clusters/staging/kubeconfig.yaml",
        &format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: staging\n  cluster:\n    server: https://10.0.0.1:6443\n    certificate-authority-data: {cert}\ncontexts:\n- name: ci@staging\n  context:\n    cluster: staging\n    user: ci\ncurrent-context: ci@staging\nusers:\n- name: ci\n  user:\n    client-certificate-data: {cert}\n    client-key-data: {key}\n"
        ),
    );
    let (_code, report) = scan_json(d, &["."]);
    let found: Vec<(String, u64)> = secret_findings(&report)
        .iter()
        .map(|f| (text(&f["rule_id"]), f["location"]["line"].as_u64().unwrap_or(0)))
        .collect();
    assert_eq!(found, vec![("secret-private-key".to_string(), 18)]);
    assert!(!report.to_string().contains(&key[..40]), "the key's text is never shown");
}

/// One producer per location: the file scan owns every value written in a
/// file; a value in a compose environment, a Dockerfile ENV or a
/// Kubernetes Secret is one finding, and the context rules say where it is.
#[test]
fn one_finding_per_secret_whoever_could_see_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut g = Gen::new(21);
    let token = format!("ghp_{}", g.s(ALNUM, 36));
    write(
        dir.path(),
        "docker-compose.yml",
        &format!("services:\n  ci:\n    image: alpine:3.20\n    environment:\n      GH_TOKEN: {token}\n"),
    );
    write(
        dir.path(),
        "Dockerfile",
        &format!("FROM alpine:3.20\nENV GH_TOKEN={token}x\nUSER app\nHEALTHCHECK CMD true\n"),
    );
    write(
        dir.path(),
        "k8s/secret.yaml",
        &format!(
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: ci\ndata:\n  GH_TOKEN: {}\n",
            secrets_support::b64(&format!("{token}y"))
        ),
    );
    let (_code, report) = scan_json(dir.path(), &["."]);
    let mut got: Vec<(String, String, String)> = secret_findings(&report)
        .iter()
        .map(|f| (text(&f["rule_id"]), text(&f["location"]["path"]), text(&f["severity"])))
        .collect();
    got.sort();
    assert_eq!(
        got,
        [
            ("dockerfile-secret-in-build".into(), "Dockerfile".into(), "critical".into()),
            ("k8s-secret-in-manifest".into(), "k8s/secret.yaml".into(), "critical".into()),
            ("secret-github-token".into(), "docker-compose.yml".into(), "critical".into()),
        ]
    );
    // The Kubernetes finding names the object and what the value is.
    let k8s = secret_findings(&report).into_iter().find(|f| f["rule_id"] == "k8s-secret-in-manifest").expect("k8s");
    assert_eq!(k8s["subject"]["name"], "Secret/ci");
    assert!(text(&k8s["evidence"]).starts_with("data.GH_TOKEN: secret-github-token ghp_… (41 chars)"), "{k8s}");
}

#[test]
fn same_value_in_one_file_is_one_finding() {
    let dir = tempfile::tempdir().expect("tempdir");
    let token = format!("ghp_{}", Gen::new(3).s(ALNUM, 36));
    write(dir.path(), "ci.env", &format!("GITHUB_TOKEN={token}\nGH_TOKEN={token}\n"));
    write(dir.path(), "other.env", &format!("GITHUB_TOKEN={token}\n"));
    let (_code, report) = scan_json(dir.path(), &["."]);
    let paths: Vec<&str> = secret_findings(&report).iter().filter_map(|f| f["location"]["path"].as_str()).collect();
    assert_eq!(paths, vec!["ci.env", "other.env"], "{report:#}");
}

#[test]
fn inline_comment_suppresses_all_or_the_named_rules() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut g = Gen::new(11);
    let (a, b, c) = (g.s(ALNUM, 36), g.s(ALNUM, 36), g.s(ALNUM, 36));
    write(
        dir.path(),
        "tokens.sh",
        &format!(
            "export A=ghp_{a} # stackaudit:ignore\nexport B=ghp_{b} # stackaudit:ignore[secret-github-token]\n\
             export C=ghp_{c} # stackaudit:ignore[secret-jwt]\n"
        ),
    );
    // A marker naming the secret's own rule also holds when a context rule
    // reports it.
    let d = g.s(ALNUM, 36);
    write(
        dir.path(),
        "Dockerfile",
        &format!("FROM alpine:3.20\nARG D=ghp_{d} # stackaudit:ignore[secret-github-token]\n"),
    );
    let (code, report) = scan_json(dir.path(), &["."]);
    let mut by_key: Vec<(String, bool)> = secret_findings(&report)
        .iter()
        .map(|f| (text(&f["key"]), f["suppressed"].as_bool().unwrap_or(false)))
        .collect();
    by_key.sort();
    assert_eq!(
        by_key,
        vec![("A".into(), true), ("B".into(), true), ("C".into(), false), ("D".into(), true)],
        "{report:#}"
    );
    let c = secret_findings(&report).into_iter().find(|f| f["key"] == "A").expect("A");
    assert_eq!(c["suppression"]["source"], "tokens.sh:1:10");
    assert_eq!(code, 1, "the unsuppressed token fails the gate");
}

/// IDs come from rule, place and key, not from the per-machine key: two
/// fresh CI runners (no key configured, a new home each) give the same IDs
/// while the keyed fingerprints differ.
#[test]
fn finding_ids_are_the_same_on_every_machine() {
    let dir = tempfile::tempdir().expect("tempdir");
    plant_stack(dir.path(), 5);
    let run = |home: &Path| {
        let out = bin()
            .current_dir(dir.path())
            .env_remove("STACKAUDIT_FINGERPRINT_KEY")
            .env_remove("XDG_CONFIG_HOME")
            .env("HOME", home)
            .args(["scan", ".", "--format", "json"])
            .output()
            .expect("scan runs");
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        let mut ids: Vec<(String, String, String)> = secret_findings(&report)
            .iter()
            .map(|f| (text(&f["id"]), text(&f["rule_id"]), text(&f["evidence"])))
            .collect();
        ids.sort();
        ids
    };
    let (a, b) = (tempfile::tempdir().expect("home"), tempfile::tempdir().expect("home"));
    let (first, second) = (run(a.path()), run(b.path()));
    assert!(first.len() > 10);
    let ids = |v: &[(String, String, String)]| v.iter().map(|x| (x.0.clone(), x.1.clone())).collect::<Vec<_>>();
    assert_eq!(ids(&first), ids(&second), "same IDs on both machines");
    let fingerprints = |v: &[(String, String, String)]| v.iter().map(|x| x.2.clone()).collect::<BTreeSet<_>>();
    assert!(fingerprints(&first).is_disjoint(&fingerprints(&second)), "each machine has its own key");
    // Each machine stored its key.
    assert!(a.path().join(".config/stackaudit/fingerprint.key").is_file());
}

/// A key that cannot be stored is said in the report.
#[test]
fn a_key_that_cannot_be_stored_is_a_notice() {
    let dir = tempfile::tempdir().expect("tempdir");
    plant_stack(dir.path(), 6);
    write(dir.path(), "not-a-folder", "a file where the config folder would go\n");
    let out = bin()
        .current_dir(dir.path())
        .env_remove("STACKAUDIT_FINGERPRINT_KEY")
        .env_remove("XDG_CONFIG_HOME")
        .env("HOME", dir.path().join("not-a-folder"))
        .args(["scan", ".", "--format", "json"])
        .output()
        .expect("scan runs");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let notices: Vec<&serde_json::Value> = report["notices"]
        .as_array()
        .expect("notices")
        .iter()
        .filter(|n| n["kind"] == "fingerprint-key-ephemeral")
        .collect();
    assert_eq!(notices.len(), 1, "{:#}", report["notices"]);
    assert!(text(&notices[0]["message"]).contains("STACKAUDIT_FINGERPRINT_KEY"));
    // With the key set there is nothing to say.
    let (_code, report) = scan_json(dir.path(), &["."]);
    assert!(report["notices"].as_array().expect("notices").iter().all(|n| n["kind"] != "fingerprint-key-ephemeral"));
}

/// A baseline written by the previous version (committed as it wrote it,
/// with `STACKAUDIT_FINGERPRINT_KEY=legacy-test-key`, when secret IDs came
/// from the keyed value fingerprint and Dockerfile and Kubernetes secrets had
/// their own findings) still marks the same secrets as known.
#[test]
fn baselines_from_the_previous_id_scheme_still_match() {
    let dir = fixture("secrets/legacy");
    let scan = |extra: &[&str]| {
        let mut args = vec!["scan", ".", "--format", "json"];
        args.extend_from_slice(extra);
        let out = bin()
            .current_dir(&dir)
            .env("STACKAUDIT_FINGERPRINT_KEY", "legacy-test-key")
            .args(&args)
            .output()
            .expect("runs");
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        (out.status.code(), report)
    };
    let (code, report) = scan(&["--baseline", "../legacy-baseline.json"]);
    assert_eq!(report["errors"], serde_json::json!([]));
    let secrets = secret_findings(&report);
    assert_eq!(secrets.len(), 4, "{secrets:#?}");
    for f in &secrets {
        assert_eq!(f["baseline"], true, "{f}");
    }
    assert_eq!(code, Some(0), "only known findings");
    // The same through --fail-on-new with the old report as the previous one.
    let (code, report) = scan(&["--previous", "../legacy-baseline.json", "--fail-on-new"]);
    assert_eq!(code, Some(0), "{:#}", report["diff"]);
    let new = report["diff"]["new"].as_array().expect("new ids");
    assert!(secret_findings(&report).iter().all(|f| !new.contains(&f["id"])), "{:#}", report["diff"]);
}

#[test]
fn binary_oversize_and_gitignored_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut g = Gen::new(5);
    let token = format!("ghp_{}", g.s(ALNUM, 36));
    let mut binary = b"\x7fELF\0\0\0".to_vec();
    binary.extend_from_slice(format!("GITHUB_TOKEN={token}").as_bytes());
    std::fs::write(dir.path().join("app.bin"), binary).expect("write");
    write(dir.path(), "big.txt", &format!("{}\nGITHUB_TOKEN={token}\n", "x".repeat(3000)));
    write(dir.path(), ".gitignore", "ignored.env\n");
    write(dir.path(), "ignored.env", &format!("GITHUB_TOKEN={token}\n"));
    write(dir.path(), "stackaudit.toml", "[secrets]\nmax_file_bytes = 2048\n");
    let (_code, report) = scan_json(dir.path(), &["."]);
    assert!(secret_findings(&report).is_empty(), "{report:#}");
    let skipped: Vec<(String, String)> =
        report["skipped"].as_array().expect("skipped").iter().map(|s| (text(&s["path"]), text(&s["reason"]))).collect();
    assert!(skipped.iter().any(|(p, r)| p == "app.bin" && r.contains("binary")), "{skipped:?}");
    assert!(skipped.iter().any(|(p, r)| p == "big.txt" && r.contains("max_file_bytes")), "{skipped:?}");
    assert!(!skipped.iter().any(|(p, _)| p == "ignored.env"), "{skipped:?}");
}

/// A dump full of secrets (a database export, a generated bundle) reports
/// its first thousand and says so, rather than exhausting memory.
#[test]
fn a_file_full_of_secrets_reports_the_first_thousand() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut g = Gen::new(17);
    let dump: String = (0..1500).map(|i| format!("TOKEN_{i}=ghp_{}\n", g.s(ALNUM, 36))).collect();
    write(dir.path(), "dump.env", &dump);
    let (_code, report) = scan_json(dir.path(), &["."]);
    let found = secret_findings(&report);
    assert_eq!(found.len(), 1000);
    assert_eq!(found.iter().map(|f| f["location"]["line"].as_u64().unwrap_or(0)).max(), Some(1000), "the first ones");
    let skipped = report["skipped"].as_array().expect("skipped");
    assert!(
        skipped.iter().any(|s| s["path"] == "dump.env" && text(&s["reason"]).contains("1500 secrets")),
        "{skipped:?}"
    );
}

/// Every report format, written with debug logging, must not contain any
/// planted value, nor any 8-character window of one beyond the public prefix
/// of its token format.
#[test]
fn no_secret_value_is_ever_printed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let planted = plant_stack(dir.path(), 42);
    let out_dir = tempfile::tempdir().expect("tempdir");
    let mut outputs: Vec<(String, String)> = Vec::new();
    let out = bin()
        .current_dir(dir.path())
        .env("STACKAUDIT_LOG", "trace")
        .args(["-vv", "scan", ".", "--format", "json,html,sarif,junit,prom", "--output-dir"])
        .arg(out_dir.path())
        .output()
        .expect("scan runs");
    outputs.push(("stdout".into(), stdout(&out)));
    outputs.push(("stderr".into(), stderr(&out)));
    for entry in std::fs::read_dir(out_dir.path()).expect("report dir") {
        let path = entry.expect("entry").path();
        outputs.push((path.display().to_string(), std::fs::read_to_string(&path).expect("report is text")));
    }
    assert!(outputs.len() >= 6, "expected every report file: {:?}", outputs.iter().map(|o| &o.0).collect::<Vec<_>>());
    for format in ["table", "json", "sarif", "junit", "html"] {
        let out = bin()
            .current_dir(dir.path())
            .env("STACKAUDIT_LOG", "debug")
            .args(["-vv", "scan", ".", "--format", format])
            .output()
            .expect("scan runs");
        outputs.push((format!("{format} stdout"), stdout(&out)));
        outputs.push((format!("{format} stderr"), stderr(&out)));
    }
    // The JSON report must have found them, or this test proves nothing.
    let json = outputs.iter().find(|(n, _)| n.ends_with("stackaudit.json")).expect("json report");
    assert!(json.1.contains("secret-github-token"), "no secret findings in the report");
    for p in &planted {
        let raw = p.value.trim();
        let public = public_prefix(raw);
        let windows: Vec<&str> = (0..raw.len().saturating_sub(8))
            .step_by(4)
            .filter(|&i| i + 8 > public.len())
            .filter_map(|i| raw.get(i..i + 8))
            .collect();
        for (name, text) in &outputs {
            assert!(!text.contains(raw), "{} value of {} printed in {name}", p.rule, p.key);
            for w in &windows {
                if !w.contains('\n') && !is_common(w) {
                    assert!(!text.contains(w), "part of {} ({}) printed in {name}", p.rule, p.key);
                }
            }
        }
    }
}

/// The public prefixes a preview may show.
fn public_prefix(value: &str) -> &'static str {
    ["sk_live_", "rk_live_", "github_pat_", "pypi-", "glpat-", "xoxb-", "ghp_", "AKIA", "AIza", "npm_", "SG.", "eyJ"]
        .into_iter()
        .find(|p| value.starts_with(p))
        .unwrap_or("")
}

/// Windows that occur in report text for other reasons (the fixed prefix
/// of a token format shown in a rule's documentation).
fn is_common(window: &str) -> bool {
    window.starts_with("pypi-AgE")
        || window.starts_with("eyJhbGci")
        || window.contains("AgEIcHlw")
        || window.contains("cHlwaS5v")
}

/// A password shows nothing of itself: no characters, only its length.
#[test]
fn password_previews_show_only_the_length() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), ".env", "REDIS_PASSWORD=Zq8vN2rT5kLmQw4x\n");
    let (_code, report) = scan_json(dir.path(), &["."]);
    let f = secret_findings(&report).into_iter().next().expect("a finding");
    assert_eq!(f["rule_id"], "secret-generic-password");
    assert!(text(&f["evidence"]).starts_with("… (16 chars) fingerprint bk:"), "{f}");
    assert!(!text(&f["message"]).contains("Zq8v"));
}

/// "holds a aWS access key ID" was the old wording: every secret rule's
/// message uses the right article before a name written as the vendor
/// writes it.
#[test]
fn secret_rule_messages_read_as_english() {
    let rules = stackaudit::rules::RuleSet::builtin();
    for rule in rules.rules.iter().filter(|r| r.meta.id.starts_with("secret-")) {
        let m = &rule.meta.message;
        let words: Vec<&str> = m.split_whitespace().collect();
        for pair in words.windows(2) {
            let next = pair[1];
            // Initialisms read letter by letter: "an npm token", "an htpasswd file".
            let vowel = next.starts_with(['a', 'e', 'i', 'o', 'A', 'E', 'I', 'O'])
                || next.starts_with("npm")
                || next.starts_with("htpasswd");
            let upper = next.chars().next().is_some_and(char::is_uppercase);
            if pair[0] == "a" {
                assert!(!vowel, "{}: \"a {next}\" in {m:?}", rule.meta.id);
            }
            if pair[0] == "an" {
                assert!(vowel || upper, "{}: \"an {next}\" in {m:?}", rule.meta.id);
            }
            // `aWS`, `jSON`: a lower-cased first letter of an upper-case name.
            let mut chars = next.chars();
            let mangled = chars.next().is_some_and(char::is_lowercase) && chars.next().is_some_and(char::is_uppercase);
            assert!(!mangled, "{}: {next:?} in {m:?}", rule.meta.id);
        }
    }
}

#[test]
fn secrets_can_be_turned_off() {
    let dir = tempfile::tempdir().expect("tempdir");
    plant_stack(dir.path(), 9);
    write(dir.path(), "stackaudit.toml", "[secrets]\nenabled = false\n");
    let (_code, report) = scan_json(dir.path(), &["."]);
    assert!(secret_findings(&report).is_empty());
}
