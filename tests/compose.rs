//! The compose collector end to end: the binary scans fixture projects and
//! the tests assert the exact findings per service with file and line, the
//! workload facts each setting maps to, override merging, Dockerfile
//! inheritance, interpolation and every kind of bad input.

// A test crate: a panic here fails a test, it cannot crash a scan.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::string_slice,
    clippy::indexing_slicing,
    clippy::unreachable
)]

mod compose_support;
mod docker_support;
mod support;

use compose_support::*;
use serde_json::{json, Value};

fn scan_fixture(dir: &str) -> (i32, Value) {
    scan(&support::fixture("compose"), &[dir, "--exit-zero"])
}

const MAPPINGS: &str = "mappings/docker-compose.yml";

#[test]
fn hardened_service_has_no_findings() {
    let (_, report) = scan_fixture("mappings");
    assert_eq!(hits_of(&report, "hardened"), vec![], "{:#?}", hits(&report));
}

#[test]
fn risky_service_findings_point_at_each_setting() {
    let (code, report) = scan_fixture("mappings");
    assert_eq!(code, 0, "--exit-zero; errors: {:?}", errors(&report));
    assert_eq!(errors(&report), vec![]);
    let at = |line: u32| format!("{MAPPINGS}:{line}");
    let mut expected = vec![
        hit("image-unpinned-tag", "risky", &at(19)),
        hit("workload-docker-socket-mounted", "risky", &at(29)),
        hit("workload-host-devices", "risky", &at(36)),
        hit("workload-host-namespace", "risky", &at(22)),
        hit("workload-host-namespace", "risky", &at(23)),
        hit("workload-host-namespace", "risky", &at(24)),
        hit("workload-internal-port-published", "risky", &at(38)),
        hit("workload-mount-propagation-shared", "risky", &at(31)),
        hit("workload-no-healthcheck", "risky", &at(50)),
        hit("workload-no-pids-limit", "risky", &at(45)),
        // A datastore: every port it publishes is internal, each one finding.
        hit("workload-internal-port-published", "risky", &at(39)),
        hit("workload-internal-port-published", "risky", &at(42)),
        hit("workload-privileged", "risky", &at(20)),
        // `redis` sets no user and no engine here has it: unknown, low.
        hit("workload-may-run-as-root", "risky", &at(18)),
        hit("workload-sensitive-host-mount", "risky", &at(30)),
        hit("workload-writable-rootfs", "risky", &at(18)),
    ];
    expected.sort();
    assert_eq!(hits_of(&report, "risky"), expected);
}

#[test]
fn service_with_nothing_set_gets_the_defaults_findings() {
    let (_, report) = scan_fixture("mappings");
    let at = |line: u32| format!("{MAPPINGS}:{line}");
    let mut expected = vec![
        hit("image-unpinned-tag", "defaults", &at(54)),
        hit("workload-capabilities-not-dropped", "defaults", &at(53)),
        hit("workload-new-privileges-allowed", "defaults", &at(53)),
        hit("workload-no-cpu-limit", "defaults", &at(53)),
        hit("workload-no-healthcheck", "defaults", &at(53)),
        hit("workload-no-memory-limit", "defaults", &at(53)),
        hit("workload-no-pids-limit", "defaults", &at(53)),
        hit("workload-may-run-as-root", "defaults", &at(53)),
        hit("workload-writable-rootfs", "defaults", &at(53)),
    ];
    expected.sort();
    assert_eq!(hits_of(&report, "defaults"), expected);
}

#[test]
fn settings_a_privileged_container_overrides_are_findings_of_their_own_only_without_privileged() {
    let (_, report) = scan_fixture("mappings");
    let at = |line: u32| format!("{MAPPINGS}:{line}");
    let found: Vec<_> = hits_of(&report, "unconfined")
        .into_iter()
        .filter(|(rule, ..)| {
            ["workload-apparmor-unconfined", "workload-seccomp-unconfined", "workload-dangerous-capability-added"]
                .contains(&rule.as_str())
        })
        .collect();
    let mut expected = vec![
        hit("workload-apparmor-unconfined", "unconfined", &at(67)),
        // SYS_ADMIN and IPC_LOCK (outside the Baseline set), not NET_BIND_SERVICE.
        hit("workload-dangerous-capability-added", "unconfined", &at(64)),
        hit("workload-dangerous-capability-added", "unconfined", &at(64)),
        hit("workload-seccomp-unconfined", "unconfined", &at(66)),
    ];
    expected.sort();
    assert_eq!(found, expected);
}

#[test]
fn settings_map_onto_the_workload_fact() {
    let (_, report) = scan_fixture("mappings");
    let hardened = &fact(&report, "workload", "hardened")["data"];
    assert_eq!(hardened["platform"], "compose");
    assert_eq!(
        hardened["user"],
        json!({"declared": "1001:1001", "uid": 1001, "source": "workload", "runs_as_root": false, "image": null})
    );
    assert_eq!(hardened["capabilities"], json!({"add": [], "drop": ["ALL"], "drops_all": true}));
    assert_eq!(hardened["limits"], json!({"memory_bytes": 2147483648_i64, "cpus": 1.5, "pids": 200}));
    assert_eq!(hardened["no_new_privileges"], true);
    assert_eq!(hardened["read_only_rootfs"], true);
    assert_eq!(hardened["ports"][1]["host_ip"], "::1");
    assert_eq!(hardened["ports"][1]["all_interfaces"], false);
    assert_eq!(hardened["healthcheck"], json!({"defined": true, "disabled": false, "source": "workload"}));

    let risky = &fact(&report, "workload", "risky")["data"];
    assert_eq!(risky["capabilities"]["add"], json!(["SYS_ADMIN", "NET_BIND_SERVICE"]));
    assert_eq!(
        risky["host_namespaces"],
        json!({"network": true, "pid": true, "ipc": true, "uts": false, "user": false})
    );
    assert_eq!(risky["security"]["seccomp"], "unconfined");
    assert_eq!(risky["security"]["apparmor"], "unconfined");
    assert_eq!(risky["limits"], json!({"memory_bytes": 536870912, "cpus": 0.5, "pids": null}));
    assert_eq!(
        risky["mounts"],
        json!([
            {"kind": "bind", "source": "/var/run/docker.sock", "target": "/var/run/docker.sock", "read_only": true, "propagation": null},
            {"kind": "bind", "source": "/etc", "target": "/host-etc", "read_only": true, "propagation": null},
            {"kind": "bind", "source": "/srv/data", "target": "/data", "read_only": false, "propagation": "rshared"},
        ])
    );
    assert_eq!(risky["devices"], json!(["/dev/sda"]));
    let ports: Vec<(Value, Value, Value, Value)> = risky["ports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["host_ip"].clone(), p["host_port"].clone(), p["container_port"].clone(), p["protocol"].clone()))
        .collect();
    assert_eq!(
        ports,
        vec![
            (Value::Null, json!("6379"), json!("6379"), json!("tcp")),
            (json!("0.0.0.0"), json!("8080"), json!("8080"), json!("tcp")),
            (Value::Null, json!("8081-8082"), json!("80-81"), json!("udp")),
        ]
    );
    let env: Vec<(&str, &str, bool)> = risky["environment"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["name"].as_str().unwrap(), e["value"].as_str().unwrap(), !e["secret"].is_null()))
        .collect();
    assert_eq!(
        env,
        vec![("API_TOKEN", "literal", true), ("DB_URL", "reference", false), ("PASSTHROUGH", "unset", false)]
    );
    assert_eq!(risky["healthcheck"]["disabled"], true);

    // Values never reach the report; the secret is a masked preview.
    let text = report.to_string();
    assert!(!text.contains("f8Kq2LmZ9xR4vT7w") && !text.contains("Zq7#vK2pLm9wX4rT"));
}

#[test]
fn override_file_merges_onto_the_base_and_findings_point_at_the_file_that_set_it() {
    let (_, report) = scan_fixture("override");
    let workloads: Vec<&Value> =
        report["facts"].as_array().unwrap().iter().filter(|f| f["subject"]["kind"] == "workload").collect();
    assert_eq!(workloads.len(), 1, "one service, not one per file");
    assert_eq!(workloads[0]["subject"]["scope"], "override/docker-compose.yml");
    let app = &workloads[0]["data"];
    assert_eq!(app["image"]["raw"], "app:1.1", "the later file wins");
    assert_eq!(app["ports"].as_array().unwrap().len(), 2, "ports append");
    assert_eq!(app["environment"][0]["name"], "LOG_LEVEL", "kept from the base");
    assert_eq!(app["capabilities"]["drops_all"], false, "!reset removes the base's cap_drop");
    let hits = hits_of(&report, "app");
    assert!(hits.contains(&hit("workload-runs-as-root", "app", "override/docker-compose.override.yml:4")), "{hits:#?}");
    assert!(
        hits.contains(&hit("workload-port-published-all-interfaces", "app", "override/docker-compose.override.yml:6")),
        "{hits:#?}"
    );
    assert!(hits.contains(&hit("workload-no-memory-limit", "app", "override/docker-compose.yml:2")), "{hits:#?}");
}

#[test]
fn built_services_take_user_and_healthcheck_from_the_dockerfile_final_stage() {
    let (code, report) = scan_fixture("build");
    assert_eq!(errors(&report), vec![], "exit {code}");
    let web = fact(&report, "workload", "web");
    assert_eq!(web["data"]["build_dockerfile"], "build/Dockerfile");
    assert_eq!(
        web["data"]["user"],
        json!({"declared": "1001", "uid": 1001, "source": "dockerfile", "runs_as_root": false, "image": null})
    );
    assert_eq!(web["data"]["healthcheck"], json!({"defined": true, "disabled": false, "source": "dockerfile"}));
    assert_eq!(web["locations"]["user"]["path"], "build/Dockerfile");
    assert_eq!(web["locations"]["user"]["line"], 5);
    let web_hits: Vec<String> = hits_of(&report, "web").into_iter().map(|h| h.0).collect();
    assert!(!web_hits.contains(&"workload-runs-as-root".to_string()), "{web_hits:?}");
    assert!(!web_hits.contains(&"workload-no-healthcheck".to_string()), "{web_hits:?}");

    let worker = hits_of(&report, "worker");
    assert!(worker.contains(&hit("workload-runs-as-root", "worker", "build/docker-compose.yml:8")), "{worker:#?}");
    assert!(worker.contains(&hit("workload-no-healthcheck", "worker", "build/docker-compose.yml:4")), "{worker:#?}");
    assert_eq!(fact(&report, "workload", "worker")["data"]["build_dockerfile"], "build/worker/worker.Dockerfile");
    // The Dockerfile collector judges the Dockerfile itself.
    let df = hits_of(&report, "build/worker/worker.Dockerfile");
    assert_eq!(
        df,
        vec![
            hit("dockerfile-no-healthcheck", "build/worker/worker.Dockerfile", "build/worker/worker.Dockerfile:1"),
            hit("dockerfile-runs-as-root", "build/worker/worker.Dockerfile", "build/worker/worker.Dockerfile:1"),
        ]
    );

    // `${VAR:-default}` resolves where no .env sets the variable.
    let cache = &fact(&report, "workload", "cache")["data"];
    assert_eq!(cache["image"]["raw"], "redis:7.2-alpine");
    assert_eq!(cache["user"]["uid"], 999);
    assert!(hits_of(&report, "cache").iter().all(|h| h.0 != "image-unpinned-tag" && h.0 != "workload-runs-as-root"));
}

#[test]
fn interpolation_uses_the_project_env_file_and_env_file_values_are_not_literals() {
    let (_, report) = scan_fixture("interpolation");
    let api = &fact(&report, "workload", "api")["data"];
    assert_eq!(api["image"]["raw"], "registry.example.com/api:latest");
    assert_eq!(api["ports"][0]["host_ip"], "127.0.0.1");
    let env: Vec<(&str, &str)> = api["environment"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["name"].as_str().unwrap(), e["value"].as_str().unwrap()))
        .collect();
    assert_eq!(env, vec![("DATABASE_PASSWORD", "external"), ("API_KEY", "literal")]);
    assert_eq!(
        hits_of(&report, "api").into_iter().filter(|h| h.0 == "image-unpinned-tag").collect::<Vec<_>>(),
        vec![hit("image-unpinned-tag", "api", "interpolation/compose.yaml:3")]
    );
    assert!(hits_of(&report, "api").iter().all(|h| h.0 != "workload-secret-in-environment"));
}

// ---------------------------------------------------------------- bad input

const GOOD: &[u8] = b"services:\n  ok:\n    image: nginx:1.27\n    privileged: true\n";

fn scan_dir(dir: &std::path::Path) -> (i32, Value) {
    scan(dir, &["."])
}

/// A bad file is an error naming it (and the line), exit code 2, and the
/// good project next to it is still audited.
fn assert_error_and_rest_scanned(files: &[(&str, &[u8])], target: &str, line: Option<u32>, message: &str) {
    let mut all = vec![("good/docker-compose.yml", GOOD)];
    all.extend_from_slice(files);
    let dir = folder(&all);
    let (code, report) = scan_dir(dir.path());
    assert_eq!(code, 2, "an error makes the scan incomplete: {report}");
    let errs = errors(&report);
    let found = errs.iter().find(|e| e.0 == target && e.1.contains(message));
    let e = found.unwrap_or_else(|| panic!("no error for {target} containing {message:?}: {errs:#?}"));
    if let Some(line) = line {
        assert_eq!(e.2, format!("{target}:{line}"), "{e:?}");
    }
    assert!(hits(&report).contains(&hit("workload-privileged", "ok", "good/docker-compose.yml:4")));
}

#[test]
fn malformed_yaml_is_an_error_with_its_line() {
    assert_error_and_rest_scanned(
        &[("bad/docker-compose.yml", b"services:\n  app:\n    image: [unclosed\n    user: root\n")],
        "bad/docker-compose.yml",
        None,
        "invalid YAML",
    );
    let dir = folder(&[("docker-compose.yml", b"services:\n  app:\n    image: nginx\n   bad: indent\n")]);
    let (_, report) = scan_dir(dir.path());
    let errs = errors(&report);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!(errs[0].2, "docker-compose.yml:4", "{errs:?}");
}

#[test]
fn binary_file_named_like_compose_is_an_error() {
    let mut bytes = b"\x7fELF\x02\x01\x01\0\0\0".to_vec();
    bytes.extend(std::iter::repeat_n(0u8, 64));
    assert_error_and_rest_scanned(&[("bin/docker-compose.yml", &bytes)], "bin/docker-compose.yml", None, "binary");
}

#[test]
fn huge_file_is_an_error_not_a_hang() {
    let dir = folder(&[
        ("good/docker-compose.yml", GOOD),
        ("stackaudit.toml", b"[scan]\nmax_config_bytes = 4096\n"),
        ("huge/compose.yaml", "services:\n".repeat(1000).as_bytes()),
    ]);
    let (code, report) = scan(dir.path(), &[".", "--config", "stackaudit.toml"]);
    assert_eq!(code, 2);
    let errs = errors(&report);
    assert!(errs.iter().any(|e| e.0 == "huge/compose.yaml" && e.1.contains("over the 4096-byte limit")), "{errs:#?}");
}

#[test]
fn wrong_types_are_errors_naming_file_and_line() {
    let cases: &[(&str, &[u8], u32, &str)] = &[
        ("list/docker-compose.yml", b"- services\n- app\n", 1, "not a mapping"),
        ("services-list/compose.yaml", b"services:\n  - app\n  - redis\n", 1, "`services` must be a mapping"),
        ("scalar-service/compose.yml", b"services:\n  app: nginx\n", 2, "service \"app\" must be a mapping"),
        (
            "bad-port/compose.yaml",
            b"services:\n  app:\n    image: a:1\n    ports:\n      - \"http\"\n",
            5,
            "invalid port",
        ),
        ("bad-mem/compose.yaml", b"services:\n  app:\n    image: a:1\n    mem_limit: lots\n", 4, "invalid memory size"),
        (
            "bad-flag/compose.yaml",
            b"services:\n  app:\n    image: a:1\n    privileged: maybe\n",
            4,
            "privileged must be true or false",
        ),
        (
            "caps-string/compose.yaml",
            b"services:\n  app:\n    image: a:1\n    cap_drop: ALL\n",
            4,
            "cap_drop must be a list",
        ),
    ];
    for (path, content, line, message) in cases {
        assert_error_and_rest_scanned(&[(path, content)], path, Some(*line), message);
    }
}

#[test]
fn missing_dockerfile_of_a_build_is_an_error_at_the_build_line() {
    assert_error_and_rest_scanned(
        &[("app/compose.yaml", b"services:\n  app:\n    build: ./missing\n")],
        "app/compose.yaml",
        Some(3),
        "missing/Dockerfile",
    );
}

#[test]
fn no_services_is_skipped_not_an_error() {
    let dir =
        folder(&[("docker-compose.yml", GOOD), ("volumes-only/compose.yaml", b"version: \"3.8\"\nvolumes: {}\n")]);
    let (code, report) = scan_dir(dir.path());
    assert_eq!(errors(&report), vec![]);
    assert_eq!(code, 1, "the good file's privileged service fails the gate, nothing else");
    let skips = skipped(&report);
    assert!(skips.iter().any(|(p, r)| p == "volumes-only/compose.yaml" && r.contains("no `services`")), "{skips:#?}");
}

// ------------------------------------------------------ file sets (issue 12)

#[test]
fn each_file_is_audited_as_docker_compose_would_see_it() {
    let (code, report) = scan_fixture("file-sets");
    assert_eq!(errors(&report), vec![], "exit {code}");
    // The base and its one override are one project; the other files are
    // their own projects, or fragments.
    assert_eq!(
        workloads(&report),
        vec![
            ("e2e".to_string(), "file-sets/docker-compose.test.yml".to_string()),
            ("mailhog".to_string(), "file-sets/docker-compose.images.yml".to_string()),
            ("web".to_string(), "file-sets/docker-compose.yml".to_string()),
        ]
    );
    let web = &fact_in(&report, "workload", "web", "file-sets/docker-compose.yml")["data"];
    let ports: Vec<&str> =
        web["ports"].as_array().unwrap().iter().map(|p| p["container_port"].as_str().unwrap()).collect();
    assert_eq!(ports, ["8080", "9229"], "the override's port appends");
    assert_eq!(web["image"]["raw"], "ghcr.io/example/shop-web:3.2.0", "not the images file's");
    assert_eq!(web["environment"][0]["name"], "LOG_LEVEL");
    // The untagged image is reported against the file that has it.
    assert_eq!(
        hits(&report).into_iter().filter(|h| h.0 == "image-unpinned-tag").collect::<Vec<_>>(),
        vec![hit("image-unpinned-tag", "mailhog", "file-sets/docker-compose.images.yml:4")]
    );
    assert!(hits_of(&report, "e2e").contains(&hit(
        "workload-privileged",
        "e2e",
        "file-sets/docker-compose.test.yml:12"
    )));
    // The production file only adds to `web`: recorded, not audited alone.
    let skips = skipped(&report);
    let prod = skips.iter().find(|(p, _)| p == "file-sets/docker-compose.prod.yml");
    let (_, reason) = prod.unwrap_or_else(|| panic!("prod fragment not skipped: {skips:#?}"));
    assert!(
        reason.contains("fragment") && reason.contains("\"web\"") && reason.contains("[[compose.projects]]"),
        "{reason}"
    );
    assert!(hits(&report).iter().all(|h| !h.2.contains("docker-compose.prod.yml")));

    // Oracle: `docker-compose config` in the folder merges only the override.
    let dir = support::fixture("compose/file-sets");
    if let Some(config) = compose_config(&dir, &[]) {
        let services: Vec<&String> = config["services"].as_object().unwrap().keys().collect();
        assert_eq!(services, ["web"]);
        assert_eq!(config["services"]["web"]["ports"].as_array().unwrap().len(), ports.len());
        assert_eq!(config["services"]["web"]["image"], web["image"]["raw"]);
    }
}

#[test]
fn swarm_stack_files_and_compose_shaped_yaml_are_read_and_ci_configs_are_not() {
    let (code, report) = scan_fixture("swarm");
    assert_eq!(errors(&report), vec![], "exit {code}");
    assert_eq!(
        workloads(&report),
        vec![
            ("api".to_string(), "swarm/docker-stack.yml".to_string()),
            ("proxy".to_string(), "swarm/deploy/production.yml".to_string()),
        ]
    );
    let api = &fact(&report, "workload", "api")["data"];
    assert_eq!(api["limits"]["cpus"], 0.5);
    assert_eq!(api["limits"]["memory_bytes"], 256 * 1024 * 1024);
    assert_eq!(api["ports"][0]["all_interfaces"], true, "mode: host publishes on every interface of the node");
    let proxy = hits_of(&report, "proxy");
    assert!(
        proxy.contains(&hit("workload-docker-socket-mounted", "proxy", "swarm/deploy/production.yml:8")),
        "{proxy:#?}"
    );
    assert!(proxy.contains(&hit("image-unpinned-tag", "proxy", "swarm/deploy/production.yml:4")), "{proxy:#?}");
    // GitLab CI, Woodpecker, GitHub Actions and Helm values have `services`
    // too: no fact, no error, no skip.
    assert_eq!(skipped(&report).iter().filter(|(p, _)| !p.ends_with(".yml") || p.contains("swarm/")).count(), 0);
}

#[test]
fn extends_is_resolved_and_findings_point_at_the_file_that_set_it() {
    let (code, report) = scan_fixture("extends");
    assert_eq!(errors(&report), vec![], "exit {code}");
    assert_eq!(
        workloads(&report),
        vec![
            ("web".to_string(), "extends/compose.yaml".to_string()),
            ("worker".to_string(), "extends/compose.yaml".to_string())
        ],
        "the extended file is not audited alone"
    );
    for service in ["web", "worker"] {
        assert!(
            hits_of(&report, service).contains(&hit("workload-privileged", service, "extends/common/services.yml:5")),
            "{service}: {:#?}",
            hits_of(&report, service)
        );
        let data = &fact(&report, "workload", service)["data"];
        // `build: ./app` in common/services.yml starts from common/.
        assert_eq!(data["build_dockerfile"], "extends/common/app/Dockerfile");
        assert_eq!(data["user"]["declared"], "app");
        assert_eq!(data["limits"]["memory_bytes"], 1024 * 1024 * 1024);
        assert!(hits_of(&report, service)
            .iter()
            .all(|h| h.0 != "workload-runs-as-root" && h.0 != "workload-may-run-as-root"));
    }
    let worker = &fact(&report, "workload", "worker")["data"];
    assert_eq!(worker["ports"][0]["container_port"], "8000", "inherited from web");

    let dir = support::fixture("compose/extends");
    if let Some(config) = compose_config(&dir, &[]) {
        for service in ["web", "worker"] {
            assert_eq!(config["services"][service]["privileged"], true);
            assert!(config["services"][service]["build"]["context"].as_str().unwrap().ends_with("extends/common/app"));
        }
    }
}

#[test]
fn extends_cycles_and_missing_services_are_errors() {
    let dir = folder(&[
        ("good/docker-compose.yml", GOOD),
        ("cycle/compose.yaml", b"services:\n  a:\n    image: x:1\n    extends: {service: b}\n  b:\n    extends: {file: other.yml, service: c}\n"),
        ("cycle/other.yml", b"services:\n  c:\n    extends: {file: compose.yaml, service: a}\n"),
        ("missing/compose.yaml", b"services:\n  a:\n    extends:\n      service: nope\n    image: x:1\n"),
    ]);
    let (code, report) = scan_dir(dir.path());
    assert_eq!(code, 2);
    let errs = errors(&report);
    assert!(errs.iter().any(|e| e.1.contains("extends cycle")), "{errs:#?}");
    assert!(
        errs.iter().any(|e| e.0 == "missing/compose.yaml"
            && e.1.contains("\"nope\" not found")
            && e.2 == "missing/compose.yaml:3"),
        "{errs:#?}"
    );
    assert!(hits(&report).contains(&hit("workload-privileged", "ok", "good/docker-compose.yml:4")));
}

#[test]
fn build_target_picks_the_stage_whose_user_and_healthcheck_count() {
    let (code, report) = scan_fixture("target");
    assert_eq!(errors(&report), vec![], "exit {code}");
    let api = &fact(&report, "workload", "api");
    assert_eq!(api["data"]["user"]["declared"], "node");
    assert_eq!(api["data"]["user"]["source"], "dockerfile");
    assert_eq!(api["locations"]["user"]["line"], 9);
    assert_eq!(api["data"]["healthcheck"]["source"], "dockerfile");
    // `dev` (also the last stage, what a build without target gives) has
    // no USER: the base image decides, and nothing here can tell.
    for service in ["api-dev", "api-default"] {
        let user = &fact(&report, "workload", service)["data"]["user"];
        assert_eq!(user["source"], "unknown", "{service}");
        assert_eq!(user["image"], "node:20.14-alpine", "{service}");
        assert!(hits_of(&report, service).iter().any(|h| h.0 == "workload-may-run-as-root"));
        assert!(hits_of(&report, service).iter().any(|h| h.0 == "workload-no-healthcheck"));
    }
    let api_rules: Vec<String> = hits_of(&report, "api").into_iter().map(|h| h.0).collect();
    assert!(!api_rules.iter().any(|r| r.ends_with("run-as-root") || r.ends_with("runs-as-root")), "{api_rules:?}");
    assert!(!api_rules.contains(&"workload-no-healthcheck".to_string()), "{api_rules:?}");
    assert!(hits(&report).iter().all(|h| h.0 != "workload-runs-as-root"));
}

#[test]
fn a_missing_build_target_is_an_error() {
    assert_error_and_rest_scanned(
        &[
            ("app/compose.yaml", b"services:\n  app:\n    build:\n      context: .\n      target: prodd\n"),
            ("app/Dockerfile", b"FROM alpine:3.20 AS prod\nUSER 1001\n"),
        ],
        "app/compose.yaml",
        Some(5),
        "build target \"prodd\" is not a stage of app/Dockerfile",
    );
}

#[test]
fn a_symlinked_compose_file_is_read() {
    let dir = folder(&[("shared/base.yml", GOOD)]);
    std::fs::create_dir_all(dir.path().join("app")).unwrap();
    std::os::unix::fs::symlink("../shared/base.yml", dir.path().join("app/docker-compose.yml")).unwrap();
    // The link's target is inside the scanned tree, so the file is read, once
    // (the link and its target are one file); a link leading out of the
    // scanned tree is skipped with a reason instead (tests/discovery.rs).
    let (_, report) = scan(dir.path(), &["."]);
    assert_eq!(errors(&report), vec![]);
    let privileged: Vec<_> = hits(&report).into_iter().filter(|h| h.0 == "workload-privileged").collect();
    assert_eq!(privileged.len(), 1, "{:#?}", hits(&report));
    assert_eq!(privileged[0].1, "ok");
}

#[test]
fn duplicate_keys_are_errors_as_in_docker_compose() {
    assert_error_and_rest_scanned(
        &[(
            "dup/compose.yaml",
            b"services:\n  web:\n    image: nginx:1.27\n    privileged: true\n  web:\n    image: nginx:1.27\n",
        )],
        "dup/compose.yaml",
        Some(5),
        "mapping key \"web\" already defined at line 2",
    );
}

#[test]
fn a_compose_file_on_standard_input_is_audited() {
    let (code, report) = scan_with(&support::fixture("compose"), &["-"], |cmd| {
        cmd.env("DOCKER_HOST", NO_ENGINE)
            .stdin(std::fs::File::open(support::fixture("compose/mappings/docker-compose.yml")).unwrap());
    });
    assert_eq!(errors(&report), vec![]);
    assert_eq!(code, 1, "findings fail the gate");
    let risky = hits_of(&report, "risky");
    assert!(risky.contains(&hit("workload-privileged", "risky", "<stdin>:20")), "{risky:#?}");
    assert_eq!(fact(&report, "workload", "hardened")["subject"]["scope"], "<stdin>");
}

/// Shapes Docker Compose accepts that stackaudit once rejected or dropped
/// (issue 12): a flow sequence closed at its key's indentation, a
/// docker-compose.yml and a stack.yml (found by content, not name) that
/// start with a byte-order mark.
#[test]
fn yaml_shapes_compose_accepts_are_audited_in_full() {
    let (code, report) = scan_fixture("shapes");
    assert_eq!(errors(&report), vec![], "exit {code}");
    assert_eq!(skipped(&report), vec![]);
    let scope = |file: &str| format!("shapes/{file}");
    assert_eq!(
        workloads(&report),
        vec![
            ("cache".to_string(), scope("flow/docker-compose.yml")),
            ("monitor".to_string(), scope("flow/docker-compose.yml")),
            ("sqlserver".to_string(), scope("bom/docker-compose.yml")),
            ("traefik".to_string(), scope("stack/stack.yml")),
            ("web".to_string(), scope("bom/docker-compose.yml")),
        ]
    );

    // The healthcheck's `]` sits at the indentation of `test:`; the keys
    // after it still belong to the service.
    let monitor = &fact(&report, "workload", "monitor")["data"];
    assert_eq!(monitor["healthcheck"], json!({"defined": true, "disabled": false, "source": "workload"}));
    assert_eq!(monitor["mounts"][0]["target"], "/app/data");
    assert_eq!(monitor["ports"][0]["host_ip"], "127.0.0.1");
    assert!(hits_of(&report, "monitor").contains(&hit(
        "workload-privileged",
        "monitor",
        "shapes/flow/docker-compose.yml:18"
    )));
    assert!(!hits_of(&report, "monitor").iter().any(|h| h.0 == "workload-no-healthcheck"));

    // The mark takes no line: findings keep the lines an editor shows.
    let web = &fact(&report, "workload", "web")["data"];
    assert_eq!(web["user"]["declared"], "1000");
    assert!(hits_of(&report, "web").contains(&hit(
        "workload-port-published-all-interfaces",
        "web",
        "shapes/bom/docker-compose.yml:5"
    )));
    assert!(hits_of(&report, "sqlserver").contains(&hit(
        "workload-dangerous-capability-added",
        "sqlserver",
        "shapes/bom/docker-compose.yml:13"
    )));
    assert!(hits_of(&report, "traefik").contains(&hit(
        "workload-docker-socket-mounted",
        "traefik",
        "shapes/stack/stack.yml:9"
    )));

    // Docker Compose reads the same services from each file.
    let fixtures = support::fixture("compose/shapes");
    for (dir, args, services) in [
        ("flow", &[][..], &["cache", "monitor"][..]),
        ("bom", &[], &["sqlserver", "web"]),
        ("stack", &["-f", "stack.yml"], &["traefik"]),
    ] {
        let Some(config) = compose_config(&fixtures.join(dir), args) else { return };
        let mut names: Vec<&str> = config["services"].as_object().unwrap().keys().map(String::as_str).collect();
        names.sort();
        assert_eq!(names, services, "{dir}");
    }
}

// ----------------------------------------- multi-file projects (issue 18)

const MULTI_SET: &[&str] = &["compose.yml", "compose.backend.yml", "suites/smoke/compose.yml"];

/// The project merged as `docker compose -f compose.yml -f compose.backend.yml
/// -f suites/smoke/compose.yml` would: limits from the base, environment
/// from both fragments, the smoke build context from the project folder.
fn assert_multi_merged(report: &Value, prefix: &str) {
    assert_eq!(errors(report), vec![]);
    assert_eq!(skipped(report), vec![], "nothing is a loose fragment once the set is known");
    let scope = format!("{prefix}compose.yml");
    let api = &fact_in(report, "workload", "api", &scope)["data"];
    assert_eq!(api["limits"]["cpus"], 2.0);
    assert_eq!(api["limits"]["memory_bytes"], 1024 * 1024 * 1024);
    let env: Vec<&str> = api["environment"].as_array().unwrap().iter().map(|e| e["name"].as_str().unwrap()).collect();
    assert_eq!(env, ["DATABASE_URL", "LOG_LEVEL"]);
    assert_eq!(hits_of(report, "api"), vec![], "a fully hardened service once merged");
    let smoke = &fact_in(report, "workload", "smoke", &scope)["data"];
    assert_eq!(smoke["build_dockerfile"], format!("{prefix}tests/smoke/Dockerfile"));
    assert_eq!(smoke["user"]["declared"], "smoke");
    let smoke_hits = hits_of(report, "smoke");
    assert!(
        smoke_hits.contains(&hit("workload-no-cpu-limit", "smoke", &format!("{prefix}suites/smoke/compose.yml:6"))),
        "{smoke_hits:#?}"
    );
    assert_eq!(workloads(report).len(), 3, "api, db, smoke once each: {:?}", workloads(report));

    if let Some(config) = compose_config(
        &support::fixture("compose/multi"),
        &["-f", MULTI_SET[0], "-f", MULTI_SET[1], "-f", MULTI_SET[2]],
    ) {
        let oracle = &config["services"];
        assert_eq!(oracle["api"]["cpus"].as_f64(), api["limits"]["cpus"].as_f64());
        let oracle_env: Vec<&String> = oracle["api"]["environment"].as_object().unwrap().keys().collect();
        assert_eq!(oracle_env, env);
        assert!(oracle["smoke"]["build"]["context"].as_str().unwrap().ends_with("multi/tests/smoke"));
    }
}

#[test]
fn fragments_of_an_unknown_file_set_are_skipped_never_errors_or_audited_as_complete() {
    let (code, report) = scan_fixture("multi");
    assert_eq!(errors(&report), vec![], "exit {code}");
    let skips = skipped(&report);
    for path in ["multi/compose.backend.yml", "multi/suites/smoke/compose.yml"] {
        assert!(skips.iter().any(|(p, r)| p == path && r.contains("fragment")), "{path}: {skips:#?}");
    }
    // The base alone is complete and hardened; no "no CPU limit" from a fragment.
    assert_eq!(
        workloads(&report),
        vec![("api".to_string(), "multi/compose.yml".to_string()), ("db".to_string(), "multi/compose.yml".to_string())]
    );
    let workload_hits: Vec<Hit> = hits(&report).into_iter().filter(|h| !h.0.starts_with("dockerfile-")).collect();
    assert_eq!(workload_hits, vec![]);
}

#[test]
fn a_file_set_declared_in_stackaudit_toml_is_audited_merged() {
    let dir = support::fixture("compose/multi");
    let config = tempfile::NamedTempFile::new().unwrap();
    let files: Vec<String> = MULTI_SET.iter().map(|f| format!("{:?}", dir.join(f).display().to_string())).collect();
    std::fs::write(config.path(), format!("[[compose.projects]]\nfiles = [{}]\n", files.join(", "))).unwrap();
    let (_, report) = scan(&dir, &[".", "--config", config.path().to_str().unwrap()]);
    // Declared with absolute paths, found in the scanned tree: shown as found.
    assert_multi_merged(&report, "");
}

#[test]
fn compose_file_in_the_project_env_is_the_file_set() {
    let copy = tempfile::tempdir().unwrap();
    copy_tree(&support::fixture("compose/multi"), &copy.path().join("multi"));
    std::fs::write(copy.path().join("multi/.env"), format!("COMPOSE_FILE={}\n", MULTI_SET.join(":"))).unwrap();
    let (_, report) = scan(copy.path(), &["multi"]);
    assert_multi_merged(&report, "multi/");
}

#[test]
fn an_unreadable_dockerfile_leaves_the_user_unknown_not_root() {
    let big = format!("FROM node:20.14-alpine\n{}USER dev\n", "RUN true\n".repeat(600));
    let dir = folder(&[
        ("compose.yaml", b"services:\n  api:\n    build:\n      context: .\n      dockerfile: ops/Dockerfile-api\n"),
        ("ops/Dockerfile-api", big.as_bytes()),
        ("stackaudit.toml", b"[scan]\nmax_config_bytes = 4096\n"),
    ]);
    let (code, report) = scan(dir.path(), &[".", "--config", "stackaudit.toml"]);
    assert_eq!(code, 2);
    let errs = errors(&report);
    assert_eq!(errs.len(), 1, "one error for one unreadable file: {errs:#?}");
    assert!(errs[0].1.contains("cannot read ops/Dockerfile-api") && errs[0].2 == "compose.yaml:3", "{errs:#?}");
    let user = &fact(&report, "workload", "api")["data"]["user"];
    assert_eq!(user["source"], "unknown");
    assert_eq!(user["runs_as_root"], false);
    let rules: Vec<String> = hits_of(&report, "api").into_iter().map(|h| h.0).collect();
    assert!(!rules.contains(&"workload-runs-as-root".to_string()), "{rules:?}");
    assert!(rules.contains(&"workload-may-run-as-root".to_string()), "{rules:?}");
}

// ------------------------------------------------------------- include

#[test]
fn include_imports_a_project_with_its_own_folder_and_env() {
    let (code, report) = scan_fixture("include");
    assert_eq!(errors(&report), vec![], "exit {code}");
    assert_eq!(
        workloads(&report),
        vec![
            ("db".to_string(), "include/compose.yaml".to_string()),
            ("web".to_string(), "include/compose.yaml".to_string())
        ],
        "the included file is audited inside the project that includes it, once"
    );
    let db = fact(&report, "workload", "db");
    assert_eq!(db["data"]["image"]["raw"], "postgres:16.3-alpine", "from the included folder's .env");
    assert_eq!(db["locations"]["privileged"]["path"], "include/db/compose.yaml");
    assert!(hits_of(&report, "db").contains(&hit("workload-privileged", "db", "include/db/compose.yaml:5")));
    assert!(hits_of(&report, "db").iter().all(|h| h.0 != "image-unpinned-tag"));
}

/// Planning parses only files whose text could name another: a key spelt
/// with escapes still counts, so the included file is not audited twice.
#[test]
fn an_include_key_spelt_with_escapes_still_claims_the_included_file() {
    let dir = folder(&[
        ("app/compose.yaml", b"\"\\u0069nclude\": [./db/compose.yaml]\nservices:\n  web:\n    image: web:1.2\n"),
        ("app/db/compose.yaml", b"services:\n  db:\n    image: db:1.2\n    privileged: true\n"),
    ]);
    let (code, report) = scan_dir(dir.path());
    assert_eq!(errors(&report), vec![], "exit {code}");
    assert_eq!(
        workloads(&report),
        vec![("db".to_string(), "app/compose.yaml".to_string()), ("web".to_string(), "app/compose.yaml".to_string())],
        "the included file is audited once, inside the project that includes it"
    );
}

#[test]
fn include_cycles_and_conflicts_are_errors_and_bounded() {
    let dir = folder(&[
        ("good/docker-compose.yml", GOOD),
        ("cycle/compose.yaml", b"include: [./b/compose.yaml]\nservices:\n  a:\n    image: a:1\n"),
        ("cycle/b/compose.yaml", b"include: [../compose.yaml]\nservices:\n  b:\n    image: b:1\n"),
        ("conflict/compose.yaml", b"include: [./lib/compose.yaml]\nservices:\n  web:\n    image: web:2\n"),
        ("conflict/lib/compose.yaml", b"services:\n  web:\n    image: web:1\n"),
    ]);
    let (code, report) = scan_dir(dir.path());
    assert_eq!(code, 2);
    let errs = errors(&report);
    assert!(errs.iter().any(|e| e.0 == "cycle/b/compose.yaml" && e.1.contains("include cycle")), "{errs:#?}");
    assert!(errs.iter().any(|e| e.0 == "conflict/compose.yaml" && e.1.contains("services.web conflicts")), "{errs:#?}");
    assert!(hits(&report).contains(&hit("workload-privileged", "ok", "good/docker-compose.yml:4")));
}

// ------------------------------------------------- bad input (issue 14)

#[test]
fn an_empty_base_setting_merged_with_an_override_does_not_crash() {
    for key in ["environment", "labels", "sysctls", "extra_hosts"] {
        for empty in ["", " ~", " []"] {
            let base = format!("services:\n  app:\n    image: app:1.0\n    {key}:{empty}\n");
            let over = format!("services:\n  app:\n    {key}:\n      - A=1\n");
            let dir =
                folder(&[("docker-compose.yml", base.as_bytes()), ("docker-compose.override.yml", over.as_bytes())]);
            let (code, report) = scan_dir(dir.path());
            assert_ne!(code, 101, "{key}:{empty} panicked");
            assert_eq!(errors(&report), vec![], "{key}:{empty}");
            assert_eq!(workloads(&report).len(), 1, "{key}:{empty}");
        }
    }
}

#[test]
fn an_interpolated_secret_is_never_echoed() {
    let secret = "Sup3r-Secret-Pw-7731";
    let dir = folder(&[
        (".env", format!("DB_PASSWORD={secret}\n").as_bytes()),
        (
            "compose.yaml",
            b"services:\n  db:\n    image: postgres:16.3\n    mem_limit: ${DB_PASSWORD}\n    user: ${DB_PASSWORD}\n    labels:\n      basic.auth: ${DB_PASSWORD}\n    ports:\n      - \"${DB_PASSWORD}:5432\"\n",
        ),
    ]);
    let (code, report) = scan_dir(dir.path());
    assert_eq!(code, 2);
    let errs = errors(&report);
    assert!(errs.iter().any(|e| e.1.contains("invalid memory size \"${DB_PASSWORD}\"")), "{errs:#?}");
    assert!(errs.iter().any(|e| e.1.contains("${DB_PASSWORD}:5432")), "{errs:#?}");
    let db = &fact(&report, "workload", "db")["data"];
    assert_eq!(db["user"]["declared"], "${DB_PASSWORD}");
    assert_eq!(db["labels"]["basic.auth"], "${DB_PASSWORD}");
    let text = report.to_string();
    for piece in (0..=secret.len() - 8).map(|i| &secret[i..i + 8]) {
        assert!(!text.contains(piece), "{piece:?} of the secret leaked");
    }
}

#[test]
fn a_malformed_interpolation_is_an_error_at_its_line_and_the_rest_is_audited() {
    // Each value Docker Compose refuses with "invalid interpolation format".
    let cases: &[(&str, &str)] = &[
        ("nginx:${TAG", "has no closing `}`"),
        ("${ }", "does not start with a variable name"),
        ("${VAR:?", "has no closing `}`"),
        ("nginx:${TAG:x}", "followed by something other than"),
        ("${1TAG}", "does not start with a variable name"),
    ];
    for (value, message) in cases {
        let file = format!(
            "services:\n  web:\n    image: \"{value}\"\n  worker:\n    image: busybox:1.36\n    privileged: true\n"
        );
        let dir = folder(&[("good/docker-compose.yml", GOOD), ("bad/compose.yaml", file.as_bytes())]);
        if support::have("docker-compose") {
            let out = std::process::Command::new("docker-compose")
                .current_dir(dir.path().join("bad"))
                .arg("config")
                .output()
                .unwrap();
            let said = String::from_utf8_lossy(&out.stderr);
            assert!(!out.status.success() && said.contains("Invalid interpolation format"), "{value}: {said}");
        }
        let (code, report) = scan_dir(dir.path());
        assert_eq!(code, 2, "{value}: {report}");
        let errs = errors(&report);
        let e = errs.iter().find(|e| e.1.contains("invalid interpolation format in the value of \"image\""));
        let e = e.unwrap_or_else(|| panic!("{value}: {errs:#?}"));
        assert_eq!(e.0, "bad/compose.yaml", "{e:?}");
        assert_eq!(e.2, "bad/compose.yaml:3", "{e:?}");
        assert!(e.1.contains(message), "{value}: {e:?}");
        assert!(!e.1.contains(value), "the value is never quoted: {e:?}");
        assert!(report["errors"].as_array().unwrap().iter().all(|e| e["kind"] == "malformed"), "{report}");
        let all = hits(&report);
        assert!(all.contains(&hit("workload-privileged", "worker", "bad/compose.yaml:6")), "{value}: {all:#?}");
        assert!(all.contains(&hit("workload-privileged", "ok", "good/docker-compose.yml:4")), "{all:#?}");
    }
}

#[test]
fn a_malformed_interpolation_next_to_a_secret_never_echoes_it() {
    let secret = "Vq7-Rlm3-Kx92-Tzp4";
    let literal = "Hn4w-Pq81-Zr6c-Lm3v";
    let dir = folder(&[
        (".env", format!("DB_PASSWORD={secret}\n").as_bytes()),
        (
            "compose.yaml",
            format!(
                "services:\n  db:\n    image: postgres:16.3\n    environment:\n      DSN: \"postgres://app:${{DB_PASSWORD}}@db/${{DB\"\n      OTHER: \"{literal}${{\"\n"
            )
            .as_bytes(),
        ),
    ]);
    let (code, report) = scan_dir(dir.path());
    assert_eq!(code, 2);
    let errs = errors(&report);
    let lines: Vec<&str> =
        errs.iter().filter(|e| e.1.contains("invalid interpolation format")).map(|e| e.2.as_str()).collect();
    assert_eq!(lines, ["compose.yaml:5", "compose.yaml:6"], "{errs:#?}");
    let text = report.to_string();
    for value in [secret, literal] {
        for piece in (0..=value.len() - 8).map(|i| &value[i..i + 8]) {
            assert!(!text.contains(piece), "{piece:?} leaked");
        }
    }
}

// ------------------------------------- image users from the engine (issue 12)

#[test]
fn the_engine_tells_the_user_of_images_a_workload_runs_without_setting_one() {
    docker_support::require_engine();
    let token = docker_support::token("image-user");
    let nonroot = docker_support::TestImage::build(&format!("{token}-nonroot"), Some("1001"));
    let rooted = docker_support::TestImage::build(&format!("{token}-root"), None);
    let compose = format!(
        "services:\n  web:\n    image: {n}\n  cache:\n    image: {r}\n  pinned:\n    image: {n}\n    user: \"0\"\n",
        n = nonroot.tag,
        r = rooted.tag
    );
    let manifest = format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  selector:\n    matchLabels: {{app: web}}\n  template:\n    metadata:\n      labels: {{app: web}}\n    spec:\n      containers:\n        - name: web\n          image: {}\n",
        nonroot.tag
    );
    let dir = folder(&[("compose.yaml", compose.as_bytes()), ("k8s/web.yaml", manifest.as_bytes())]);

    // The engine the docker CLI uses (it built the images) is asked.
    let (_, report) = scan_with(dir.path(), &["."], |_| {});
    assert_eq!(errors(&report), vec![]);
    let web = &fact(&report, "workload", "web")["data"]["user"];
    assert_eq!(
        web,
        &json!({"declared": "1001", "uid": 1001, "source": "image", "runs_as_root": false, "image": nonroot.tag})
    );
    assert!(hits_of(&report, "web").iter().all(|h| !h.0.ends_with("root")), "{:#?}", hits_of(&report, "web"));
    let cache = &fact(&report, "workload", "cache")["data"]["user"];
    assert_eq!((&cache["source"], &cache["runs_as_root"]), (&json!("image"), &json!(true)));
    let root_finding = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == "workload-runs-as-root" && f["subject"]["name"] == "cache")
        .expect("the image sets no user: root for certain");
    assert_eq!(root_finding["evidence"], format!("its image {} sets no user", rooted.tag));
    assert_eq!(fact(&report, "workload", "pinned")["data"]["user"]["source"], "workload", "a declared user wins");
    let k8s = &fact(&report, "workload", "Deployment/web/web")["data"]["user"];
    assert_eq!((&k8s["source"], &k8s["uid"]), (&json!("image"), &json!(1001)));

    // No engine, or lookups turned off: unknown, a low finding, no error.
    let (_, report) = scan(dir.path(), &["."]);
    assert_eq!(errors(&report), vec![]);
    assert_eq!(fact(&report, "workload", "web")["data"]["user"]["source"], "unknown");
    assert!(hits_of(&report, "web").iter().any(|h| h.0 == "workload-may-run-as-root"));
    std::fs::write(dir.path().join("stackaudit.toml"), "[images]\nengine_lookup = false\n").unwrap();
    let (_, report) = scan_with(dir.path(), &[".", "--config", "stackaudit.toml"], |_| {});
    assert_eq!(fact(&report, "workload", "cache")["data"]["user"]["source"], "unknown");
}

/// Copies a fixture tree (files only).
fn copy_tree(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}
