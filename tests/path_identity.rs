//! Finding IDs do not depend on how the scanned path was typed: the same
//! tree scanned as `.`, `./stack`, `stack/`, `stack` or by absolute path
//! gives the same IDs, so a baseline made one way holds the other ways.

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

use std::collections::BTreeSet;
use std::path::Path;

use support::scan_json;

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

fn ids(report: &serde_json::Value) -> BTreeSet<String> {
    report["findings"].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap().to_string()).collect()
}

#[test]
fn ids_are_the_same_however_the_path_is_typed() {
    let tmp = tempfile::tempdir().unwrap();
    let stack = tmp.path().join("stack");
    copy_tree(&support::root().join("examples/stack"), &stack);
    // A secret too: its ID is built differently from a rule finding's.
    std::fs::write(stack.join("app.env"), "DB_PASSWORD=Xk9mQ2vLp7wZ\n").unwrap();

    let (_, inside) = scan_json(&stack, &["."]);
    let expected = ids(&inside);
    assert!(expected.len() > 5, "the example stack has findings: {inside}");
    assert!(
        inside["findings"].as_array().unwrap().iter().any(|f| f["rule_id"].as_str().unwrap().starts_with("secret-")),
        "a secret finding is among them"
    );
    let absolute = stack.to_string_lossy().into_owned();
    for typed in ["stack", "./stack", "stack/", "stack//", absolute.as_str()] {
        let (_, report) = scan_json(tmp.path(), &[typed]);
        assert_eq!(ids(&report), expected, "scanned as {typed:?}");
    }
    let (_, nested) = scan_json(&stack.join("nginx"), &["../"]);
    assert_eq!(ids(&nested), expected, "scanned as ../ from below");

    // A baseline written from the absolute path holds for a relative scan.
    let (_, abs_report) = scan_json(tmp.path(), &[absolute.as_str()]);
    let baseline = tmp.path().join("baseline.json");
    std::fs::write(&baseline, serde_json::to_vec(&abs_report).unwrap()).unwrap();
    let (_, gated) = scan_json(&stack, &[".", "--baseline", baseline.to_str().unwrap()]);
    let new: Vec<_> = gated["findings"].as_array().unwrap().iter().filter(|f| f["baseline"] != true).collect();
    assert!(new.is_empty(), "every finding is in the baseline: {new:?}");
}
