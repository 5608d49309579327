//! Live Kubernetes clusters. No API server can be installed here, so these
//! tests run against `cluster_support::apiserver`, an HTTPS stand-in that
//! answers list calls with bodies shaped like a real API server's (see that
//! module). The client side is the real one: kube-rs, the kubeconfig loader,
//! TLS verified against a CA, a bearer token.

// A test crate: a panic here fails a test, it cannot crash a scan.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::string_slice,
    clippy::indexing_slicing,
    clippy::unreachable
)]

mod cluster_support;
mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Output;
use std::time::{Duration, Instant};

use cluster_support::apiserver::{ApiServer, Scenario};
use cluster_support::objects::{self, container, Template};
use cluster_support::{write_kubeconfig, KubeContext, Pki};
use serde_json::{json, Value};

const TOKEN: &str = "eyJhbGciOiJSUzI1NiIsImtpZCI6InRlc3QifQ.stackaudit-test-token";

/// Runs `stackaudit scan --format json` in `dir` with `KUBECONFIG` set.
fn scan(dir: &Path, kubeconfig: &Path, args: &[&str]) -> (i32, Value, Output) {
    let mut cmd = support::bin();
    cmd.current_dir(dir).args(["scan", "--format", "json"]).args(args);
    cmd.env("KUBECONFIG", kubeconfig).env_remove("KUBERNETES_SERVICE_HOST");
    let out = cmd.output().expect("stackaudit runs");
    let json = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}); stderr: {}", support::stderr(&out)));
    (out.status.code().unwrap_or(-1), json, out)
}

fn config(dir: &Path, extra: &str) {
    std::fs::write(dir.join("stackaudit.toml"), format!("# cluster test\n[kubernetes]\n{extra}\n")).unwrap();
}

/// (rule, subject name, key) of every finding, sorted.
fn findings(report: &Value) -> BTreeSet<(String, String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap().to_string(),
                f["subject"]["name"].as_str().unwrap().to_string(),
                f["key"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

const REDIS_PASSWORD: &str = "Qm7vX2pL9wKz4Rt8";

fn rules_for(report: &Value, subject: &str) -> BTreeSet<String> {
    findings(report).into_iter().filter(|(_, s, _)| s == subject).map(|(r, _, _)| r).collect()
}

fn set(ids: &[&str]) -> BTreeSet<String> {
    ids.iter().map(|s| s.to_string()).collect()
}

fn add(objects: &mut BTreeMap<String, Vec<Value>>, resource: &str, items: impl IntoIterator<Item = Value>) {
    objects.entry(resource.to_string()).or_default().extend(items);
}

/// What the deployment guide asks of every container.
fn hardened(name: &str, image: &str, uid: i64, port: i64) -> Value {
    container(
        name,
        image,
        json!({
            "securityContext": {"runAsNonRoot": true, "runAsUser": uid, "allowPrivilegeEscalation": false,
                                "readOnlyRootFilesystem": true, "capabilities": {"drop": ["ALL"]},
                                "seccompProfile": {"type": "RuntimeDefault"}},
            "resources": {"limits": {"cpu": "500m", "memory": "256Mi"}, "requests": {"cpu": "100m", "memory": "128Mi"}},
            "ports": [{"name": "http", "containerPort": port, "protocol": "TCP"}],
            "readinessProbe": {"httpGet": {"path": "/", "port": port, "scheme": "HTTP"}, "periodSeconds": 10, "timeoutSeconds": 1, "successThreshold": 1, "failureThreshold": 3}
        }),
    )
}

/// The guide's stack in namespace `shop`, with the defects a live cluster
/// shows: Redis hardened nowhere and open to nginx, a NodePort to Redis, a
/// debug pod started by hand, a CronJob, an over-privileged deployer
/// account. Plus a namespace the account may not read and kube-system.
fn stack() -> BTreeMap<String, Vec<Value>> {
    let mut o = BTreeMap::new();
    add(&mut o, "namespaces", ["shop", "payments", "ci", "kube-system"].map(objects::namespace));

    let web = Template {
        labels: json!({"app": "web"}),
        spec: json!({"serviceAccountName": "web", "serviceAccount": "web", "automountServiceAccountToken": false}),
        containers: vec![hardened("web", "registry.example.com/shop/web:1.4.1", 1001, 3000)],
    };
    let (rs, pods) = objects::deployment("shop", "web", "7d4b9c8f6", 3, &web);
    add(&mut o, "replicasets", [rs]);
    add(&mut o, "pods", pods);

    let nginx = Template {
        labels: json!({"app": "nginx"}),
        spec: json!({"automountServiceAccountToken": false}),
        containers: vec![hardened("nginx", "nginx:1.27-alpine", 101, 8080)],
    };
    let (rs, pods) = objects::deployment("shop", "nginx", "5f6c8d9b7", 2, &nginx);
    add(&mut o, "replicasets", [rs]);
    add(&mut o, "pods", pods);

    let redis = Template {
        labels: json!({"app": "redis"}),
        spec: json!({}),
        containers: vec![container(
            "redis",
            "redis:7.2",
            // A literal password: no file holds it, so the live workload's
            // own rule reports it (masked).
            json!({
                "ports": [{"containerPort": 6379, "protocol": "TCP", "name": "redis"}],
                "env": [{"name": "REDIS_PASSWORD", "value": REDIS_PASSWORD}],
            }),
        )],
    };
    add(&mut o, "pods", objects::statefulset("shop", "redis", 1, &redis));

    let report = Template {
        labels: json!({"app": "report"}),
        spec: json!({"automountServiceAccountToken": false}),
        containers: vec![hardened("report", "registry.example.com/shop/report:2.0", 1001, 8081)],
    };
    let (job, p) = objects::cronjob_run("shop", "report", "28990440", &report);
    add(&mut o, "jobs", [job]);
    add(&mut o, "pods", [p]);

    let debug = Template {
        labels: json!({"run": "debug-shell"}),
        spec: json!({"hostPID": true}),
        containers: vec![container(
            "debug-shell",
            "busybox:1.36",
            json!({"securityContext": {"privileged": true}, "stdin": true, "tty": true}),
        )],
    };
    add(&mut o, "pods", [objects::pod("shop", "debug-shell", None, &debug, json!({}))]);

    let proxy = Template {
        labels: json!({"k8s-app": "kube-proxy"}),
        spec: json!({"hostNetwork": true}),
        containers: vec![container(
            "kube-proxy",
            "registry.k8s.io/kube-proxy:v1.33.1",
            json!({"securityContext": {"privileged": true}}),
        )],
    };
    add(
        &mut o,
        "pods",
        [objects::pod(
            "kube-system",
            "kube-proxy-x2k9d",
            Some(("apps/v1", "DaemonSet", "kube-proxy")),
            &proxy,
            json!({}),
        )],
    );

    add(
        &mut o,
        "networkpolicies",
        [objects::network_policy(
            "shop",
            "redis-clients",
            json!({"podSelector": {"matchLabels": {"app": "redis"}}, "policyTypes": ["Ingress"],
                   "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "web"}}}, {"podSelector": {"matchLabels": {"app": "nginx"}}}],
                                "ports": [{"protocol": "TCP", "port": 6379}]}]}),
        )],
    );
    add(
        &mut o,
        "services",
        [
            objects::service(
                "shop",
                "redis",
                "NodePort",
                json!({"app": "redis"}),
                json!([{"name": "redis", "protocol": "TCP", "port": 6379, "targetPort": 6379, "nodePort": 30379}]),
            ),
            objects::service(
                "shop",
                "web",
                "ClusterIP",
                json!({"app": "web"}),
                json!([{"name": "http", "protocol": "TCP", "port": 80, "targetPort": "http"}]),
            ),
            objects::service(
                "shop",
                "nginx",
                "LoadBalancer",
                json!({"app": "nginx"}),
                json!([{"name": "https", "protocol": "TCP", "port": 443, "targetPort": 8080, "nodePort": 31443}]),
            ),
        ],
    );
    add(
        &mut o,
        "serviceaccounts",
        [
            objects::service_account("shop", "default", None),
            objects::service_account("shop", "web", Some(false)),
            objects::service_account("ci", "deployer", None),
        ],
    );
    add(
        &mut o,
        "clusterroles",
        [
            objects::cluster_role(
                "cluster-admin",
                json!([{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}, {"nonResourceURLs": ["*"], "verbs": ["*"]}]),
            ),
            objects::cluster_role(
                "view",
                json!([{"apiGroups": [""], "resources": ["pods", "services"], "verbs": ["get", "list", "watch"]}]),
            ),
        ],
    );
    add(
        &mut o,
        "clusterrolebindings",
        [objects::cluster_role_binding(
            "ci-deployer",
            "cluster-admin",
            json!([{"kind": "ServiceAccount", "name": "deployer", "namespace": "ci"}]),
        )],
    );
    add(
        &mut o,
        "roles",
        [objects::role(
            "shop",
            "web-config",
            json!([{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get", "list"]}]),
        )],
    );
    add(
        &mut o,
        "rolebindings",
        [objects::role_binding(
            "shop",
            "web-config",
            "Role",
            "web-config",
            json!([{"kind": "ServiceAccount", "name": "web", "namespace": "shop"}]),
        )],
    );
    // payments exists and has a pod, which the account may not see.
    let hidden = Template {
        labels: json!({"app": "ledger"}),
        spec: json!({}),
        containers: vec![container("ledger", "ledger:1", json!({}))],
    };
    add(
        &mut o,
        "pods",
        [objects::pod("payments", "ledger-0", Some(("apps/v1", "StatefulSet", "ledger")), &hidden, json!({}))],
    );
    o
}

struct Cluster {
    _pki: Pki,
    server: ApiServer,
    dir: tempfile::TempDir,
    kubeconfig: std::path::PathBuf,
}

fn cluster(scenario: Scenario, context: &str) -> Cluster {
    let pki = Pki::new();
    let server = ApiServer::start(&pki, scenario);
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    write_kubeconfig(
        &kubeconfig,
        &pki.ca,
        &[KubeContext { name: context, server: server.url(), token: TOKEN, namespace: None }],
        context,
    );
    Cluster { _pki: pki, server, dir, kubeconfig }
}

#[test]
fn a_live_cluster_gets_the_same_rule_ids_once_per_controller() {
    let scenario = Scenario {
        token: TOKEN.into(),
        objects: stack(),
        forbidden_namespaces: BTreeSet::from(["payments".to_string()]),
        ..Default::default()
    };
    let c = cluster(scenario, "prod");
    config(c.dir.path(), "page_size = 2");
    let (code, report, out) = scan(c.dir.path(), &c.kubeconfig, &["--kubernetes"]);

    // The namespace the account may not read is one error naming it; the
    // rest is audited, and the scan is incomplete (exit 2).
    assert_eq!(code, 2, "{}", support::stderr(&out));
    let errors = report["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0]["target"], "prod/payments");
    assert_eq!(errors[0]["kind"], "denied");
    assert_eq!(errors[0]["source"], "kubernetes-api");
    let message = errors[0]["message"].as_str().unwrap();
    assert!(message.contains("payments") && message.contains("pods") && message.contains("forbidden"), "{message}");

    // The same workload rule IDs as manifests and containers.
    assert_eq!(rules_for(&report, "Deployment/web/web"), set(&[]), "the hardened app passes");
    assert_eq!(rules_for(&report, "Deployment/nginx/nginx"), set(&[]));
    assert_eq!(
        rules_for(&report, "StatefulSet/redis/redis"),
        set(&[
            // The image decides the user and no engine here has it.
            "workload-may-run-as-root",
            "workload-capabilities-not-dropped",
            "workload-writable-rootfs",
            "workload-no-memory-limit",
            "workload-no-cpu-limit",
            "workload-new-privileges-allowed",
            "workload-no-healthcheck",
            "workload-seccomp-unconfined",
            "workload-secret-in-environment",
        ])
    );
    assert!(!report.to_string().contains(REDIS_PASSWORD), "the password is masked");
    let debug = rules_for(&report, "Pod/debug-shell/debug-shell");
    assert!(debug.contains("workload-privileged") && debug.contains("workload-host-namespace"), "{debug:?}");
    // A CronJob's run is audited as the CronJob, and needs no health check.
    assert_eq!(rules_for(&report, "CronJob/report/report"), set(&[]));

    // One finding per controller, however many replicas: web has three
    // pods, one workload fact.
    let facts = report["facts"].as_array().unwrap();
    let web_facts =
        facts.iter().filter(|f| f["kind"] == "workload" && f["subject"]["name"] == "Deployment/web/web").count();
    assert_eq!(web_facts, 1);
    let redis = facts.iter().find(|f| f["subject"]["name"] == "StatefulSet/redis/redis").unwrap();
    assert_eq!(redis["subject"]["scope"], "prod/shop");
    assert_eq!(redis["subject"]["labels"]["cluster"], "prod");
    assert_eq!(redis["data"]["platform"], "kubernetes");

    // Cluster-level rules.
    let all = findings(&report);
    let cluster_findings: BTreeSet<(String, String, String)> =
        all.iter().filter(|(r, _, _)| r.starts_with("cluster-") || r.starts_with("k8s-")).cloned().collect();
    let expected: BTreeSet<(String, String, String)> = [
        ("cluster-datastore-reachable", "StatefulSet/redis", "shop/Deployment/nginx"),
        ("cluster-namespace-no-default-deny", "shop", "ingress"),
        ("cluster-pod-unowned", "shop", "debug-shell"),
        ("cluster-service-exposes-internal-port", "Service/redis", "6379/tcp"),
        ("cluster-service-account-admin", "ServiceAccount/deployer", "ClusterRoleBinding/ci-deployer"),
        ("k8s-service-account-token-automounted", "StatefulSet/redis", "automountServiceAccountToken"),
        ("k8s-service-account-token-automounted", "Pod/debug-shell", "automountServiceAccountToken"),
    ]
    .iter()
    .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
    .collect();
    assert_eq!(cluster_findings, expected);

    // kube-system is the cluster's own: skipped, and said so.
    assert!(!all.iter().any(|(_, s, _)| s.contains("kube-proxy")));
    let skipped = report["skipped"].as_array().unwrap();
    assert!(skipped.iter().any(|s| s["path"] == "prod/kube-system"), "{skipped:?}");

    // Read-only, paginated, authenticated.
    let requests = c.server.requests();
    assert!(requests.iter().all(|r| r.method == "GET"), "{requests:?}");
    assert!(requests.iter().all(|r| r.bearer.as_deref() == Some(TOKEN)));
    let lists: Vec<_> = requests.iter().filter(|r| r.path != "/version").collect();
    assert!(lists.iter().all(|r| r.query.get("limit").map(String::as_str) == Some("2")), "every list is paginated");
    let pod_pages = requests.iter().filter(|r| r.path.ends_with("/pods") && r.query.contains_key("continue")).count();
    assert!(pod_pages >= 3, "pods were read over several pages: {pod_pages}");
    assert!(!requests.iter().any(|r| r.path.contains("secrets")), "Secrets are never read");
}

#[test]
fn an_expired_continue_token_is_recovered() {
    for fresh in [true, false] {
        let scenario = Scenario {
            token: TOKEN.into(),
            objects: stack(),
            expire_pods_page: Some(3),
            fresh_token_on_expiry: fresh,
            ..Default::default()
        };
        let c = cluster(scenario, "prod");
        config(c.dir.path(), "page_size = 2");
        let (code, report, out) = scan(c.dir.path(), &c.kubeconfig, &["--kubernetes"]);
        assert_eq!(report["errors"], json!([]), "fresh token {fresh}: {}", support::stderr(&out));
        assert_eq!(code, 1, "findings at high fail the gate");
        // Every pod was audited, none twice.
        let facts = report["facts"].as_array().unwrap();
        let namespace =
            facts.iter().find(|f| f["kind"] == "kubernetes_namespace" && f["subject"]["name"] == "shop").unwrap();
        assert_eq!(namespace["data"]["pods"], 8, "3 web + 2 nginx + redis + report + debug");
        let expired = c.server.requests().iter().filter(|r| r.path == "/api/v1/pods").count();
        assert!(expired >= 4, "the expired page was asked again: {expired}");
    }
}

#[test]
fn slow_and_dead_clusters_are_errors_naming_them_and_the_others_are_audited() {
    let pki = Pki::new();
    let good = ApiServer::start(&pki, Scenario { token: TOKEN.into(), objects: stack(), ..Default::default() });
    let slow = ApiServer::start(
        &pki,
        Scenario { token: TOKEN.into(), objects: stack(), delay: Duration::from_secs(5), ..Default::default() },
    );
    let dead_port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    write_kubeconfig(
        &kubeconfig,
        &pki.ca,
        &[
            KubeContext { name: "good", server: good.url(), token: TOKEN, namespace: None },
            KubeContext { name: "slow", server: slow.url(), token: TOKEN, namespace: None },
            KubeContext {
                name: "dead",
                server: format!("https://127.0.0.1:{dead_port}"),
                token: TOKEN,
                namespace: None,
            },
        ],
        "good",
    );
    config(dir.path(), "timeout_secs = 2");
    let started = Instant::now();
    let (code, report, out) =
        scan(dir.path(), &kubeconfig, &["--context", "good", "--context", "slow", "--context", "dead"]);
    // Clusters are audited concurrently, each within its limit: never a hang.
    assert!(started.elapsed() < Duration::from_secs(20), "took {:?}", started.elapsed());
    assert_eq!(code, 2, "{}", support::stderr(&out));
    let errors: BTreeMap<String, String> = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["target"].as_str().unwrap().to_string(), e["kind"].as_str().unwrap().to_string()))
        .collect();
    assert_eq!(errors.get("slow").map(String::as_str), Some("timeout"), "{errors:?}");
    assert_eq!(errors.get("dead").map(String::as_str), Some("unreachable"), "{errors:?}");
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(report["facts"].as_array().unwrap().iter().any(|f| f["subject"]["labels"]["cluster"] == "good"));
}

#[test]
fn a_wrong_token_is_denied_and_says_so() {
    let c = cluster(Scenario { token: "another-token".into(), objects: stack(), ..Default::default() }, "prod");
    config(c.dir.path(), "");
    let (code, report, _) = scan(c.dir.path(), &c.kubeconfig, &["--kubernetes"]);
    assert_eq!(code, 2);
    let errors = report["errors"].as_array().unwrap();
    assert!(!errors.is_empty());
    assert!(errors.iter().all(|e| e["kind"] == "denied" && e["target"] == "prod"), "{errors:#?}");
    assert!(errors[0]["message"].as_str().unwrap().contains("401"));
}

#[test]
fn in_cluster_service_account_credentials() {
    let pki = Pki::new();
    let server = ApiServer::start(&pki, Scenario { token: TOKEN.into(), objects: stack(), ..Default::default() });
    let dir = tempfile::tempdir().unwrap();
    let sa = dir.path().join("serviceaccount");
    std::fs::create_dir(&sa).unwrap();
    std::fs::copy(&pki.ca, sa.join("ca.crt")).unwrap();
    std::fs::write(sa.join("token"), TOKEN).unwrap();
    std::fs::write(sa.join("namespace"), "audit").unwrap();
    config(dir.path(), &format!("enabled = true\nservice_account_dir = \"{}\"", sa.display()));
    let out = support::bin()
        .current_dir(dir.path())
        .args(["scan", "--format", "json", "--only", "kubernetes-api"])
        .env("KUBERNETES_SERVICE_HOST", "127.0.0.1")
        .env("KUBERNETES_SERVICE_PORT", server.port.to_string())
        .env("KUBECONFIG", dir.path().join("no-such-kubeconfig"))
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["errors"], json!([]), "{}", support::stderr(&out));
    assert!(findings(&report)
        .iter()
        .any(|(r, s, _)| r == "cluster-service-exposes-internal-port" && s == "Service/redis"));
    let redis = report["facts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["subject"]["name"] == "StatefulSet/redis/redis")
        .cloned()
        .unwrap();
    assert_eq!(redis["subject"]["labels"]["cluster"], "in-cluster");
}

#[test]
fn drift_between_the_repository_and_the_cluster() {
    let c = cluster(Scenario { token: TOKEN.into(), objects: stack(), ..Default::default() }, "prod");
    config(c.dir.path(), "");
    let manifests = c.dir.path().join("k8s");
    std::fs::create_dir(&manifests).unwrap();
    std::fs::write(
        manifests.join("web.yaml"),
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  replicas: 3\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n        - name: web\n          image: registry.example.com/shop/web:1.4.0\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: nginx\n  namespace: shop\nspec:\n  selector:\n    matchLabels: {app: nginx}\n  template:\n    metadata:\n      labels: {app: nginx}\n    spec:\n      containers:\n        - name: nginx\n          image: docker.io/library/nginx:1.27-alpine\n",
    )
    .unwrap();
    let (_, report, out) =
        scan(c.dir.path(), &c.kubeconfig, &["k8s", "--kubernetes", "--only", "kubernetes,kubernetes-api"]);
    assert_eq!(report["errors"], json!([]), "{}", support::stderr(&out));
    let drift: Vec<&Value> =
        report["findings"].as_array().unwrap().iter().filter(|f| f["rule_id"] == "cluster-image-drift").collect();
    assert_eq!(drift.len(), 1, "only web drifted; nginx is the same image spelled differently: {drift:#?}");
    assert_eq!(drift[0]["subject"]["name"], "Deployment/web/web");
    assert!(
        drift[0]["evidence"].as_str().unwrap().contains("1.4.1")
            && drift[0]["evidence"].as_str().unwrap().contains("1.4.0")
    );
    assert_eq!(drift[0]["location"]["path"], "k8s/web.yaml");
    assert_eq!(drift[0]["location"]["line"], 16);
}

#[test]
fn every_report_format_carries_the_cluster_findings() {
    let c = cluster(Scenario { token: TOKEN.into(), objects: stack(), ..Default::default() }, "prod");
    config(c.dir.path(), "");
    let reports = c.dir.path().join("reports");
    let out = support::bin()
        .current_dir(c.dir.path())
        .args(["scan", "--kubernetes", "--output-dir"])
        .arg(&reports)
        .env("KUBECONFIG", &c.kubeconfig)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", support::stderr(&out));
    for file in ["stackaudit.json", "stackaudit.html", "stackaudit.sarif", "stackaudit.junit.xml"] {
        let text = std::fs::read_to_string(reports.join(file)).unwrap();
        for id in ["cluster-datastore-reachable", "cluster-service-exposes-internal-port", "workload-may-run-as-root"] {
            assert!(text.contains(id), "{file} lacks {id}");
        }
    }
    // With --output-dir the table goes to stdout.
    let table = support::stdout(&out);
    for id in ["cluster-datastore-reachable", "cluster-service-exposes-internal-port", "workload-may-run-as-root"] {
        assert!(table.contains(id), "the table lacks {id}");
    }
}

/// The RBAC the examples ship is what stackaudit needs and no more, and the
/// example manifests pass stackaudit's own manifest rules.
#[test]
fn the_shipped_rbac_is_read_only_and_the_examples_pass_the_manifest_rules() {
    let root = support::root();
    let rbac = std::fs::read_to_string(root.join("examples/cluster/rbac.yaml")).unwrap();
    let verbs: BTreeSet<&str> = rbac
        .lines()
        .filter_map(|l| l.trim().strip_prefix("verbs:"))
        .flat_map(|v| v.trim().trim_matches(['[', ']']).split(','))
        .map(|v| v.trim().trim_matches('"'))
        .collect();
    assert_eq!(verbs, BTreeSet::from(["get", "list"]));
    assert!(
        !rbac.lines().any(|l| l.trim_start().starts_with("resources:") && l.contains("secrets")),
        "no Secret access"
    );

    let (code, report) = support::scan_json(
        &root,
        &[
            "examples/cluster",
            "examples/scheduled/cronjob.yaml",
            "examples/scheduled/config.yaml",
            "--fail-on",
            "medium",
            "--only",
            "kubernetes",
        ],
    );
    let at_medium: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| ["medium", "high", "critical"].contains(&f["severity"].as_str().unwrap()))
        .collect();
    assert!(at_medium.is_empty(), "{at_medium:#?}");
    assert_eq!(report["errors"], json!([]));
    assert_eq!(code, 0);
}

/// A ConfigMap key's literal block (`key: |`), unindented.
fn config_map_block(text: &str, key: &str) -> String {
    let mut lines = text.lines().skip_while(|l| l.trim() != format!("{key}: |")).skip(1);
    let first = lines.next().unwrap();
    let indent = first.len() - first.trim_start().len();
    std::iter::once(first)
        .chain(lines.take_while(|l| l.trim().is_empty() || l.len() - l.trim_start().len() >= indent))
        .map(|l| l.get(indent..).unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// What the CronJob mounts is shipped and works: the config in its ConfigMap
/// loads, asks for the in-cluster credentials (so outside a pod the one error
/// is the missing service host), and the manifest it compares the cluster
/// with passes the rules; the claim and ConfigMap names match the CronJob's.
#[test]
fn the_cronjob_mounts_a_shipped_config_that_loads_and_selects_in_cluster_credentials() {
    let root = support::root();
    let config = std::fs::read_to_string(root.join("examples/scheduled/config.yaml")).unwrap();
    let cronjob = std::fs::read_to_string(root.join("examples/scheduled/cronjob.yaml")).unwrap();
    for name in ["name: stackaudit-config", "claimName: stackaudit-history", "path: repo/web.yaml"] {
        assert!(cronjob.contains(name), "cronjob lacks {name}");
    }
    assert!(config.contains("name: stackaudit-config") && config.contains("name: stackaudit-history"));

    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("repo")).unwrap();
    std::fs::write(dir.path().join("stackaudit.toml"), config_map_block(&config, "stackaudit.toml")).unwrap();
    std::fs::write(dir.path().join("repo/web.yaml"), config_map_block(&config, "web.yaml")).unwrap();
    let out = support::bin()
        .current_dir(dir.path())
        .env_remove("KUBERNETES_SERVICE_HOST")
        .env("KUBECONFIG", dir.path().join("no-kubeconfig"))
        .args(["scan", "repo", "--config", "stackaudit.toml", "--format", "json"])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let errors = report["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(errors[0]["message"].as_str().unwrap().contains("KUBERNETES_SERVICE_HOST"), "{errors:#?}");
    let workloads = report["facts"].as_array().unwrap().iter().filter(|f| f["kind"] == "workload").count();
    assert_eq!(workloads, 1, "the mounted manifest was read");
    let blocking: Vec<_> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| matches!(f["severity"].as_str(), Some("critical" | "high" | "medium")))
        .collect();
    assert!(blocking.is_empty(), "{blocking:#?}");
    assert_eq!(out.status.code(), Some(2), "incomplete: no cluster to reach");
}

/// Serves `BENCH_PODS` pods (default 5,000) until the file `BENCH_DIR/stop`
/// appears: the local API endpoint of `scripts/bench-cluster.sh`, which also
/// finds the kubeconfig in `BENCH_DIR`.
#[test]
#[ignore = "run by scripts/bench-cluster.sh"]
fn bench_api_server() {
    let dir = std::path::PathBuf::from(std::env::var("BENCH_DIR").expect("BENCH_DIR"));
    let pods: usize = std::env::var("BENCH_PODS").ok().and_then(|n| n.parse().ok()).unwrap_or(5000);
    let mut o = stack();
    o.remove("pods");
    // Fifty Deployments of a hundred replicas, a third of them unhardened.
    for d in 0..50 {
        let labels = json!({"app": format!("svc{d}")});
        let c = if d % 3 == 0 {
            container(
                &format!("svc{d}"),
                "registry.example.com/shop/svc:1.0",
                json!({"ports": [{"containerPort": 8080}]}),
            )
        } else {
            hardened(&format!("svc{d}"), "registry.example.com/shop/svc:1.0", 1001, 8080)
        };
        let t = Template { labels, spec: json!({}), containers: vec![c] };
        let (rs, p) = objects::deployment("shop", &format!("svc{d}"), &format!("{d:09x}"), pods / 50, &t);
        add(&mut o, "replicasets", [rs]);
        add(&mut o, "pods", p);
    }
    let pki = Pki::new();
    let server = ApiServer::start(&pki, Scenario { token: TOKEN.into(), objects: o, ..Default::default() });
    write_kubeconfig(
        &dir.join("kubeconfig"),
        &pki.ca,
        &[KubeContext { name: "bench", server: server.url(), token: TOKEN, namespace: None }],
        "bench",
    );
    std::fs::write(dir.join("ready"), "").unwrap();
    while !dir.join("stop").exists() {
        std::thread::sleep(Duration::from_millis(100));
    }
}
