//! No secret through a side door: one planted value in each place the
//! secret scanner does not look (a password in `--url`, in `[[http]] url`
//! and in `[[docker.hosts]] uri`; a `.env` value interpolated into a compose
//! field that fails validation and into `user:`; compose label values with
//! basic-auth users and htpasswd hashes) must not appear, whole or as any
//! 8-character piece, in any report format, in `diff` output or in the
//! trace log.
//!
//! The HTTP and Docker endpoints are closed loopback ports: the values are
//! shown in connection errors, which is what must be masked.

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

use std::path::Path;

use support::{bin, stderr, stdout};

/// Each planted value is distinct, so a leak says where it came from.
const URL_FLAG_PW: &str = "Zq7fUrlFlagPw91x";
const URL_CONFIG_PW: &str = "Kp3mUrlConfPw42y";
const DOCKER_PW: &str = "Wd8nDockerUriPw7";
const ENV_MEM: &str = "Mx4rEnvMemLimit5";
const ENV_USER: &str = "Uy6tEnvUserVal83";
const LABEL_HASH: &str = "$apr1$Hb2kLbl9$QwErTyLabelHash0";

fn pieces(secret: &str) -> Vec<&str> {
    (0..=secret.len().saturating_sub(8)).map(|i| &secret[i..i + 8]).collect()
}

fn assert_clean(what: &str, text: &str) {
    for secret in [URL_FLAG_PW, URL_CONFIG_PW, DOCKER_PW, ENV_MEM, ENV_USER, LABEL_HASH] {
        for piece in pieces(secret) {
            assert!(!text.contains(piece), "{what} shows {piece:?} of {secret:?}:\n{text}");
        }
    }
}

fn write(dir: &Path, rel: &str, text: &str) {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn closed_port() -> u16 {
    // Bound then dropped: nothing listens there for the scan.
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

#[test]
fn planted_values_never_reach_an_output() {
    let dir = tempfile::tempdir().unwrap();
    let (http_port, docker_port) = (closed_port(), closed_port());
    write(dir.path(), "proj/.env", &format!("DB_PASSWORD={ENV_MEM}\nAPP_USER={ENV_USER}\n"));
    write(
        dir.path(),
        "proj/compose.yaml",
        &format!(
            "services:\n  app:\n    image: example/app:1.0.0\n    mem_limit: ${{DB_PASSWORD}}\n    user: ${{APP_USER}}\n    labels:\n      traefik.http.middlewares.auth.basicauth.users: \"admin:{}\"\n",
            LABEL_HASH.replace('$', "$$")
        ),
    );
    write(
        dir.path(),
        "stackaudit.toml",
        &format!(
            "[[http]]\nurl = \"http://admin:{URL_CONFIG_PW}@127.0.0.1:{http_port}/\"\n\n[[docker.hosts]]\nuri = \"tcp://ops:{DOCKER_PW}@127.0.0.1:{docker_port}\"\n"
        ),
    );
    let flag_url = format!("http://admin:{URL_FLAG_PW}@127.0.0.1:{http_port}/x");
    let out_dir = dir.path().join("out");
    let scan = bin()
        .current_dir(dir.path())
        .env("STACKAUDIT_LOG", "trace")
        .args(["scan", "proj", "--config", "stackaudit.toml", "--docker", "--url", &flag_url])
        .args(["--format", "json,sarif,junit,html,table", "--output-dir"])
        .arg(&out_dir)
        .output()
        .unwrap();
    assert_eq!(scan.status.code(), Some(2), "the unreachable endpoints are errors: {}", stderr(&scan));
    assert_clean("scan stdout", &stdout(&scan));
    assert_clean("scan stderr and trace log", &stderr(&scan));

    let mut written = 0;
    for entry in std::fs::read_dir(&out_dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_clean(&path.display().to_string(), &text);
        written += 1;
    }
    assert_eq!(written, 4, "json, sarif, junit and html written (the table goes to stdout)");

    // The table on stdout, with a terminal's view of the same report.
    let table = bin()
        .current_dir(dir.path())
        .args(["scan", "proj", "--config", "stackaudit.toml", "--docker", "--url", &flag_url])
        .output()
        .unwrap();
    assert_clean("table", &format!("{}{}", stdout(&table), stderr(&table)));

    // The masked forms still say which endpoint failed.
    let json = out_dir.join("stackaudit.json");
    let report = std::fs::read_to_string(&json).unwrap();
    assert!(report.contains(&format!("127.0.0.1:{http_port}")), "the HTTP endpoint is named");
    assert!(report.contains(&format!("127.0.0.1:{docker_port}")), "the Docker endpoint is named");

    // Each planted place was reached: the mem_limit error names the
    // variable as written, the user is declared as written.
    assert!(report.contains("invalid memory size \\\"${DB_PASSWORD}\\\""), "the mem_limit error: {report}");
    assert!(report.contains("${APP_USER}"), "the user as written");
    // The label is still there for rules, masked.
    assert!(report.contains("traefik.http.middlewares.auth.basicauth.users"), "the label key is kept");

    // diff of two reports, table and JSON.
    for format in ["table", "json"] {
        let diff = bin()
            .current_dir(dir.path())
            .env("STACKAUDIT_LOG", "trace")
            .args(["diff", "--format", format])
            .arg(&json)
            .arg(&json)
            .output()
            .unwrap();
        assert_clean(&format!("diff --format {format}"), &format!("{}{}", stdout(&diff), stderr(&diff)));
    }
}
