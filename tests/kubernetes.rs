//! The Kubernetes collector and rules: manifests in files and on standard
//! input, the same workload rules as compose, the Kubernetes-only checks,
//! and bad input.

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
        ("workload-capabilities-not-dropped", "Deployment/web/migrate", "-", "workloads.yaml", 22),
        ("workload-docker-socket-mounted", "Deployment/web/web", "/var/run/docker.sock", "workloads.yaml", 36),
        ("workload-host-namespace", "Deployment/web/migrate", "network", "workloads.yaml", 15),
        ("workload-host-namespace", "Deployment/web/web", "network", "workloads.yaml", 15),
        ("workload-internal-port-published", "StatefulSet/redis/redis", "6379/tcp", "list.json", 21),
        ("workload-new-privileges-allowed", "Deployment/web/migrate", "-", "workloads.yaml", 22),
        ("workload-no-cpu-limit", "Deployment/web/migrate", "-", "workloads.yaml", 19),
        ("workload-no-cpu-limit", "Deployment/web/web", "-", "workloads.yaml", 24),
        ("workload-no-healthcheck", "Deployment/web/web", "-", "workloads.yaml", 24),
        ("workload-no-memory-limit", "Deployment/web/migrate", "-", "workloads.yaml", 19),
        ("workload-no-memory-limit", "Deployment/web/web", "-", "workloads.yaml", 24),
        ("workload-privileged", "Deployment/web/web", "-", "workloads.yaml", 27),
        ("workload-runs-as-root", "Deployment/web/migrate", "user", "workloads.yaml", 22),
        ("workload-seccomp-unconfined", "Deployment/web/migrate", "-", "workloads.yaml", 19),
        ("secret-generic-token", "Deployment/web", "API_TOKEN", "workloads.yaml", 34),
        ("workload-sensitive-host-mount", "Deployment/web/web", "/host/etc", "workloads.yaml", 38),
        ("workload-writable-rootfs", "Deployment/web/migrate", "-", "workloads.yaml", 22),
        ("workload-writable-rootfs", "Deployment/web/web", "-", "workloads.yaml", 27),
    ]);
    // The privileged web container is reported as privileged alone (not also
    // for AppArmor, seccomp, no-new-privileges or SYS_ADMIN); nginx's
    // hostPort 443 is the proxy's design; Redis's hostPort is one finding.
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
    // Unknown (low), not claimed as root, unless an engine has the image.
    let root =
        report["findings"].as_array().unwrap().iter().find(|f| f["rule_id"] == "workload-may-run-as-root").unwrap();
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

const KUSTOMIZE: &str = "tests/fixtures/kubernetes/kustomize/";

fn scan_kustomize() -> (i32, Value) {
    support::scan_json(&support::root(), &["tests/fixtures/kubernetes/kustomize"])
}

fn workload_in<'a>(report: &'a Value, name: &str, scope: &str) -> &'a Value {
    facts(report, "workload")
        .into_iter()
        .find(|f| f["subject"]["name"] == name && f["subject"]["scope"] == format!("{KUSTOMIZE}{scope}"))
        .unwrap_or_else(|| panic!("no workload {name} in {scope}"))
}

fn location(fact: &Value, field: &str) -> (String, u64) {
    let loc = &fact["locations"][field];
    (loc["path"].as_str().unwrap().trim_start_matches(KUSTOMIZE).to_string(), loc["line"].as_u64().unwrap())
}

#[test]
fn a_kustomize_tree_is_read_as_kustomize_builds_it() {
    let (code, report) = scan_kustomize();
    assert_eq!(report["errors"], serde_json::json!([]), "valid Kustomize input is never an error");
    assert_eq!(code, 1, "the privileged pods fail the gate");
    // Exactly the defects there are: the hardened base and the prod
    // overlay are clean; the debug overlay's patch adds a privileged
    // container with a host mount, reported at the patch's lines and once;
    // the legacy pod (a file with a byte-order mark) is read. Privileged
    // containers are reported as privileged alone for what that overrides
    // (seccomp, no-new-privileges): docs/policy.md.
    let want = expected(&[
        ("workload-privileged", "Deployment/web-debug/web", "-", "overlays/debug/debug-tools.yaml", 11),
        (
            "workload-sensitive-host-mount",
            "Deployment/web-debug/web",
            "/host/var/log",
            "overlays/debug/debug-tools.yaml",
            13,
        ),
        (
            "k8s-service-account-token-automounted",
            "Pod/node-debugger",
            "automountServiceAccountToken",
            "legacy/debug-pod.yaml",
            2,
        ),
        ("workload-host-namespace", "Pod/node-debugger/shell", "pid", "legacy/debug-pod.yaml", 6),
        ("workload-no-cpu-limit", "Pod/node-debugger/shell", "-", "legacy/debug-pod.yaml", 8),
        ("workload-no-healthcheck", "Pod/node-debugger/shell", "-", "legacy/debug-pod.yaml", 8),
        ("workload-no-memory-limit", "Pod/node-debugger/shell", "-", "legacy/debug-pod.yaml", 8),
        ("workload-privileged", "Pod/node-debugger/shell", "-", "legacy/debug-pod.yaml", 11),
        // Its image decides the user and no engine is asked: unknown, low.
        ("workload-may-run-as-root", "Pod/node-debugger/shell", "user", "legacy/debug-pod.yaml", 11),
        ("workload-writable-rootfs", "Pod/node-debugger/shell", "-", "legacy/debug-pod.yaml", 11),
    ]);
    let mut got = findings(&report, KUSTOMIZE);
    got.retain(|f| !f.0.starts_with("workload-hostpath")); // the hostPath-use rule is asserted below
    assert_eq!(got, want);

    // Patch files are applied, never audited as workloads of their own.
    for f in report["facts"].as_array().unwrap() {
        let scope = f["subject"]["scope"].as_str().unwrap_or("");
        assert!(!scope.ends_with("web-resources.yaml") && !scope.ends_with("debug-tools.yaml"), "{f}");
        assert!(!scope.ends_with("exporter-sidecar.yaml") && !scope.ends_with("json-patch.yaml"), "{f}");
    }

    // The prod overlay as deployed: the patch's memory limit, the
    // kustomization's image tag and namespace, each pointing at its line.
    let web = workload_in(&report, "Deployment/web/web", "overlays/prod/kustomization.yaml");
    assert_eq!(web["subject"]["labels"]["overlay"], format!("{KUSTOMIZE}overlays/prod/kustomization.yaml"));
    assert_eq!(web["subject"]["labels"]["namespace"], "shop-prod");
    assert_eq!(web["data"]["limits"]["memory_bytes"], 1_073_741_824i64);
    assert_eq!(web["data"]["limits"]["cpus"], 0.5, "the base's CPU limit stays");
    assert_eq!(location(web, "limits.memory"), ("overlays/prod/web-resources.yaml".to_string(), 12));
    assert_eq!(location(web, "limits.cpus"), ("base/web-deployment.yaml".to_string(), 39));
    assert_eq!(web["data"]["image"]["raw"], "ghcr.io/acme/shop-web:1.4.2");
    assert_eq!(location(web, "image"), ("overlays/prod/kustomization.yaml".to_string(), 10));
    // The JSON 6902 patch's replica count, at its operation's value.
    let deployment = facts(&report, "kubernetes_object")
        .into_iter()
        .find(|f| f["subject"]["name"] == "Deployment/web" && f["subject"]["labels"]["overlay"].is_string())
        .unwrap();
    assert_eq!(deployment["data"]["replicas"], 4);
    assert_eq!(location(deployment, "replicas"), ("overlays/prod/web-annotations.json-patch.yaml".to_string(), 7));
    // The component's sidecar joins the StatefulSet, merged by name.
    let exporter = workload_in(&report, "StatefulSet/redis/exporter", "overlays/prod/kustomization.yaml");
    assert_eq!(exporter["data"]["security"]["seccomp"], "runtime/default", "inherits the base pod's profile");
    assert_eq!(location(exporter, "limits.memory"), ("components/metrics/exporter-sidecar.yaml".to_string(), 22));
    // The base is audited as the base too.
    let base = workload_in(&report, "Deployment/web/web", "base/web-deployment.yaml");
    assert_eq!(base["data"]["limits"]["memory_bytes"], 268_435_456i64);

    // Claim templates, ephemeral and projected volumes are volumes.
    let redis = workload_in(&report, "StatefulSet/redis/redis", "base/redis-statefulset.yaml");
    let mounts: Vec<(String, String)> = redis["data"]["mounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["target"].as_str().unwrap().to_string(), m["kind"].as_str().unwrap().to_string()))
        .collect();
    assert_eq!(
        mounts,
        [
            ("/data".into(), "volume".into()),
            ("/scratch".into(), "volume".into()),
            ("/etc/redis".into(), "volume".into())
        ]
    );

    // What is not audited says why; nothing of it is an error.
    let skipped: Vec<(String, String)> = report["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["path"].as_str().unwrap().trim_start_matches(KUSTOMIZE).to_string(),
                s["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let has = |path: &str, text: &str| skipped.iter().any(|(p, r)| p == path && r.contains(text));
    assert!(has("overlays/prod/kustomization.yaml", "configMapGenerator not rendered"), "{skipped:#?}");
    assert!(has("cluster/kubeconfig.yaml", "kubeconfig"), "{skipped:#?}");
    assert!(has("cluster/kubelet-config.yaml", "KubeletConfiguration"), "{skipped:#?}");
    assert!(has("cluster/certificate.yaml", "custom resource (cert-manager.io/v1 Certificate)"), "{skipped:#?}");
    assert!(has("cluster/label-transformer.yaml", "Kustomize built-in plugin configuration"), "{skipped:#?}");
    // A ConfigMap without a name is audited for what it holds.
    assert!(facts(&report, "kubernetes_object").iter().any(|f| f["subject"]["name"] == "ConfigMap/(no name)"));
}

/// `kubectl kustomize` (Kustomize v5 inside kubectl) is the oracle for what
/// the prod overlay deploys, when it is installed.
#[test]
fn the_prod_overlay_matches_kubectl_kustomize() {
    let Ok(out) = std::process::Command::new("kubectl")
        .args(["kustomize", &format!("{KUSTOMIZE}overlays/prod")])
        .current_dir(support::root())
        .output()
    else {
        eprintln!("kubectl is not installed: the Kustomize oracle did not run");
        return;
    };
    assert!(out.status.success(), "{}", support::stderr(&out));
    let rendered = String::from_utf8(out.stdout).unwrap();
    let docs = stackaudit::collect::yaml::parse_documents(&rendered).unwrap();
    let (_, report) = scan_kustomize();
    for (kind, name, container) in
        [("Deployment", "web", "web"), ("StatefulSet", "redis", "redis"), ("StatefulSet", "redis", "exporter")]
    {
        let obj = docs
            .iter()
            .find(|d| {
                d.get("kind").and_then(|k| k.as_str()) == Some(kind)
                    && d.path(&["metadata", "name"]).and_then(|n| n.as_str()) == Some(name)
            })
            .unwrap_or_else(|| panic!("kubectl rendered no {kind}/{name}"));
        let c = obj
            .path(&["spec", "template", "spec", "containers"])
            .and_then(|c| c.as_seq())
            .unwrap()
            .iter()
            .find(|c| c.get("name").and_then(|n| n.as_str()) == Some(container))
            .unwrap();
        let fact = workload_in(&report, &format!("{kind}/{name}/{container}"), "overlays/prod/kustomization.yaml");
        assert_eq!(
            fact["data"]["image"]["raw"].as_str(),
            c.get("image").and_then(|i| i.as_str()),
            "{kind}/{name}/{container}"
        );
        assert_eq!(
            fact["subject"]["labels"]["namespace"].as_str(),
            obj.path(&["metadata", "namespace"]).and_then(|n| n.as_str())
        );
        let memory = c.path(&["resources", "limits", "memory"]).and_then(|m| m.as_str()).unwrap();
        let bytes = fact["data"]["limits"]["memory_bytes"].as_i64().unwrap();
        let want: i64 = match memory.strip_suffix("Mi") {
            Some(n) => n.parse::<i64>().unwrap() << 20,
            None => memory.strip_suffix("Gi").unwrap().parse::<i64>().unwrap() << 30,
        };
        assert_eq!(bytes, want, "{kind}/{name}/{container} memory");
        let names: Vec<&str> = obj
            .path(&["spec", "template", "spec", "containers"])
            .and_then(|c| c.as_seq())
            .unwrap()
            .iter()
            .filter_map(|c| c.get("name").and_then(|n| n.as_str()))
            .collect();
        let ours = facts(&report, "workload")
            .iter()
            .filter(|f| {
                f["subject"]["scope"] == format!("{KUSTOMIZE}overlays/prod/kustomization.yaml")
                    && f["subject"]["name"].as_str().unwrap().starts_with(&format!("{kind}/{name}/"))
            })
            .count();
        assert_eq!(ours, names.len(), "{kind}/{name}: containers {names:?}");
        let object = facts(&report, "kubernetes_object")
            .into_iter()
            .find(|f| {
                f["subject"]["name"] == format!("{kind}/{name}")
                    && f["subject"]["scope"] == format!("{KUSTOMIZE}overlays/prod/kustomization.yaml")
            })
            .unwrap();
        assert_eq!(object["data"]["replicas"].as_i64(), obj.path(&["spec", "replicas"]).and_then(|r| r.as_i64()));
    }
}

#[test]
fn only_host_ports_and_external_services_publish_ports() {
    let (_, report) = support::scan_json(&support::root(), &["tests/fixtures/kubernetes/exposure"]);
    assert_eq!(report["errors"], serde_json::json!([]));
    // `containerPort: 3000` behind a ClusterIP Service publishes nothing.
    let frontend = &fact(&report, "workload", "Deployment/frontend/frontend")["data"];
    assert_eq!(frontend["ports"], serde_json::json!([]));
    // A NodePort Service opens Redis on every node.
    let cache = fact(&report, "workload", "Deployment/cache/redis");
    assert_eq!(
        cache["data"]["ports"],
        serde_json::json!([{"host_ip": null, "host_port": "30379", "container_port": "6379", "protocol": "tcp", "all_interfaces": true}])
    );
    let ports: Vec<_> =
        findings(&report, "tests/fixtures/kubernetes/exposure/").into_iter().filter(|f| f.0.contains("port")).collect();
    assert_eq!(
        ports,
        expected(&[("workload-internal-port-published", "Deployment/cache/redis", "6379/tcp", "cache.yaml", 38),])
    );
}

#[test]
fn host_path_use_and_sensitive_host_paths_are_separate_findings() {
    let (_, report) = support::scan_json(&support::root(), &["tests/fixtures/kubernetes/hostpath"]);
    assert_eq!(report["errors"], serde_json::json!([]));
    let mounts: Vec<_> =
        findings(&report, "tests/fixtures/kubernetes/hostpath/").into_iter().filter(|f| f.0.contains("host")).collect();
    // One finding per mount: the Pod Security Standards' "no hostPath" for
    // application folders (one under /home included), the sensitive-path
    // rule for credentials and the container runtime's data.
    assert_eq!(
        mounts,
        expected(&[
            ("workload-hostpath-volume", "DaemonSet/node-agent/agent", "/data", "node-agent.yaml", 29),
            ("workload-hostpath-volume", "DaemonSet/node-agent/agent", "/home-data", "node-agent.yaml", 31),
            ("workload-sensitive-host-mount", "DaemonSet/node-agent/agent", "/ssh", "node-agent.yaml", 33),
            (
                "workload-sensitive-host-mount",
                "DaemonSet/node-agent/agent",
                "/var/lib/containers",
                "node-agent.yaml",
                36
            ),
        ])
    );
}

const KUBECTL_GET: &str = "tests/fixtures/kubernetes/kubectl-get/deployment.yaml";

/// What `kubectl get deployment -o yaml` prints: long quoted strings are
/// wrapped onto lines at the key's indentation (issue 12). The object is
/// audited with the wrapped values joined, and no error.
#[test]
fn quoted_values_kubectl_wraps_over_lines_are_read_whole() {
    let (code, report) = support::scan_json(&support::root(), &[KUBECTL_GET]);
    assert_eq!(report["errors"], serde_json::json!([]));
    assert_eq!(report["skipped"], serde_json::json!([]));
    assert_eq!(code, 1, "the planted privileged container fails the gate");

    // The password sits on the continuation line of a single-quoted value:
    // it is only found if that line is part of the value.
    let worker = &fact(&report, "workload", "Deployment/billing-worker/worker")["data"];
    let env = worker["environment"].as_array().unwrap();
    assert_eq!(env[0]["name"], "JAVA_TOOL_OPTIONS");
    assert_eq!(env[0]["secret"]["rule_id"], "secret-generic-password");
    assert_eq!(env[0]["secret"]["preview"], "… (20 chars)", "the closing quote is not part of it");
    assert_eq!(env[1]["name"], "QUEUE_NAME", "the next entry is still its own");
    assert_eq!(
        findings(&report, ""),
        expected(&[
            ("secret-generic-password", "Deployment/billing-worker", "-Dspring.datasource.password", KUBECTL_GET, 46),
            ("workload-privileged", "Deployment/billing-worker/worker", "-", KUBECTL_GET, 72),
        ])
    );
    // Settings after the wrapped values are read where they are.
    assert_eq!(worker["user"]["uid"], 10001);
    assert_eq!(worker["limits"]["cpus"], 1.0);
    assert_eq!(worker["healthcheck"]["source"], "probe");

    // The same value on one line is the same secret.
    let text = std::fs::read_to_string(support::root().join(KUBECTL_GET)).unwrap();
    let one_line = text.replace("UTC\n          -Dspring", "UTC -Dspring");
    assert_ne!(one_line, text);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("deployment.yaml"), one_line).unwrap();
    let (_, flat) = support::scan_json(dir.path(), &["."]);
    let flat_env = &fact(&flat, "workload", "Deployment/billing-worker/worker")["data"]["environment"];
    assert_eq!(flat_env[0]["secret"]["fingerprint"], env[0]["secret"]["fingerprint"]);

    // The wrapped annotation and shell argument, as the scan's parser joins them.
    let doc = stackaudit::collect::yaml::parse_single(&text).unwrap();
    let cause = doc.path(&["metadata", "annotations", "example.org/change-cause"]).unwrap();
    assert_eq!(
        cause.as_str(),
        Some(
            "Roll out the 2.14 billing worker with the new invoice queue and the retry budget agreed in the incident review"
        )
    );
    let container = &doc.path(&["spec", "template", "spec", "containers"]).unwrap().as_seq().unwrap()[0];
    assert_eq!(
        container.path(&["args"]).unwrap().as_seq().unwrap()[1].as_str(),
        Some(
            "until nc -z billing-db.billing.svc 5432; do echo 'waiting for billing-db'; sleep 2; done; exec java -jar /app/billing-worker.jar --spring.profiles.active=prod"
        )
    );
}

/// Runs a scan of `dir` under `/usr/bin/time -v` when it is installed:
/// `(exit code, report, peak RSS in KiB if measured)`.
fn scan_measured(dir: &std::path::Path) -> (i32, Value, Option<u64>) {
    let bin = assert_cmd::cargo::cargo_bin("stackaudit");
    let timed = support::have("/usr/bin/time");
    let mut cmd = if timed {
        let mut c = std::process::Command::new("/usr/bin/time");
        c.arg("-v").arg(&bin);
        c
    } else {
        std::process::Command::new(&bin)
    };
    let out = cmd.args(["scan", "--format", "json", "."]).current_dir(dir).output().unwrap();
    let report: Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", support::stderr(&out)));
    let rss = support::stderr(&out)
        .lines()
        .find_map(|l| l.trim().strip_prefix("Maximum resident set size (kbytes): ").and_then(|v| v.parse().ok()));
    (out.status.code().unwrap_or(-1), report, rss)
}

#[test]
fn oversized_manifests_are_refused_with_the_limit_named_and_the_rest_is_audited() {
    let dir = tempfile::tempdir().unwrap();
    let mut containers = String::from(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: many\nspec:\n  template:\n    spec:\n      containers:\n",
    );
    for i in 0..100_000 {
        containers.push_str(&format!("        - name: c{i}\n          image: app:1.{i}\n"));
    }
    std::fs::write(dir.path().join("containers.yaml"), containers).unwrap();
    let mut documents = String::new();
    for i in 0..20_000 {
        documents.push_str(&format!("---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c{i}\ndata: {{a: b}}\n"));
    }
    std::fs::write(dir.path().join("documents.yaml"), documents).unwrap();
    std::fs::write(
        dir.path().join("pod.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata: {name: fine}\nspec:\n  containers:\n  - name: app\n    image: app:1.0\n    securityContext: {privileged: true}\n",
    )
    .unwrap();
    let started = std::time::Instant::now();
    let (code, report, rss) = scan_measured(dir.path());
    let elapsed = started.elapsed();
    assert_eq!(code, 2);
    let errors: Vec<(String, String)> = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["target"].as_str().unwrap().to_string(), e["message"].as_str().unwrap().to_string()))
        .collect();
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert!(
        errors.iter().any(|(t, m)| t == "containers.yaml" && m.contains("over the limit of 2000 per file")),
        "{errors:#?}"
    );
    assert!(
        errors.iter().any(|(t, m)| t == "documents.yaml" && m.contains("more than 5000 YAML documents")),
        "{errors:#?}"
    );
    assert!(findings(&report, "").iter().any(|f| f.0 == "workload-privileged" && f.3 == "pod.yaml"));
    // Generous bounds: this is not a timing test, it catches unbounded work.
    assert!(elapsed.as_secs() < 60, "took {elapsed:?}");
    if let Some(kib) = rss {
        assert!(kib < 512 * 1024, "peak RSS {kib} KiB");
    }
}

#[test]
fn yaml_bombs_and_deep_nesting_are_errors_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut bomb = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: bomb}}\ndata:\n  big: &big {}\n  refs:\n",
        "x".repeat(1 << 20)
    );
    for _ in 0..4_000 {
        bomb.push_str("  - *big\n");
    }
    std::fs::write(dir.path().join("bomb.yaml"), bomb).unwrap();
    let deep = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: deep}}\ndata: {}{}\n",
        "[".repeat(50_000),
        "]".repeat(50_000)
    );
    std::fs::write(dir.path().join("deep.yaml"), deep).unwrap();
    let (code, report, rss) = scan_measured(dir.path());
    assert_eq!(code, 2);
    let errors: Vec<(String, String)> = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["target"].as_str().unwrap().to_string(), e["message"].as_str().unwrap().to_string()))
        .collect();
    assert!(errors.iter().any(|(t, m)| t == "bomb.yaml" && m.contains("bytes of text (limit")), "{errors:#?}");
    assert!(errors.iter().any(|(t, m)| t == "deep.yaml" && m.contains("256 levels deep (limit)")), "{errors:#?}");
    if let Some(kib) = rss {
        assert!(kib < 512 * 1024, "peak RSS {kib} KiB");
    }
}

#[test]
fn a_key_written_twice_is_an_error_as_in_kubectl() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("pod.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata: {name: twice}\nspec:\n  containers:\n  - name: app\n    image: app:1.0\n    image: app:2.0\n",
    )
    .unwrap();
    let (code, report) = support::scan_json(dir.path(), &["."]);
    assert_eq!(code, 2);
    let error = &report["errors"][0];
    assert_eq!(error["location"]["line"], 8);
    assert!(error["message"].as_str().unwrap().contains("\"image\" is written twice"), "{error}");
    // The object is still audited, with the last value (what lenient loaders keep).
    assert_eq!(fact(&report, "workload", "Pod/twice/app")["data"]["image"]["raw"], "app:2.0");
}

#[test]
fn kustomize_cycles_are_errors_and_remote_resources_are_skipped() {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in [
        ("a/kustomization.yaml", "resources:\n- ../b\n- github.com/acme/deploy//base?ref=v1.2.0\n"),
        ("b/kustomization.yaml", "resources:\n- ../a\n- pod.yaml\n"),
        (
            "b/pod.yaml",
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c, image: c:1}]\n",
        ),
    ] {
        let file = dir.path().join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, text).unwrap();
    }
    let (code, report) = support::scan_json(dir.path(), &["."]);
    assert_eq!(code, 2);
    let messages: Vec<&str> =
        report["errors"].as_array().unwrap().iter().map(|e| e["message"].as_str().unwrap()).collect();
    assert!(messages.iter().all(|m| m.starts_with("kustomization cycle: ")), "{messages:?}");
    assert!(
        messages.iter().any(|m| m.contains("a/kustomization.yaml -> b/kustomization.yaml -> a/kustomization.yaml")),
        "{messages:?}"
    );
    let skipped = report["skipped"].to_string();
    assert!(skipped.contains("remote resource github.com/acme/deploy//base?ref=v1.2.0 is not fetched"), "{skipped}");
    // The plain file is audited all the same.
    assert!(facts(&report, "workload").iter().any(|f| f["subject"]["name"] == "Pod/p/c"));
}
