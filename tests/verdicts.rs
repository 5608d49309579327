//! The same settings give the same verdicts whichever source declared them:
//! a compose service, a Kubernetes container and a running Docker container
//! with identical security settings get identical workload findings.

// A test crate: a panic here fails a test, it cannot crash a scan.
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

use std::collections::BTreeSet;

use docker_support::{config_dir, require_engine, token, Containers, TestImage};

const COMPOSE: &str = r#"services:
  app:
    image: registry.example.com/app:1.4.2
    user: "1001"
    privileged: true
    cap_add: [SYS_ADMIN, IPC_LOCK]
    read_only: true
    security_opt: ["seccomp=unconfined"]
    mem_limit: 1g
    cpus: 1
    pids_limit: 200
    healthcheck:
      test: ["CMD", "/healthcheck"]
  worker:
    image: registry.example.com/worker:2.0.1
    user: "1001"
    cap_drop: [ALL]
    cap_add: [NET_RAW, SYS_RESOURCE, CHOWN]
    read_only: true
    security_opt: ["no-new-privileges:true"]
    mem_limit: 1g
    cpus: 1
    pids_limit: 200
    healthcheck:
      test: ["CMD", "/healthcheck"]
"#;

fn container(name: &str, image: &str, security: &str) -> String {
    format!(
        r#"      - name: {name}
        image: {image}
        securityContext:
{security}
        resources:
          limits: {{cpu: "1", memory: 1Gi}}
        livenessProbe:
          httpGet: {{path: /healthz, port: 3000}}
        readinessProbe:
          httpGet: {{path: /ready, port: 3000}}
"#
    )
}

fn manifest() -> String {
    let app = container(
        "app",
        "registry.example.com/app:1.4.2",
        "          runAsUser: 1001\n          runAsNonRoot: true\n          privileged: true\n          \
         readOnlyRootFilesystem: true\n          capabilities: {add: [SYS_ADMIN, IPC_LOCK]}\n          \
         seccompProfile: {type: Unconfined}",
    );
    let worker = container(
        "worker",
        "registry.example.com/worker:2.0.1",
        "          runAsUser: 1001\n          runAsNonRoot: true\n          allowPrivilegeEscalation: false\n          \
         readOnlyRootFilesystem: true\n          capabilities: {drop: [ALL], add: [NET_RAW, SYS_RESOURCE, CHOWN]}\n          \
         seccompProfile: {type: RuntimeDefault}",
    );
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  replicas: 3\n  \
         selector:\n    matchLabels: {{app: web}}\n  template:\n    metadata:\n      labels: {{app: web}}\n    spec:\n      \
         automountServiceAccountToken: false\n      containers:\n{app}{worker}"
    )
}

/// `(container, rule, key)` of the workload findings, for one source.
fn verdicts(
    report: &serde_json::Value,
    name_of: impl Fn(&str) -> Option<String>,
) -> BTreeSet<(String, String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"].as_str().unwrap().starts_with("workload-"))
        .filter_map(|f| {
            let container = name_of(f["subject"]["name"].as_str().unwrap())?;
            Some((container, f["rule_id"].as_str().unwrap().to_string(), f["key"].as_str().unwrap_or("").to_string()))
        })
        .collect()
}

type Verdicts = BTreeSet<(String, String, String)>;

/// The verdicts from the compose file and from the manifest.
fn compose_and_kubernetes() -> (Verdicts, Verdicts) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("compose")).unwrap();
    std::fs::create_dir_all(dir.path().join("k8s")).unwrap();
    std::fs::write(dir.path().join("compose/docker-compose.yml"), COMPOSE).unwrap();
    std::fs::write(dir.path().join("k8s/web.yaml"), manifest()).unwrap();

    let (_, compose) = support::scan_json(dir.path(), &["compose", "--only", "compose"]);
    let (_, k8s) = support::scan_json(dir.path(), &["k8s", "--only", "kubernetes"]);
    assert_eq!(compose["errors"], serde_json::json!([]), "{:#}", compose["errors"]);
    assert_eq!(k8s["errors"], serde_json::json!([]), "{:#}", k8s["errors"]);

    let from_compose = verdicts(&compose, |name| Some(name.to_string()));
    // Kubernetes subjects are `Deployment/web/<container>`.
    let from_k8s = verdicts(&k8s, |name| name.rsplit('/').next().map(str::to_string));
    (from_compose, from_k8s)
}

#[test]
fn compose_and_kubernetes_get_the_same_workload_verdicts() {
    let (from_compose, from_k8s) = compose_and_kubernetes();
    assert_eq!(from_compose, from_k8s, "compose: {from_compose:#?}\nkubernetes: {from_k8s:#?}");

    // And what they are: privileged is reported alone for what it overrides;
    // the unprivileged worker's capabilities outside the Baseline set are
    // reported one by one.
    let rules_of = |c: &str| -> BTreeSet<String> {
        from_compose.iter().filter(|(n, ..)| n == c).map(|(_, r, k)| format!("{r} {k}").trim().to_string()).collect()
    };
    assert_eq!(rules_of("app"), BTreeSet::from(["workload-privileged".to_string()]));
    assert_eq!(
        rules_of("worker"),
        BTreeSet::from([
            "workload-dangerous-capability-added NET_RAW".to_string(),
            "workload-dangerous-capability-added SYS_RESOURCE".to_string(),
        ])
    );
}

/// The compose services above as `docker run` options: `app` privileged
/// without dropping a capability (adding two), `worker` unprivileged with
/// capabilities outside the Baseline set.
fn docker_options(container: &str) -> Vec<&'static str> {
    let mut opts = vec![
        "--user",
        "1001",
        "--read-only",
        "--memory",
        "1g",
        "--cpus",
        "1",
        "--pids-limit",
        "200",
        "--health-cmd",
        "exit 0",
        "--health-interval",
        "1s",
        "--health-retries",
        "1",
    ];
    opts.extend(match container {
        "app" => {
            &["--privileged", "--cap-add", "SYS_ADMIN", "--cap-add", "IPC_LOCK", "--security-opt", "seccomp=unconfined"]
                [..]
        }
        _ => &[
            "--cap-drop",
            "ALL",
            "--cap-add",
            "NET_RAW",
            "--cap-add",
            "SYS_RESOURCE",
            "--cap-add",
            "CHOWN",
            "--security-opt",
            "no-new-privileges",
        ][..],
    });
    opts
}

#[test]
fn a_live_container_gets_the_same_workload_verdicts_as_compose_and_kubernetes() {
    require_engine();
    let t = token("verdicts");
    let image = TestImage::build(&t, None);
    let mut c = Containers::new(&t);
    for name in ["app", "worker"] {
        let mut args = docker_options(name);
        args.extend([image.tag.as_str(), "sleep", "600"]);
        c.run(name, &args);
    }
    let (dir, _) = config_dir(&t, "");
    let (_, live) = support::scan_json(dir.path(), &["--docker"]);
    assert_eq!(live["errors"], serde_json::json!([]), "{:#}", live["errors"]);
    let prefix = c.name("");
    let from_docker = verdicts(&live, |name| name.strip_prefix(&prefix).map(str::to_string));
    assert!(from_docker.iter().any(|(n, ..)| n == "app"), "the containers were scanned: {live:#}");

    let (from_compose, from_k8s) = compose_and_kubernetes();
    assert_eq!(from_compose, from_k8s, "compose: {from_compose:#?}\nkubernetes: {from_k8s:#?}");
    assert_eq!(from_docker, from_compose, "docker: {from_docker:#?}\ncompose: {from_compose:#?}");
    let app: Vec<&str> = from_docker.iter().filter(|(n, ..)| n == "app").map(|(_, r, _)| r.as_str()).collect();
    assert_eq!(app, ["workload-privileged"], "privileged without dropped capabilities: {from_docker:#?}");
}
