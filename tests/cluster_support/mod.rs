//! The one stand-in of the test suite: no Kubernetes API server can be
//! installed on these machines, so `ApiServer` is an HTTPS server on a
//! loopback port that answers the list calls stackaudit makes with bodies
//! shaped like a real API server's (list envelopes with `resourceVersion`,
//! `continue` and `remainingItemCount`; objects with the fields the API
//! server fills in; `Status` bodies for 401, 403 and 410), written after the
//! examples in the Kubernetes API reference. Everything on the client side is
//! real: kube-rs, the kubeconfig loader, TLS verified against a CA made with
//! the openssl CLI, the bearer token.

// Test support: a panic here fails a test, it cannot crash a scan. Allowed here
// as well as in each test crate, so any crate can include this module.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::string_slice,
    clippy::indexing_slicing,
    clippy::unreachable
)]
#![allow(dead_code)]

pub mod apiserver;
pub mod objects;

use std::path::{Path, PathBuf};
use std::process::Command;

/// A CA and a server certificate for `127.0.0.1`, made with openssl.
pub struct Pki {
    pub dir: tempfile::TempDir,
    pub ca: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
}

fn run(cmd: &mut Command) {
    let out = cmd.output().unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(out.status.success(), "{cmd:?} failed: {}", String::from_utf8_lossy(&out.stderr));
}

impl Pki {
    pub fn new() -> Pki {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let (ca, ca_key) = (d.join("ca.crt"), d.join("ca.key"));
        run(Command::new("openssl")
            .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30", "-subj", "/CN=kubernetes-ca"])
            .args(["-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
            .arg("-keyout")
            .arg(&ca_key)
            .arg("-out")
            .arg(&ca));
        let (cert, key, csr) = (d.join("apiserver.crt"), d.join("apiserver.key"), d.join("apiserver.csr"));
        run(Command::new("openssl")
            .args(["req", "-new", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=kube-apiserver"])
            .arg("-keyout")
            .arg(&key)
            .arg("-out")
            .arg(&csr));
        let ext = d.join("ext.cnf");
        std::fs::write(
            &ext,
            "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes.default.svc\n",
        )
        .unwrap();
        run(Command::new("openssl")
            .args(["x509", "-req", "-days", "30", "-CAcreateserial"])
            .arg("-in")
            .arg(&csr)
            .arg("-CA")
            .arg(&ca)
            .arg("-CAkey")
            .arg(&ca_key)
            .arg("-extfile")
            .arg(&ext)
            .arg("-out")
            .arg(&cert));
        Pki { dir, ca, cert, key }
    }
}

/// One cluster entry of a kubeconfig.
pub struct KubeContext<'a> {
    pub name: &'a str,
    pub server: String,
    pub token: &'a str,
    pub namespace: Option<&'a str>,
}

/// Writes a kubeconfig the way `kubectl config` does: the CA embedded as
/// base64 (`certificate-authority-data`), a bearer token per user.
pub fn write_kubeconfig(path: &Path, ca: &Path, contexts: &[KubeContext<'_>], current: &str) {
    use base64::Engine as _;
    let ca_data = base64::engine::general_purpose::STANDARD.encode(std::fs::read(ca).unwrap());
    let mut text = String::from("apiVersion: v1\nkind: Config\nclusters:\n");
    for c in contexts {
        text.push_str(&format!(
            "- name: {n}\n  cluster:\n    server: {s}\n    certificate-authority-data: {ca_data}\n",
            n = c.name,
            s = c.server
        ));
    }
    text.push_str("users:\n");
    for c in contexts {
        text.push_str(&format!("- name: {n}-admin\n  user:\n    token: {t}\n", n = c.name, t = c.token));
    }
    text.push_str("contexts:\n");
    for c in contexts {
        text.push_str(&format!("- name: {n}\n  context:\n    cluster: {n}\n    user: {n}-admin\n", n = c.name));
        if let Some(ns) = c.namespace {
            text.push_str(&format!("    namespace: {ns}\n"));
        }
    }
    text.push_str(&format!("current-context: {current}\npreferences: {{}}\n"));
    std::fs::write(path, text).unwrap();
}
