//! The bundled example stack (examples/stack), scanned as the README's quick
//! start does: the deliberate weaknesses are found, with file and line, and
//! the guide-hardened app (compose anchors + its Dockerfile's USER and
//! HEALTHCHECK) stays clean.

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
mod support;

use compose_support::*;

fn scan() -> (i32, serde_json::Value) {
    compose_support::scan(&support::root(), &["examples/stack", "--exit-zero"])
}

const COMPOSE: &str = "examples/stack/docker-compose.yml";

#[test]
fn finds_the_deliberate_weaknesses_and_nothing_else_in_workloads() {
    let (code, report) = scan();
    assert_eq!(code, 0, "--exit-zero");
    assert_eq!(errors(&report), vec![], "the example scans without errors");
    let at = |line: u32| format!("{COMPOSE}:{line}");
    let mut expected = vec![
        hit("image-unpinned-tag", "Deployment/sprinovaa-app/app", "examples/stack/k8s/app.yaml:26"),
        hit("workload-capabilities-not-dropped", "nginx", &at(41)),
        hit("workload-internal-port-published", "redis", &at(62)),
        hit("workload-new-privileges-allowed", "nginx", &at(41)),
        hit("workload-no-cpu-limit", "nginx", &at(41)),
        hit("workload-no-healthcheck", "nginx", &at(41)),
        hit("workload-no-memory-limit", "nginx", &at(41)),
        hit("workload-no-pids-limit", "nginx", &at(41)),
        // Their images decide the user, and no engine is asked here.
        hit("workload-may-run-as-root", "nginx", &at(41)),
        hit("workload-may-run-as-root", "redis", &at(55)),
        hit("workload-writable-rootfs", "nginx", &at(41)),
        hit("workload-writable-rootfs", "redis", &at(55)),
    ];
    // nginx publishing 80 and 443 is the guide's design, and Redis's 6379 on
    // every interface is one finding (the critical one), not two.
    expected.sort();
    assert_eq!(hits(&report), expected);
    // The nginx collector reads the stack's nginx.conf and finds TLS 1.1.
    let pairs = support::rule_subjects(&report);
    assert!(pairs.iter().any(|(rule, _)| rule == "tls-legacy-protocol"), "{pairs:#?}");
}

#[test]
fn the_app_is_hardened_through_anchors_and_its_dockerfile() {
    let (_, report) = scan();
    assert_eq!(hits_of(&report, "app"), vec![]);
    let app = fact(&report, "workload", "app");
    assert_eq!(app["data"]["user"]["source"], "dockerfile");
    assert_eq!(app["data"]["user"]["declared"], "nextjs");
    assert_eq!(app["data"]["healthcheck"]["source"], "dockerfile");
    assert_eq!(app["data"]["capabilities"]["drops_all"], true, "from the x-hardening anchor");
    assert_eq!(app["locations"]["capabilities.drop"]["line"], 6, "points into the anchor");
    assert_eq!(app["locations"]["user"]["path"], "examples/stack/Dockerfile");
    // The literal secret's value never reaches the report.
    assert!(!report.to_string().contains("Xk9mQ2vLr7pW4zTq"));
}

#[test]
fn quick_start_writes_every_report() {
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("out");
    let o = support::run_in(
        &support::root(),
        &["scan", "examples/stack", "--output-dir", dir.to_str().unwrap(), "--exit-zero"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", support::stderr(&o));
    for name in ["stackaudit.json", "stackaudit.html", "stackaudit.sarif", "stackaudit.junit.xml"] {
        assert!(dir.join(name).is_file(), "{name} written");
    }
}
