//! Docker Swarm against the real engine: `docker swarm init` on the local
//! daemon, services created from the FROM-scratch busybox images (one
//! hardened, weak ones), and the verdicts stackaudit gives for them, over
//! GET requests only. The swarm is left again when the test ends, even after
//! a failed assertion.
//!
//! Everything runs in one test function, under a file lock: joining a swarm
//! changes the shared daemon for every test process on this machine, so two
//! swarm tests must never overlap. The other Docker tests do not notice:
//! their containers stay on the default bridge and their scans filter on
//! their own labels.

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

use std::collections::BTreeSet;
use std::path::Path;
use std::time::{Duration, Instant};

use docker_support::proxy::RecordingProxy;
use docker_support::{config_dir, docker, docker_ok, require_engine, token, TestImage, SOCKET, TEST_LABEL};
use serde_json::{json, Value};

/// Held for the whole test: serialises swarm tests across processes. The
/// lock lives as long as the open file.
struct SwarmLock {
    _file: std::fs::File,
}

impl SwarmLock {
    fn acquire() -> SwarmLock {
        use std::os::unix::io::AsRawFd;
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(std::env::temp_dir().join("stackaudit-swarm-test.lock"))
            .unwrap();
        // SAFETY: flock on a descriptor this process owns; released on close.
        #[allow(unsafe_code, reason = "flock(2) has no stable std wrapper")]
        let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) };
        assert_eq!(rc, 0, "flock: {}", std::io::Error::last_os_error());
        SwarmLock { _file: file }
    }
}

/// The local daemon as a single-node swarm manager; leaves on drop.
struct Swarm;

impl Swarm {
    fn init() -> Swarm {
        let state = docker_ok(&["info", "--format", "{{.Swarm.LocalNodeState}}"]);
        assert_eq!(state, "inactive", "the daemon is already in a swarm; this test only runs on one that is not");
        docker_ok(&["swarm", "init", "--advertise-addr", "127.0.0.1"]);
        Swarm
    }
}

impl Drop for Swarm {
    fn drop(&mut self) {
        let _ = docker(&["swarm", "leave", "--force"]);
    }
}

fn scan(dir: &Path, docker_host: Option<&str>) -> Value {
    let mut cmd = support::bin();
    cmd.current_dir(dir).args(["scan", "--format", "json", "--docker"]);
    cmd.env_remove("DOCKER_HOST").env_remove("DOCKER_TLS_VERIFY").env_remove("DOCKER_CERT_PATH");
    if let Some(h) = docker_host {
        cmd.env("DOCKER_HOST", h);
    }
    let out = cmd.output().expect("stackaudit runs");
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}); stderr: {}", support::stderr(&out)))
}

fn rules_for(report: &Value, kind: &str, subject: &str) -> BTreeSet<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["subject"]["kind"] == kind && f["subject"]["name"] == subject && f["suppressed"] != true)
        .map(|f| f["rule_id"].as_str().unwrap().to_string())
        .collect()
}

fn set(ids: &[&str]) -> BTreeSet<String> {
    ids.iter().map(|s| s.to_string()).collect()
}

/// Waits until every service of this run has a running task.
fn wait_running(services: &[String]) {
    let start = Instant::now();
    for s in services {
        loop {
            let states = docker_ok(&["service", "ps", "--format", "{{.CurrentState}}", s]);
            if states.lines().any(|l| l.starts_with("Running")) {
                break;
            }
            if start.elapsed() > Duration::from_secs(90) {
                // The task errors say why the orchestrator rejected it.
                let errors = docker(&["service", "ps", "--no-trunc", "--format", "{{.CurrentState}}: {{.Error}}", s]);
                panic!("service {s} not running: {errors:?}");
            }
            std::thread::sleep(Duration::from_millis(300));
        }
    }
}

#[test]
fn swarm_services_nodes_and_settings() {
    require_engine();
    let _lock = SwarmLock::acquire();
    let t = token("swarm");
    let image = TestImage::build(&t, None);
    // The same image under a datastore's name (roles come from image names).
    let redis_tag = format!("stackaudit-test/redis:{}", t.to_ascii_lowercase());
    docker_ok(&["tag", &image.tag, &redis_tag]);
    let swarm = Swarm::init();
    let (dir, _) = config_dir(&t, "");

    // Swarm mode on, no service: not needed (CIS 5.1).
    let report = scan(dir.path(), None);
    assert_eq!(report["errors"], json!([]));
    let swarm_rules = rules_for(&report, "swarm", "swarm");
    assert!(swarm_rules.contains("docker-swarm-mode-unneeded"), "{swarm_rules:?}");

    let label = format!("{TEST_LABEL}={t}");
    let name = |short: &str| format!("sa-{t}-{short}");
    let secret = format!("sa-{t}-db-password");
    // Swarm secrets are the way to give a service a password (CIS 7.4).
    let mut child = std::process::Command::new("docker")
        .args(["secret", "create", "--label", &label, &secret, "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        child.stdin.take().unwrap().write_all(b"Zq8kP2vLx9mW4rYh").unwrap();
    }
    assert!(child.wait().unwrap().success());
    let encrypted = format!("sa-{t}-enc");
    let clear = format!("sa-{t}-clear");
    docker_ok(&["network", "create", "--driver", "overlay", "--opt", "encrypted", "--label", &label, &encrypted]);
    docker_ok(&["network", "create", "--driver", "overlay", "--label", &label, &clear]);

    let common = |short: &str| -> Vec<String> {
        ["service", "create", "--detach", "--no-resolve-image", "--name", &name(short), "--label", &label]
            .iter()
            .map(|s| s.to_string())
            .collect()
    };
    let create = |args: Vec<String>| {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        docker_ok(&args);
    };
    let mut hardened = common("hardened");
    hardened.extend(
        [
            "--user",
            "1001",
            "--cap-drop",
            "ALL",
            "--read-only",
            "--limit-memory",
            "64m",
            "--limit-cpu",
            "0.5",
            "--limit-pids",
            "50",
            "--health-cmd",
            "exit 0",
            "--health-interval",
            "1s",
            "--secret",
            &secret,
            "--network",
            &encrypted,
            &image.tag,
            "sleep",
            "600",
        ]
        .map(str::to_string),
    );
    create(hardened);
    // Ports are published in host mode: the routing mesh (ingress mode) needs
    // IPVS in the kernel, which a CI machine may lack (its tasks are then
    // rejected), and the collector reads both modes the same way: either
    // opens the port on every interface of a node.
    let mut weak = common("redis");
    weak.extend(
        [
            "--publish",
            "published=16379,target=6379,mode=host",
            "--env",
            "DB_PASSWORD=Zq8kP2vLx9mW4rYh",
            "--network",
            &clear,
            &redis_tag,
            "sleep",
            "600",
        ]
        .map(str::to_string),
    );
    create(weak);
    let mut telnet = common("telnet");
    telnet.extend(
        [
            "--user",
            "1001",
            "--cap-drop",
            "ALL",
            "--read-only",
            "--limit-memory",
            "64m",
            "--limit-cpu",
            "0.5",
            "--limit-pids",
            "50",
            "--health-cmd",
            "exit 0",
            "--ulimit",
            "nofile=1024:2048",
            "--publish",
            "published=23,target=2323,mode=host",
            &image.tag,
            "sleep",
            "600",
        ]
        .map(str::to_string),
    );
    create(telnet);
    let services = vec![name("hardened"), name("redis"), name("telnet")];
    wait_running(&services);

    let report = scan(dir.path(), None);
    assert_eq!(report["errors"], json!([]), "{report:#}");
    // The same workload rule IDs as compose services and containers, with
    // the service as the subject. Swarm on this engine (API 1.41) cannot
    // set no-new-privileges on a service: the hardened one keeps that one.
    assert_eq!(rules_for(&report, "workload", &name("hardened")), set(&["workload-new-privileges-allowed"]));
    assert_eq!(
        rules_for(&report, "workload", &name("redis")),
        set(&[
            "workload-runs-as-root",
            "workload-capabilities-not-dropped",
            "workload-writable-rootfs",
            "workload-no-memory-limit",
            "workload-no-cpu-limit",
            "workload-no-pids-limit",
            "workload-new-privileges-allowed",
            "workload-no-healthcheck",
            "workload-secret-in-environment",
            "workload-internal-port-published",
        ])
    );
    assert_eq!(
        rules_for(&report, "workload", &name("telnet")),
        set(&[
            "workload-new-privileges-allowed",
            "workload-port-published-all-interfaces",
            "docker-privileged-port-mapped",
            "docker-ulimit-override",
        ])
    );
    let facts = report["facts"].as_array().unwrap();
    let fact = |kind: &str, subject: &str| {
        facts.iter().find(|f| f["kind"] == kind && f["subject"]["name"] == subject).cloned()
    };
    let hardened_fact = fact("workload", &name("hardened")).expect("a workload fact per service");
    assert_eq!(hardened_fact["data"]["platform"], "swarm");
    assert_eq!(hardened_fact["subject"]["labels"]["secrets_mounted"], secret.as_str());
    assert_eq!(hardened_fact["subject"]["labels"]["mode"], "replicated");

    // Task containers are audited as their service, not again.
    let task_subjects: Vec<&Value> = facts
        .iter()
        .filter(|f| f["kind"] == "workload" && f["subject"]["name"].as_str().unwrap().contains(".1."))
        .collect();
    assert!(task_subjects.is_empty(), "{task_subjects:#?}");
    assert!(report["skipped"].as_array().unwrap().iter().any(|s| s["reason"].as_str().unwrap().contains("swarm task")));

    // The swarm and its node.
    let swarm_fact = fact("swarm", "swarm").expect("a swarm fact");
    assert_eq!(swarm_fact["data"]["managers"], 1);
    assert_eq!(swarm_fact["data"]["autolock"], false);
    assert_eq!(swarm_fact["data"]["listen_known"], true);
    let networks = swarm_fact["data"]["overlay_networks"].as_array().unwrap();
    let encrypted_of = |n: &str| networks.iter().find(|x| x["name"] == n).map(|x| x["encrypted"].clone());
    assert_eq!(encrypted_of(&encrypted), Some(json!(true)));
    assert_eq!(encrypted_of(&clear), Some(json!(false)));
    assert_eq!(
        rules_for(&report, "swarm", "swarm"),
        set(&["docker-swarm-autolock-disabled", "docker-swarm-port-all-interfaces"]),
        "a single node: no overlay finding; services run: swarm mode is used"
    );
    let node = facts.iter().find(|f| f["kind"] == "swarm_node").expect("a node fact");
    assert_eq!(node["data"]["role"], "manager");
    assert_eq!(node["data"]["leader"], true);
    let version = docker_ok(&["version", "--format", "{{.Server.Version}}"]);
    assert_eq!(node["data"]["engine_version"], version.as_str());
    let node_name = node["subject"]["name"].as_str().unwrap();
    assert_eq!(rules_for(&report, "swarm_node", node_name), set(&["docker-swarm-planes-not-separated"]));
    let daemon = facts.iter().find(|f| f["kind"] == "docker_daemon").unwrap();
    assert_eq!(daemon["data"]["swarm_state"], "active");
    assert_eq!(daemon["data"]["swarm_manager"], true);

    // Every report format carries the services' findings, under the same
    // rule IDs and finding IDs (rendered from this scan's JSON by the
    // renderers `scan` uses).
    let saved = dir.path().join("swarm.json");
    std::fs::write(&saved, serde_json::to_vec(&report).unwrap()).unwrap();
    let redis_ids: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["subject"]["name"] == name("redis").as_str())
        .map(|f| f["id"].as_str().unwrap().to_string())
        .collect();
    assert!(!redis_ids.is_empty());
    for format in ["table", "html", "sarif", "junit"] {
        let out = support::bin().args(["report", "--format", format]).arg(&saved).output().unwrap();
        let text = support::stdout(&out);
        assert!(text.contains("workload-internal-port-published"), "{format} lacks the rule");
        assert!(text.contains(&name("redis")), "{format} lacks the service");
        if format != "table" {
            for id in &redis_ids {
                assert!(text.contains(id.as_str()), "{format} lacks finding {id}");
            }
        }
    }

    // Only GET requests, and the swarm endpoints among them.
    let proxy = RecordingProxy::start(SOCKET);
    let report = scan(dir.path(), Some(&proxy.uri()));
    assert_eq!(report["errors"], json!([]));
    assert!(rules_for(&report, "workload", &name("redis")).contains("workload-internal-port-published"));
    let requests = proxy.requests();
    let not_get: Vec<_> = requests.iter().filter(|r| r.method != "GET").collect();
    assert!(not_get.is_empty(), "non-GET requests sent to the daemon: {not_get:?}");
    for want in ["/swarm", "/nodes", "/services", "/tasks", "/networks", "/secrets"] {
        assert!(
            requests.iter().any(|r| r.path.split('?').next().is_some_and(|p| p.ends_with(want))),
            "no GET {want} in {requests:#?}"
        );
    }

    // Clean up what leaving the swarm does not remove by itself.
    for s in &services {
        let _ = docker(&["service", "rm", s]);
    }
    drop(swarm);
    let _ = docker(&["network", "rm", &encrypted, &clear]);
}
