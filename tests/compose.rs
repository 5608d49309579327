//! The compose collector end to end: the binary scans fixture projects and
//! the tests assert the exact findings per service with file and line, the
//! workload facts each setting maps to, override merging, Dockerfile
//! inheritance, interpolation and every kind of bad input.

mod compose_support;
mod support;

use compose_support::*;
use serde_json::{json, Value};

fn scan_fixture(dir: &str) -> (i32, Value) {
    support::scan_json(&support::fixture("compose"), &[dir, "--exit-zero"])
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
        hit("workload-apparmor-unconfined", "risky", &at(27)),
        hit("workload-dangerous-capability-added", "risky", &at(21)),
        hit("workload-docker-socket-mounted", "risky", &at(29)),
        hit("workload-host-devices", "risky", &at(36)),
        hit("workload-host-namespace", "risky", &at(22)),
        hit("workload-host-namespace", "risky", &at(23)),
        hit("workload-host-namespace", "risky", &at(24)),
        hit("workload-internal-port-published", "risky", &at(38)),
        hit("workload-mount-propagation-shared", "risky", &at(31)),
        hit("workload-new-privileges-allowed", "risky", &at(25)),
        hit("workload-no-healthcheck", "risky", &at(50)),
        hit("workload-no-pids-limit", "risky", &at(45)),
        hit("workload-port-published-all-interfaces", "risky", &at(38)),
        hit("workload-port-published-all-interfaces", "risky", &at(39)),
        hit("workload-port-published-all-interfaces", "risky", &at(42)),
        hit("workload-privileged", "risky", &at(20)),
        hit("workload-runs-as-root", "risky", &at(18)),
        hit("workload-seccomp-unconfined", "risky", &at(26)),
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
        hit("workload-runs-as-root", "defaults", &at(53)),
        hit("workload-writable-rootfs", "defaults", &at(53)),
    ];
    expected.sort();
    assert_eq!(hits_of(&report, "defaults"), expected);
}

#[test]
fn settings_map_onto_the_workload_fact() {
    let (_, report) = scan_fixture("mappings");
    let hardened = &fact(&report, "workload", "hardened")["data"];
    assert_eq!(hardened["platform"], "compose");
    assert_eq!(
        hardened["user"],
        json!({"declared": "1001:1001", "uid": 1001, "source": "workload", "runs_as_root": false})
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
        json!({"declared": "1001", "uid": 1001, "source": "dockerfile", "runs_as_root": false})
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
    support::scan_json(dir, &["."])
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
    let (code, report) = support::scan_json(dir.path(), &[".", "--config", "stackaudit.toml"]);
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
        ("no-services/compose.yaml", b"version: \"3.8\"\nvolumes: {}\n", 1, "no `services`"),
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
