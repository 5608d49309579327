//! The Dockerfile collector end to end: multi-stage builds, the final
//! stage's USER (inherited through `FROM <stage>`, switched back to root),
//! HEALTHCHECK, secrets in ENV/ARG, ADD, downloads piped into a shell,
//! heredocs, the escape directive, FROM with ARG, and bad input.

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
use serde_json::{json, Value};

fn scan_fixtures() -> (i32, Value) {
    scan(&support::fixture("dockerfile"), &["."])
}

#[test]
fn exact_findings_with_line() {
    let (_, report) = scan_fixtures();
    let mut expected = vec![
        hit("dockerfile-runs-as-root", "Dockerfile.multistage", "Dockerfile.multistage:10"),
        hit("dockerfile-no-healthcheck", "Dockerfile.multistage", "Dockerfile.multistage:12"),
        hit("dockerfile-runs-as-root", "Dockerfile.switchback", "Dockerfile.switchback:6"),
        hit("dockerfile-runs-as-root", "Dockerfile.uid0", "Dockerfile.uid0:3"),
        // Found by the secrets scan, reported by the Dockerfile context rule;
        // the subject is the key.
        hit("dockerfile-secret-in-build", "NPM_TOKEN", "Dockerfile.secrets:2"),
        hit("dockerfile-secret-in-build", "GOOGLE_GENAI_API_KEY", "Dockerfile.secrets:4"),
        hit("dockerfile-secret-in-build", "DB_PASSWORD", "Dockerfile.secrets:7"),
        hit("dockerfile-add-instead-of-copy", "Dockerfile.add", "Dockerfile.add:2"),
        hit("dockerfile-add-instead-of-copy", "Dockerfile.add", "Dockerfile.add:4"),
        hit("dockerfile-curl-pipe-shell", "Dockerfile.add", "Dockerfile.add:5"),
        hit("dockerfile-curl-pipe-shell", "Dockerfile.add", "Dockerfile.add:7"),
        hit("image-unpinned-tag", "stage 0", "Dockerfile.add:1"),
        hit("dockerfile-curl-pipe-shell", "Dockerfile.heredoc", "Dockerfile.heredoc:3"),
        hit("image-unpinned-tag", "stage 0", "Containerfile:2"),
    ];
    expected.sort();
    assert_eq!(hits(&report), expected);
}

#[test]
fn multi_stage_facts() {
    let (_, report) = scan_fixtures();
    let d = &fact(&report, "dockerfile", "Dockerfile.multistage")["data"];
    let stages: Vec<(Value, Value, Value, Value)> = d["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["name"].clone(), s["base"]["raw"].clone(), s["base_is_stage"].clone(), s["line"].clone()))
        .collect();
    assert_eq!(
        stages,
        vec![
            (json!("builder"), json!("node:20-alpine"), json!(false), json!(3)),
            (json!("tested"), json!("builder"), json!(true), json!(7)),
            (Value::Null, json!("node:20-alpine"), json!(false), json!(10)),
        ]
    );
    assert_eq!(d["final_user"], Value::Null);
    assert_eq!(d["final_user_is_root"], true);
    assert_eq!(d["healthcheck"], json!({"defined": true, "disabled": true}));
    assert_eq!(d["exposed_ports"], json!(["3000", "9229/tcp"]));

    // Two FROMs pull an image; the stage built on `builder` pulls nothing.
    let images: Vec<&Value> = report["facts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["subject"]["kind"] == "image" && f["subject"]["scope"] == "Dockerfile.multistage")
        .collect();
    assert_eq!(images.len(), 2);
    assert_eq!(images[1]["data"]["final_stage"], true);
    assert_eq!(images[1]["data"]["used_by"], "dockerfile");

    let inherited = &fact(&report, "dockerfile", "Dockerfile.inherited")["data"];
    assert_eq!(inherited["final_user"], "nextjs", "FROM base inherits the stage's USER");
    assert_eq!(inherited["healthcheck"]["defined"], true);

    let escaped = &fact(&report, "dockerfile", "Dockerfile.escape")["data"];
    assert_eq!(escaped["final_user"], "ContainerUser", "the backtick escape joins lines");

    let heredoc = &fact(&report, "dockerfile", "Dockerfile.heredoc")["data"];
    assert_eq!(heredoc["final_user"], "1001", "a heredoc body's `USER root` is file content, not an instruction");

    let containerfile = &fact(&report, "dockerfile", "Containerfile")["data"];
    assert_eq!(containerfile["stages"][0]["base"]["raw"], "registry.example.com/base", "global ARG default in FROM");

    let add = &fact(&report, "dockerfile", "Dockerfile.add")["data"];
    assert_eq!(
        add["add_instructions"],
        json!([
            {"line": 2, "remote": true, "archive": false},
            {"line": 3, "remote": false, "archive": true},
            {"line": 4, "remote": false, "archive": false},
        ])
    );
}

#[test]
fn secrets_are_masked() {
    let (_, report) = scan_fixtures();
    let text = report.to_string();
    for value in ["npm_Qw8Er7Ty6Ui5Op4As3Df2Gh1Jk0Lz9", "Kp9vR2xL7mQ4wZ8tB3nY6cH1", "legacy-form-Hq8vN3kLz5"] {
        assert!(!text.contains(value), "{value} leaked into the report");
    }
    let secrets = &fact(&report, "dockerfile", "Dockerfile.secrets")["data"]["build_secrets"];
    let names: Vec<&str> = secrets.as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(names, vec!["NPM_TOKEN", "GOOGLE_GENAI_API_KEY", "DB_PASSWORD"]);
}

#[test]
fn a_broken_dockerfile_is_an_error_with_its_line() {
    let (code, report) = scan_fixtures();
    assert_eq!(code, 2);
    assert_eq!(
        errors(&report),
        vec![(
            "broken/Dockerfile".to_string(),
            "line 4: unknown instruction \"RUNN\"".to_string(),
            "broken/Dockerfile:4".to_string()
        )]
    );
}

#[test]
fn files_named_like_dockerfiles_that_are_not_are_left_alone() {
    let (_, report) = scan_fixtures();
    // An editor's syntax mode (`dockerfile.js`) is never read as one;
    // prose named `Dockerfile.garbage` does not start with FROM: skipped.
    assert!(errors(&report).iter().all(|e| !e.0.contains("dockerfile.js") && !e.0.contains("garbage")));
    let skips = skipped(&report);
    assert!(
        skips.iter().any(|(p, r)| p == "Dockerfile.garbage" && r.contains("does not start with FROM")),
        "{skips:#?}"
    );
    assert!(skips.iter().all(|(p, _)| !p.contains("dockerfile.js")), "not even considered: {skips:#?}");
    let kinds: Vec<&str> =
        report["facts"].as_array().unwrap().iter().filter_map(|f| f["subject"]["name"].as_str()).collect();
    assert!(!kinds.iter().any(|n| n.contains("dockerfile.js") || n.contains("garbage")), "{kinds:?}");
}

#[test]
fn from_an_unresolved_arg_is_unknown_not_a_floating_image() {
    let (_, report) = scan_fixtures();
    let image = report["facts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["subject"]["kind"] == "image" && f["subject"]["scope"] == "Dockerfile.arg-base")
        .expect("the FROM is an image fact");
    assert_eq!(image["data"]["reference"]["raw"], "${BASE_IMAGE}");
    assert_eq!(image["data"]["reference"]["interpolated"], true);
    assert!(hits(&report).iter().all(|h| !h.2.starts_with("Dockerfile.arg-base")), "{:#?}", hits(&report));
}

#[test]
fn non_ascii_after_a_heredoc_marker_and_in_a_quoted_env_key_is_read() {
    let (_, report) = scan_fixtures();
    let d = &fact(&report, "dockerfile", "Dockerfile.unicode")["data"];
    assert_eq!(d["final_user"], "1001");
    assert_eq!(d["stages"][0]["base"]["raw"], "alpine:3.20");
    assert!(errors(&report).iter().all(|e| e.0 != "Dockerfile.unicode"));
}

#[test]
fn binary_and_oversized_dockerfiles_are_errors_naming_the_file() {
    let mut binary = b"\x89PNG\r\n\x1a\n".to_vec();
    binary.extend(std::iter::repeat_n(0u8, 32));
    let big = format!("FROM alpine:3.20\n{}", "RUN true\n".repeat(1000));
    let dir = folder(&[
        ("img/Dockerfile", &binary),
        ("big/Dockerfile", big.as_bytes()),
        ("ok/Dockerfile", b"FROM alpine:3.20\nUSER 0\nHEALTHCHECK CMD true\n"),
        ("stackaudit.toml", b"[scan]\nmax_config_bytes = 4096\n"),
    ]);
    let (code, report) = scan(dir.path(), &["."]);
    assert_eq!(code, 2);
    let errs = errors(&report);
    assert!(errs.iter().any(|e| e.0 == "img/Dockerfile" && e.1.contains("binary")), "{errs:#?}");
    assert!(errs.iter().any(|e| e.0 == "big/Dockerfile" && e.1.contains("limit")), "{errs:#?}");
    assert_eq!(hits(&report), vec![hit("dockerfile-runs-as-root", "ok/Dockerfile", "ok/Dockerfile:2")]);
}

#[test]
fn a_substitution_docker_build_refuses_is_an_error_at_its_line() {
    // `docker build` stops at each of these ("missing ':' in substitution",
    // "bad substitution", "unsupported modifier"); `RUN` is the shell's, not
    // substituted by the builder, so it is left alone.
    let secret = "Wq8-Tzn4-Lp2x-Hm7c";
    let dockerfile = format!(
        "ARG TAG=1.36\nARG TOKEN={secret}\nFROM busybox:${{TAG\nEXPOSE 8080 ${{}}\nUSER ${{TOKEN:x}}\nRUN echo ${{unterminated\n"
    );
    let dir = folder(&[
        ("bad/Dockerfile", dockerfile.as_bytes()),
        ("good/Dockerfile", b"FROM busybox:1.36\nUSER 0\nHEALTHCHECK NONE\n"),
    ]);
    let (code, report) = scan(dir.path(), &["."]);
    assert_eq!(code, 2, "{report}");
    let errs: Vec<(String, String, String)> =
        errors(&report).into_iter().filter(|e| e.1.contains("invalid substitution")).collect();
    let at: Vec<(&str, &str)> = errs.iter().map(|e| (e.0.as_str(), e.2.as_str())).collect();
    assert_eq!(
        at,
        [
            ("bad/Dockerfile", "bad/Dockerfile:3"),
            ("bad/Dockerfile", "bad/Dockerfile:4"),
            ("bad/Dockerfile", "bad/Dockerfile:5")
        ],
        "{errs:#?}"
    );
    assert!(errs[0].1.contains("in FROM: `${` has no closing `}`"), "{errs:#?}");
    assert!(errs[1].1.contains("in EXPOSE"), "{errs:#?}");
    assert!(errs[2].1.contains("in USER"), "{errs:#?}");
    let text = report.to_string();
    for piece in (0..=secret.len() - 8).map(|i| &secret[i..i + 8]) {
        assert!(!text.contains(piece), "{piece:?} leaked");
    }
    assert!(hits(&report).contains(&hit("dockerfile-runs-as-root", "good/Dockerfile", "good/Dockerfile:2")));
}
