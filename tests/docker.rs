//! The Docker collector against the real engine: containers started with
//! each hardened and unhardened setting, and the exact findings for each.
//! Images are built locally from busybox-static (nothing can be pulled);
//! every container and image is removed by ID when a test ends.

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
use std::path::Path;
use std::process::Output;
use std::time::Duration;

use docker_support::fronts::{FakeSsh, TlsFront};
use docker_support::proxy::RecordingProxy;
use docker_support::{config_dir, docker_ok, require_engine, token, Containers, TestImage, SOCKET};
use serde_json::Value;

const LOCAL: &str = "unix:///var/run/docker.sock";

/// Runs a scan in `dir` with `DOCKER_HOST` under the test's control.
fn scan(dir: &Path, args: &[&str], docker_host: Option<&str>) -> (i32, Value, Output) {
    let mut cmd = support::bin();
    cmd.current_dir(dir).args(["scan", "--format", "json"]).args(args);
    cmd.env_remove("DOCKER_HOST").env_remove("DOCKER_TLS_VERIFY").env_remove("DOCKER_CERT_PATH");
    if let Some(h) = docker_host {
        cmd.env("DOCKER_HOST", h);
    }
    let out = cmd.output().expect("stackaudit runs");
    let json = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("not JSON ({e}); stderr: {}", support::stderr(&out));
    });
    (out.status.code().unwrap_or(-1), json, out)
}

fn findings<'a>(report: &'a Value, name: &str) -> Vec<&'a Value> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["subject"]["kind"] == "workload" && f["subject"]["name"] == name)
        .collect()
}

/// Rule IDs of the findings that count (not suppressed) for a container.
fn active_rules(report: &Value, name: &str) -> BTreeSet<String> {
    findings(report, name)
        .iter()
        .filter(|f| f["suppressed"] != true)
        .map(|f| f["rule_id"].as_str().unwrap().to_string())
        .collect()
}

fn set(ids: &[&str]) -> BTreeSet<String> {
    ids.iter().map(|s| s.to_string()).collect()
}

/// Everything the deployment guide asks for, as `docker run` options.
fn hardened(user: &str, health: &str) -> Vec<String> {
    [
        "--user",
        user,
        "--cap-drop",
        "ALL",
        "--read-only",
        "--memory",
        "64m",
        "--cpus",
        "0.5",
        "--pids-limit",
        "50",
        "--security-opt",
        "no-new-privileges",
        "--health-cmd",
        health,
        "--health-interval",
        "1s",
        "--health-retries",
        "1",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// What an unhardened container (no options at all) gets.
const BARE: &[&str] = &[
    "workload-runs-as-root",
    "workload-capabilities-not-dropped",
    "workload-writable-rootfs",
    "workload-no-memory-limit",
    "workload-no-cpu-limit",
    "workload-no-pids-limit",
    "workload-new-privileges-allowed",
    "workload-no-healthcheck",
];

#[test]
fn each_setting_gives_exactly_its_findings() {
    require_engine();
    let t = token("settings");
    let image = TestImage::build(&t, None);
    let user_image = TestImage::build(&format!("{t}-u"), Some("1001"));
    // The same image under a datastore's name: roles come from the image
    // name, so this container is judged as Redis. Removed with the image
    // (`rmi -f` by ID drops every tag).
    let redis_tag = format!("stackaudit-test/redis:{}", t.to_ascii_lowercase());
    docker_ok(&["tag", &image.tag, &redis_tag]);
    let mut c = Containers::new(&t);
    // The parent must suit the engine's cgroup driver: systemd takes a slice.
    let cgroup_parent = if docker_ok(&["info", "--format", "{{.CgroupDriver}}"]) == "systemd" {
        format!("stackaudit-{}.slice", t.to_ascii_lowercase())
    } else {
        format!("/stackaudit-{}", t.to_ascii_lowercase())
    };
    let secret_value = "Zq8kP2vLx9mW4rYh";
    let secret_env = format!("DB_PASSWORD={secret_value}");

    // (short name, options, image, command, expected rule IDs)
    let cases: Vec<Case> = vec![
        ("hardened", hardened("1001", "exit 0"), &image.tag, vec![], vec![]),
        ("bare", vec![], &image.tag, vec![], BARE.to_vec()),
        (
            "cap-sys-admin",
            with(hardened("1001", "exit 0"), &["--cap-add", "SYS_ADMIN"]),
            &image.tag,
            vec![],
            vec!["workload-dangerous-capability-added"],
        ),
        (
            "privileged",
            with(hardened("1001", "exit 0"), &["--privileged"]),
            &image.tag,
            vec![],
            vec!["workload-privileged"],
        ),
        (
            "docker-sock",
            with(hardened("1001", "exit 0"), &["-v", "/var/run/docker.sock:/var/run/docker.sock"]),
            &image.tag,
            vec![],
            vec!["workload-docker-socket-mounted"],
        ),
        (
            "host-net",
            with(hardened("1001", "exit 0"), &["--network", "host"]),
            &image.tag,
            vec![],
            vec!["workload-host-namespace"],
        ),
        (
            "redis-all",
            with(hardened("1001", "exit 0"), &["-p", "0.0.0.0::6379"]),
            &redis_tag,
            vec![],
            // One finding for the one defect, at the higher severity.
            vec!["workload-internal-port-published"],
        ),
        (
            "app-all",
            with(hardened("1001", "exit 0"), &["-p", "0.0.0.0::3000"]),
            &image.tag,
            vec![],
            // An app with no proxy in front serves the public on 3000.
            vec!["workload-port-published-all-interfaces"],
        ),
        ("redis-local", with(hardened("1001", "exit 0"), &["-p", "127.0.0.1::6379"]), &image.tag, vec![], vec![]),
        (
            "seccomp",
            with(hardened("1001", "exit 0"), &["--security-opt", "seccomp=unconfined"]),
            &image.tag,
            vec![],
            vec!["workload-seccomp-unconfined"],
        ),
        (
            "secret",
            with(hardened("1001", "exit 0"), &["-e", &secret_env]),
            &image.tag,
            vec![],
            vec!["workload-secret-in-environment"],
        ),
        (
            "host-etc",
            with(hardened("1001", "exit 0"), &["-v", "/etc:/host-etc:ro"]),
            &image.tag,
            vec![],
            vec!["workload-sensitive-host-mount"],
        ),
        (
            "device",
            with(hardened("1001", "exit 0"), &["--device", "/dev/null:/dev/xnull"]),
            &image.tag,
            vec![],
            vec!["workload-host-devices"],
        ),
        ("unhealthy", hardened("1001", "exit 1"), &image.tag, vec![], vec!["docker-container-unhealthy"]),
        ("sshd", hardened("1001", "exit 0"), &image.tag, vec!["/usr/sbin/sshd"], vec!["docker-sshd-running"]),
        ("image-user", without_user(hardened("1001", "exit 0")), &user_image.tag, vec![], vec![]),
        (
            "root-override",
            hardened("0", "exit 0"),
            &user_image.tag,
            vec![],
            vec!["workload-runs-as-root", "docker-user-overrides-image"],
        ),
        // CIS 5.15, 5.19, 5.8 and 5.25 on real containers.
        (
            "restart-always",
            with(hardened("1001", "exit 0"), &["--restart", "always"]),
            &image.tag,
            vec![],
            vec!["docker-restart-policy-unbounded"],
        ),
        (
            "restart-bounded",
            with(hardened("1001", "exit 0"), &["--restart", "on-failure:5"]),
            &image.tag,
            vec![],
            vec![],
        ),
        (
            "ulimit",
            with(hardened("1001", "exit 0"), &["--ulimit", "nofile=1024:2048"]),
            &image.tag,
            vec![],
            vec!["docker-ulimit-override"],
        ),
        (
            "low-port",
            with(hardened("1001", "exit 0"), &["-p", "127.0.0.1:1023:8080"]),
            &image.tag,
            vec![],
            vec!["docker-privileged-port-mapped"],
        ),
        (
            "cgroup-parent",
            with(hardened("1001", "exit 0"), &["--cgroup-parent", &cgroup_parent]),
            &image.tag,
            vec![],
            vec!["docker-cgroup-parent"],
        ),
        (
            "ignored",
            vec![
                "--label".into(),
                "stackaudit.ignore=workload-no-healthcheck, workload-writable-rootfs".into(),
                "--label".into(),
                "stackaudit.ignore.reason=batch worker, health comes from the queue".into(),
            ],
            &image.tag,
            vec![],
            BARE.iter()
                .copied()
                .filter(|r| *r != "workload-no-healthcheck" && *r != "workload-writable-rootfs")
                .collect(),
        ),
    ];
    let mut ids = Vec::new();
    for (short, opts, img, cmd, _) in &cases {
        let mut args: Vec<&str> = opts.iter().map(String::as_str).collect();
        args.push(img);
        if cmd.is_empty() {
            args.extend(["sleep", "600"]);
        } else {
            args.extend(cmd);
        }
        ids.push(c.run(short, &args));
    }
    let unhealthy = &ids[cases.iter().position(|c| c.0 == "unhealthy").unwrap()];
    c.wait_health(unhealthy, "unhealthy", Duration::from_secs(30));
    let hardened_id = &ids[0];
    c.wait_health(hardened_id, "healthy", Duration::from_secs(30));

    let (dir, _) = config_dir(&t, "");
    let (code, report, out) = scan(dir.path(), &["--docker"], None);
    assert_eq!(code, 1, "findings at or above high fail the gate; errors: {}", report["errors"]);
    assert_eq!(report["errors"], serde_json::json!([]), "{}", support::stderr(&out));

    let mut problems = Vec::new();
    for (short, _, _, _, expected) in &cases {
        let name = c.name(short);
        let got = active_rules(&report, &name);
        // Every container here but the host-network one is on the default
        // bridge (no --network), which CIS 5.30 reports.
        let mut expected = set(expected);
        if *short != "host-net" {
            expected.insert("docker-default-bridge".into());
        }
        if got != expected {
            problems.push(format!("{short}: expected {expected:?}, got {got:?}"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));

    // Every finding names host, container, ID and image, and points at the
    // config's [docker] section (line 2) for SARIF.
    let name = c.name("bare");
    for f in findings(&report, &name) {
        assert_eq!(f["subject"]["scope"], LOCAL);
        assert_eq!(f["subject"]["labels"]["container_id"], &ids[1][..12]);
        assert_eq!(f["subject"]["labels"]["image"], image.tag.as_str());
        // The config was found in the scan's folder, so the path is as found.
        assert_eq!(f["declared_in"]["path"], "stackaudit.toml");
        assert_eq!(f["declared_in"]["line"], 2);
    }

    // Keys name exactly what is wrong.
    let key = |short: &str, rule: &str| -> Vec<String> {
        findings(&report, &c.name(short))
            .iter()
            .filter(|f| f["rule_id"] == rule)
            .map(|f| f["key"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    assert_eq!(key("cap-sys-admin", "workload-dangerous-capability-added"), ["SYS_ADMIN"]);
    assert_eq!(key("host-net", "workload-host-namespace"), ["network"]);
    assert_eq!(key("redis-all", "workload-internal-port-published"), ["6379/tcp"]);
    assert_eq!(key("secret", "workload-secret-in-environment"), ["DB_PASSWORD"]);
    assert_eq!(key("device", "workload-host-devices"), ["/dev/null"]);
    assert_eq!(key("host-etc", "workload-sensitive-host-mount"), ["/host-etc"]);
    assert_eq!(key("sshd", "docker-sshd-running"), ["sshd"]);

    // The label suppresses with its reason, in the report.
    let ignored = findings(&report, &c.name("ignored"));
    let suppressed: BTreeSet<&str> =
        ignored.iter().filter(|f| f["suppressed"] == true).map(|f| f["rule_id"].as_str().unwrap()).collect();
    assert_eq!(suppressed, BTreeSet::from(["workload-no-healthcheck", "workload-writable-rootfs"]));
    for f in ignored.iter().filter(|f| f["suppressed"] == true) {
        assert_eq!(f["suppression"]["reason"], "batch worker, health comes from the queue");
        assert!(f["suppression"]["source"].as_str().unwrap().contains("stackaudit.ignore"), "{f}");
    }

    // The secret's value appears nowhere, not even in the facts.
    assert!(!support::stdout(&out).contains(secret_value), "the secret value leaked into the report");
    assert!(!support::stderr(&out).contains(secret_value), "the secret value leaked into the log");
}

/// One container: short name, `docker run` options, image, command (empty =
/// `sleep 600`), and the rule IDs that must fire for it, no more, no less.
type Case<'a> = (&'a str, Vec<String>, &'a str, Vec<&'a str>, Vec<&'a str>);

fn with(mut base: Vec<String>, extra: &[&str]) -> Vec<String> {
    base.extend(extra.iter().map(|s| s.to_string()));
    base
}

fn without_user(opts: Vec<String>) -> Vec<String> {
    let mut out = Vec::new();
    let mut skip = false;
    for o in opts {
        if skip {
            skip = false;
            continue;
        }
        if o == "--user" {
            skip = true;
            continue;
        }
        out.push(o);
    }
    out
}

/// TLS with client certificates (the docker CLI's `DOCKER_TLS_VERIFY` and
/// `DOCKER_CERT_PATH`) and `ssh://` (with a port) reach the real engine
/// through stackaudit's capped transport; the TLS front and `ssh` are
/// stand-ins (see docker_support/fronts.rs), the engine behind them is real.
#[test]
fn tls_and_ssh_hosts_reach_the_engine() {
    require_engine();
    let version = docker_ok(&["info", "--format", "{{.ServerVersion}}"]);
    let daemon_version = |report: &Value| {
        report["facts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["kind"] == "docker_daemon")
            .map(|f| f["data"]["server_version"].as_str().unwrap_or_default().to_string())
    };
    let dir = tempfile::tempdir().unwrap();

    let front = TlsFront::start(false, Path::new(SOCKET));
    let out = support::bin()
        .current_dir(dir.path())
        .args(["scan", "--docker", "--only", "docker", "--format", "json"])
        .env("DOCKER_HOST", format!("tcp://127.0.0.1:{}", front.port))
        .env("DOCKER_TLS_VERIFY", "1")
        .env("DOCKER_CERT_PATH", &front.cert_dir)
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["errors"], serde_json::json!([]), "{}", support::stderr(&out));
    assert_eq!(daemon_version(&report).as_deref(), Some(version.as_str()));

    // Without the client certificate the front refuses the handshake.
    std::fs::remove_file(front.cert_dir.join("key.pem")).unwrap();
    let out = support::bin()
        .current_dir(dir.path())
        .args(["scan", "--docker", "--only", "docker", "--format", "json"])
        .env("DOCKER_HOST", format!("tcp://127.0.0.1:{}", front.port))
        .env("DOCKER_TLS_VERIFY", "1")
        .env("DOCKER_CERT_PATH", &front.cert_dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(support::stdout(&out).contains("key.pem"), "the missing key file is named");

    let ssh = FakeSsh::new();
    let out = support::bin()
        .current_dir(dir.path())
        .args(["scan", "--docker", "--only", "docker", "--format", "json"])
        .env("DOCKER_HOST", "ssh://auditor@engine.example:2222")
        .env("PATH", ssh.path_env())
        .env("FAKE_SSH_LOG", ssh.log())
        .env("FAKE_SSH_TARGET", SOCKET)
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["errors"], serde_json::json!([]), "{}", support::stderr(&out));
    assert_eq!(daemon_version(&report).as_deref(), Some(version.as_str()));
    let calls = ssh.calls();
    for want in
        ["-T\n", "BatchMode=yes\n", "-l\nauditor\n", "-p\n2222\n", "--\nengine.example\ndocker\nsystem\ndial-stdio\n"]
    {
        assert!(calls.contains(want), "ssh was not called with {want:?}: {calls}");
    }
}

#[test]
fn stopped_containers_only_with_all() {
    require_engine();
    let t = token("stopped");
    let image = TestImage::build(&t, None);
    let mut c = Containers::new(&t);
    let src = tempfile::tempdir().unwrap();
    let bind = format!("{}:/mnt:rshared", src.path().display());
    // Never started: this daemon's root mount is not shared, so it could not
    // start with rshared propagation, but the setting is what is audited.
    let mut opts = hardened("1001", "exit 0");
    opts.extend(["-v".to_string(), bind]);
    let mut args: Vec<&str> = opts.iter().map(String::as_str).collect();
    args.extend([image.tag.as_str(), "sleep", "600"]);
    c.create("propagation", &args);

    let (dir, _) = config_dir(&t, "");
    let (_, report, _) = scan(dir.path(), &["--docker"], None);
    assert!(findings(&report, &c.name("propagation")).is_empty(), "stopped containers need --all");

    let (_, report, out) = scan(dir.path(), &["--docker", "--all"], None);
    assert_eq!(report["errors"], serde_json::json!([]), "{}", support::stderr(&out));
    assert_eq!(
        active_rules(&report, &c.name("propagation")),
        set(&["workload-mount-propagation-shared", "docker-default-bridge"])
    );
    let fact = report["facts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["subject"]["name"] == c.name("propagation").as_str())
        .expect("a workload fact for the stopped container");
    assert_eq!(fact["data"]["runtime"]["status"], "created");
    assert_eq!(fact["data"]["runtime"]["processes"], serde_json::json!([]));
}

#[test]
fn daemon_facts_match_docker_info() {
    require_engine();
    let t = token("daemon");
    let (dir, _) = config_dir(&t, "");
    let (_, report, out) = scan(dir.path(), &["--docker"], None);
    assert_eq!(report["errors"], serde_json::json!([]), "{}", support::stderr(&out));
    let daemon = report["facts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kind"] == "docker_daemon")
        .expect("a docker_daemon fact");
    let data = &daemon["data"];
    assert_eq!(daemon["subject"]["name"], LOCAL);
    assert_eq!(data["server_version"], docker_ok(&["info", "--format", "{{.ServerVersion}}"]).as_str());
    let live_restore = docker_ok(&["info", "--format", "{{.LiveRestoreEnabled}}"]) == "true";
    assert_eq!(data["live_restore"], live_restore);
    let security = docker_ok(&["info", "--format", "{{json .SecurityOptions}}"]);
    assert_eq!(data["userns_remap"], security.contains("name=userns"));
    assert_eq!(data["rootless"], security.contains("name=rootless"));
    assert_eq!(data["apparmor"], security.contains("apparmor"));
    let icc = docker_ok(&[
        "network",
        "inspect",
        "bridge",
        "--format",
        "{{index .Options \"com.docker.network.bridge.enable_icc\"}}",
    ]);
    assert_eq!(data["icc"], icc != "false");

    // The rules follow the facts.
    let daemon_rules: BTreeSet<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["subject"]["kind"] == "docker_daemon")
        .map(|f| f["rule_id"].as_str().unwrap())
        .collect();
    assert_eq!(daemon_rules.contains("docker-daemon-live-restore-disabled"), !live_restore);
    assert_eq!(
        daemon_rules.contains("docker-daemon-no-userns-remap"),
        !security.contains("name=userns") && !security.contains("name=rootless")
    );
    assert_eq!(daemon_rules.contains("docker-daemon-icc-enabled"), icc != "false");
}

#[test]
fn only_get_requests_reach_the_daemon() {
    require_engine();
    let t = token("readonly");
    let image = TestImage::build(&t, None);
    let mut c = Containers::new(&t);
    let id = c.run("probe", &[&image.tag, "/usr/sbin/sshd"]);
    let proxy = RecordingProxy::start(SOCKET);

    let (dir, _) = config_dir(&t, "");
    let (_, report, out) = scan(dir.path(), &["--docker", "--all"], Some(&proxy.uri()));
    assert_eq!(report["errors"], serde_json::json!([]), "{}", support::stderr(&out));
    assert!(active_rules(&report, &c.name("probe")).contains("docker-sshd-running"));

    let requests = proxy.requests();
    let not_get: Vec<_> = requests.iter().filter(|r| r.method != "GET").collect();
    assert!(not_get.is_empty(), "non-GET requests sent to the daemon: {not_get:?}");
    // And the requests that matter were among them, so the proof is not vacuous.
    // (The process list that found sshd came from this host's /proc, since
    // the scan runs on the Docker host; elsewhere it is a GET of `top`.)
    let paths: Vec<String> = requests.iter().map(|r| strip_version(&r.path)).collect();
    for want in [
        "/version".to_string(),
        "/info".to_string(),
        "/networks/bridge".to_string(),
        "/containers/json".to_string(),
        format!("/containers/{id}/json"),
        format!("/images/{}/json", image.id),
    ] {
        assert!(paths.iter().any(|p| p.split('?').next() == Some(want.as_str())), "no GET {want} in {paths:#?}");
    }
}

/// `/v1.41/info?x` → `/info?x`.
fn strip_version(path: &str) -> String {
    match path.strip_prefix("/v").and_then(|rest| rest.find('/').map(|i| &rest[i..])) {
        Some(rest) if path[2..].starts_with(|c: char| c.is_ascii_digit()) => rest.to_string(),
        _ => path.to_string(),
    }
}

#[test]
fn missing_socket_is_a_clear_error_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let (code, report, out) = scan(dir.path(), &["--docker"], Some("unix:///nonexistent/docker.sock"));
    assert_eq!(code, 2, "{}", support::stderr(&out));
    let errors = report["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0]["source"], "docker");
    assert_eq!(errors[0]["target"], "unix:///nonexistent/docker.sock");
    assert_eq!(errors[0]["kind"], "unreachable");
    let message = errors[0]["message"].as_str().unwrap();
    assert!(message.contains("/nonexistent/docker.sock") && message.contains("does not exist"), "{message}");
}

#[test]
fn a_dead_host_does_not_stop_the_others() {
    require_engine();
    let t = token("dead");
    // A socket file nobody listens on (a daemon that stopped) and a TCP port
    // that refuses connections.
    let dead_dir = tempfile::tempdir().unwrap();
    let dead = dead_dir.path().join("docker.sock");
    drop(std::os::unix::net::UnixListener::bind(&dead).unwrap());
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let dead_uri = format!("unix://{}", dead.display());
    let tcp_uri = format!("tcp://127.0.0.1:{port}");
    let (dir, _) = config_dir(&t, "timeout_secs = 5");
    let (code, report, out) =
        scan(dir.path(), &["--docker-host", &dead_uri, "--docker-host", &tcp_uri, "--docker-host", LOCAL], None);
    assert_eq!(code, 2, "{}", support::stderr(&out));
    let errors = report["errors"].as_array().unwrap();
    let targets: BTreeSet<&str> = errors.iter().map(|e| e["target"].as_str().unwrap()).collect();
    assert_eq!(targets, BTreeSet::from([dead_uri.as_str(), tcp_uri.as_str()]), "{errors:?}");
    assert!(errors.iter().all(|e| e["kind"] == "unreachable"), "{errors:?}");
    // The live host was audited all the same.
    assert!(report["facts"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["kind"] == "docker_daemon" && f["subject"]["name"] == LOCAL));
}

#[test]
fn a_hung_daemon_times_out() {
    // A fake peer: a socket that accepts and never answers. No real daemon
    // can be made to hang on demand.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("docker.sock");
    let listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            held.push(stream);
        }
    });
    let uri = format!("unix://{}", path.display());
    let (config_dir, _) = config_dir("hung", "timeout_secs = 1");
    let started = std::time::Instant::now();
    let (code, report, out) = scan(config_dir.path(), &["--docker-host", &uri], None);
    assert!(started.elapsed() < Duration::from_secs(10), "took {:?}", started.elapsed());
    assert_eq!(code, 2, "{}", support::stderr(&out));
    let errors = report["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0]["target"], uri.as_str());
    assert_eq!(errors[0]["kind"], "timeout");
}
