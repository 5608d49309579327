//! The checked-in JSON schema must match the report types.

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

#[test]
fn report_schema_is_up_to_date() {
    let generated = stackaudit::report::schema::generate().unwrap();
    let path = support::root().join(stackaudit::report::schema::SCHEMA_PATH);
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        checked_in == generated,
        "{} is out of date with the report types; regenerate with `UPDATE_SCHEMA=1 cargo test --test schema`",
        path.display()
    );
}

#[test]
fn builtin_rules_load_and_pass_their_inline_tests() {
    let set = stackaudit::rules::RuleSet::builtin();
    assert!(set.errors.is_empty(), "rule load errors: {:#?}", set.errors);
    let failures = stackaudit::rules::self_test_all(&set);
    assert!(failures.is_empty(), "{}", failures.iter().map(|f| f.to_string()).collect::<Vec<_>>().join("\n"));
    for id in [
        "workload-runs-as-root",
        "workload-capabilities-not-dropped",
        "workload-dangerous-capability-added",
        "workload-writable-rootfs",
        "workload-no-memory-limit",
        "workload-no-cpu-limit",
        "workload-no-pids-limit",
        "workload-privileged",
        "workload-new-privileges-allowed",
        "workload-host-namespace",
        "workload-docker-socket-mounted",
        "workload-sensitive-host-mount",
        "workload-port-published-all-interfaces",
        "workload-no-healthcheck",
        "workload-seccomp-unconfined",
        "workload-secret-in-environment",
        "image-unpinned-tag",
        "dockerfile-runs-as-root",
        "dockerfile-secret-in-build",
    ] {
        assert!(set.get(id).is_some(), "required rule {id} is missing");
    }
}
