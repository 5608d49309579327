//! The Kubernetes collector and rules: manifests in files and on standard
//! input, the same workload rules as compose, the Kubernetes-only checks,
//! and bad input.

mod support;

use std::io::Write;
use std::process::Stdio;

use serde_json::Value;

/// `(rule, subject, key, file, line)` of every finding, sorted.
fn findings(report: &Value, strip: &str) -> Vec<(String, String, String, String, u64)> {
    let mut v: Vec<_> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap().to_string(),
                f["subject"]["name"].as_str().unwrap().to_string(),
                f["key"].as_str().unwrap_or("-").to_string(),
                f["location"]["path"].as_str().unwrap_or("?").trim_start_matches(strip).to_string(),
                f["location"]["line"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    v.sort();
    v
}

fn expected(rows: &[(&str, &str, &str, &str, u64)]) -> Vec<(String, String, String, String, u64)> {
    let mut v: Vec<_> =
        rows.iter().map(|(r, s, k, p, l)| (r.to_string(), s.to_string(), k.to_string(), p.to_string(), *l)).collect();
    v.sort();
    v
}

fn facts<'a>(report: &'a Value, kind: &str) -> Vec<&'a Value> {
    report["facts"].as_array().unwrap().iter().filter(|f| f["kind"] == kind).collect()
}

fn fact<'a>(report: &'a Value, kind: &str, name: &str) -> &'a Value {
    facts(report, kind)
        .into_iter()
        .find(|f| f["subject"]["name"] == name)
        .unwrap_or_else(|| panic!("no {kind} fact for {name}"))
}

#[test]
fn the_guides_hardened_stack_is_clean() {
    let (code, report) = support::scan_json(&support::root(), &["tests/fixtures/kubernetes/guide"]);
    assert_eq!(findings(&report, ""), vec![]);
    assert_eq!(report["errors"], serde_json::json!([]));
    assert_eq!(code, 0);
    let app = &fact(&report, "workload", "Deployment/sprinovaa-app/app")["data"];
    assert_eq!(app["platform"], "kubernetes");
    assert_eq!(app["user"]["uid"], 1001, "runAsUser is inherited from the pod");
    assert_eq!(app["limits"]["memory_bytes"], 2_147_483_648i64);
    assert_eq!(app["limits"]["cpus"], 1.0);
    assert_eq!(app["security"]["seccomp"], "runtime/default");
    assert_eq!(app["healthcheck"]["source"], "probe");
    assert_eq!(app["environment"][1]["value"], "external");
    let deployment = &fact(&report, "kubernetes_object", "Deployment/sprinovaa-app")["data"];
    assert_eq!(deployment["autoscaled_by"], "HorizontalPodAutoscaler/sprinovaa-hpa");
    assert_eq!(deployment["service_account_token"]["source"], "service_account");
    assert_eq!(deployment["service_account_token"]["automounted"], false);
}

#[test]
fn weak_manifests_give_exactly_these_findings() {
    let (code, report) = support::scan_json(&support::root(), &["tests/fixtures/kubernetes/weak"]);
    let want = expected(&[
        ("image-unpinned-tag", "Deployment/web/web", "nginx", "workloads.yaml", 25),
        ("k8s-default-namespace", "Deployment/web", "namespace", "workloads.yaml", 5),
        ("k8s-deployment-low-replicas", "Deployment/web", "replicas", "workloads.yaml", 2),
        ("k8s-hpa-min-replicas-low", "HorizontalPodAutoscaler/web", "minReplicas", "workloads.yaml", 86),
        ("k8s-secret-in-manifest", "Secret/redis-credentials", "password", "workloads.yaml", 80),
        (
            "k8s-service-account-token-automounted",
            "Deployment/web",
            "automountServiceAccountToken",
            "workloads.yaml",
            2,
        ),
        ("workload-apparmor-unconfined", "Deployment/web/web", "-", "workloads.yaml", 13),
        ("workload-capabilities-not-dropped", "Deployment/web/migrate", "-", "workloads.yaml", 22),
        ("workload-dangerous-capability-added", "Deployment/web/web", "SYS_ADMIN", "workloads.yaml", 29),
        ("workload-docker-socket-mounted", "Deployment/web/web", "/var/run/docker.sock", "workloads.yaml", 36),
        ("workload-host-namespace", "Deployment/web/migrate", "network", "workloads.yaml", 15),
        ("workload-host-namespace", "Deployment/web/web", "network", "workloads.yaml", 15),
        ("workload-internal-port-published", "StatefulSet/redis/redis", "6379/tcp", "list.json", 21),
        ("workload-new-privileges-allowed", "Deployment/web/migrate", "-", "workloads.yaml", 22),
        ("workload-new-privileges-allowed", "Deployment/web/web", "-", "workloads.yaml", 27),
        ("workload-no-cpu-limit", "Deployment/web/migrate", "-", "workloads.yaml", 19),
        ("workload-no-cpu-limit", "Deployment/web/web", "-", "workloads.yaml", 24),
        ("workload-no-healthcheck", "Deployment/web/web", "-", "workloads.yaml", 24),
        ("workload-no-memory-limit", "Deployment/web/migrate", "-", "workloads.yaml", 19),
        ("workload-no-memory-limit", "Deployment/web/web", "-", "workloads.yaml", 24),
        ("workload-port-published-all-interfaces", "Deployment/web/web", "443/tcp", "workloads.yaml", 31),
        ("workload-port-published-all-interfaces", "StatefulSet/redis/redis", "6379/tcp", "list.json", 21),
        ("workload-privileged", "Deployment/web/web", "-", "workloads.yaml", 27),
        ("workload-runs-as-root", "Deployment/web/migrate", "user", "workloads.yaml", 22),
        ("workload-seccomp-unconfined", "Deployment/web/migrate", "-", "workloads.yaml", 19),
        ("workload-seccomp-unconfined", "Deployment/web/web", "-", "workloads.yaml", 24),
        ("secret-generic-token", "Deployment/web", "API_TOKEN", "workloads.yaml", 34),
        ("workload-sensitive-host-mount", "Deployment/web/web", "/host/etc", "workloads.yaml", 38),
        ("workload-writable-rootfs", "Deployment/web/migrate", "-", "workloads.yaml", 22),
        ("workload-writable-rootfs", "Deployment/web/web", "-", "workloads.yaml", 27),
    ]);
    assert_eq!(findings(&report, "tests/fixtures/kubernetes/weak/"), want);
    assert_eq!(report["errors"], serde_json::json!([]));
    assert_eq!(code, 1);

    // A CronJob (pod template under jobTemplate) that does everything right
    // is read and stays quiet: no health-check finding for a job.
    let backup = &fact(&report, "workload", "CronJob/backup/backup")["data"];
    assert_eq!(backup["run_to_completion"], true);
    assert_eq!(backup["limits"]["memory_bytes"], 512_000_000);
    assert_eq!(backup["limits"]["cpus"], 0.25);
    // The init container says so in its subject's labels.
    let migrate = fact(&report, "workload", "Deployment/web/migrate");
    assert_eq!(migrate["subject"]["labels"]["container_type"], "init");
    assert_eq!(migrate["subject"]["labels"]["namespace"], "default");
    // Secrets are masked everywhere in the report.
    let text = report.to_string();
    for secret in ["s3cr3t-Redis-Pa55word", "9fQ2xK7LmZp4Rt8W", "redis-admin", "cmVkaXMtYWRtaW4="] {
        assert!(!text.contains(secret), "{secret} leaked into the report");
    }
    let root = report["findings"].as_array().unwrap().iter().find(|f| f["rule_id"] == "workload-runs-as-root").unwrap();
    assert_eq!(root["evidence"], "user: 0");
}

#[test]
fn an_image_user_the_manifest_cannot_see_is_said_so() {
    let (_, report) = support::scan_json(&support::root(), &["tests/fixtures/kubernetes/bad/broken.yaml"]);
    let root = report["findings"].as_array().unwrap().iter().find(|f| f["rule_id"] == "workload-runs-as-root").unwrap();
    assert!(root["evidence"].as_str().unwrap().contains("runs as its image's user"), "{root}");
}

#[test]
fn bad_manifests_are_errors_with_file_and_line_and_the_rest_completes() {
    let (code, report) = support::scan_json(&support::root(), &["tests/fixtures/kubernetes/bad"]);
    assert_eq!(code, 2);
    let mut errors: Vec<(u64, String)> = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            assert_eq!(e["source"], "kubernetes");
            assert_eq!(e["location"]["path"], "tests/fixtures/kubernetes/bad/broken.yaml");
            (e["location"]["line"].as_u64().unwrap(), e["message"].as_str().unwrap().to_string())
        })
        .collect();
    errors.sort();
    assert_eq!(errors.len(), 3, "{errors:#?}");
    assert_eq!(errors[0].0, 14);
    assert!(errors[0].1.starts_with("unknown kind \"Deploymnet\""), "{}", errors[0].1);
    assert_eq!(errors[1], (19, "Deployment/no-template has no spec.template".to_string()));
    assert_eq!(errors[2].0, 31);
    assert!(errors[2].1.starts_with("invalid YAML"), "{}", errors[2].1);
    // The good document of the same file is audited; the workflow and the
    // compose file are not manifests: the Kubernetes collector leaves them
    // alone (the compose file is the compose collector's).
    assert!(facts(&report, "workload").iter().any(|f| f["subject"]["name"] == "Deployment/fine/app"));
    let kubernetes_paths: Vec<&str> = facts(&report, "workload")
        .iter()
        .filter(|f| f["data"]["platform"] == "kubernetes")
        .map(|f| f["origin"]["path"].as_str().unwrap())
        .collect();
    assert!(!kubernetes_paths.is_empty());
    assert!(kubernetes_paths.iter().all(|p| *p == "tests/fixtures/kubernetes/bad/broken.yaml"), "{kubernetes_paths:?}");
    assert!(report["findings"].as_array().unwrap().iter().all(|f| f["location"]["path"]
        .as_str()
        .is_some_and(|p| p.ends_with("broken.yaml") || p.ends_with("docker-compose.yml"))));
}

#[test]
fn helm_template_output_is_read_from_stdin() {
    let rendered = std::fs::read(support::fixture("kubernetes/helm/rendered.yaml")).unwrap();
    let mut child = support::bin()
        .args(["scan", "--format", "json", "-"])
        .current_dir(support::root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&rendered).unwrap();
    let out = child.wait_with_output().unwrap();
    let report: Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", support::stderr(&out)));
    assert_eq!(
        findings(&report, ""),
        expected(&[("k8s-deployment-low-replicas", "Deployment/release-sprinovaa", "replicas", "<stdin>", 16)])
    );
    let finding = &report["findings"][0];
    assert_eq!(finding["subject"]["labels"]["helm_source"], "sprinovaa/templates/deployment.yaml");
    assert_eq!(finding["subject"]["scope"], "<stdin>");
    assert_eq!(out.status.code(), Some(0), "medium findings do not fail the default gate");
}

#[test]
fn empty_stdin_is_an_error_not_a_clean_scan() {
    let out = support::bin()
        .args(["scan", "--format", "json", "-"])
        .current_dir(support::root())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["errors"][0]["target"], "<stdin>");
    assert!(report["errors"][0]["message"].as_str().unwrap().contains("empty"));
}

#[test]
fn unrendered_helm_templates_are_skipped_not_errors() {
    let dir = tempfile::tempdir().unwrap();
    let templates = dir.path().join("chart/templates");
    std::fs::create_dir_all(&templates).unwrap();
    std::fs::write(
        templates.join("deployment.yaml"),
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ include \"chart.fullname\" . }}\n",
    )
    .unwrap();
    let (code, report) = support::scan_json(dir.path(), &["."]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["skipped"][0]["path"], "chart/templates/deployment.yaml");
    assert!(report["skipped"][0]["reason"].as_str().unwrap().contains("helm template"));
}
