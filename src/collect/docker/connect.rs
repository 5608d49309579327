//! Opening a client for one Docker host: a Unix socket, `tcp://` (plain or
//! TLS with client certificates), `https://`, or `ssh://` (through the
//! system's `ssh`, like the docker CLI).
//!
//! Connecting does not touch the network; the first request does. Every
//! request bollard sends here is built by a `GET` endpoint (see
//! `audit.rs`), which the read-only test proves.

use std::path::{Path, PathBuf};

use bollard::Docker;

use super::capped;
use super::errors::HostError;
use crate::config::DockerHostConfig;

/// Where the local daemon listens when neither the config nor `DOCKER_HOST`
/// names a host.
pub const DEFAULT_SOCKET: &str = "unix:///var/run/docker.sock";

/// One host to audit, as the report names it.
#[derive(Debug, Clone)]
pub struct Host {
    /// The URI connected to: it may carry a password.
    pub uri: String,
    /// The URI shown in reports and logs and used as the subjects' scope:
    /// `uri` with its credentials masked.
    pub shown: String,
    pub tls: Option<TlsFiles>,
}

impl Host {
    pub fn new(uri: String, tls: Option<TlsFiles>) -> Self {
        // `DOCKER_HOST` too may carry a password: no log line may show it.
        crate::mask::url_credentials(&uri).into_iter().for_each(crate::mask::register_secret);
        Self { shown: crate::mask::redact_urls(&uri).into_owned(), uri, tls }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct TlsFiles {
    pub ca: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// The hosts of the `[docker]` section, or `DOCKER_HOST` (with the docker
/// CLI's TLS variables), or the local socket.
pub fn hosts(configured: &[DockerHostConfig], resolve: impl Fn(&str) -> PathBuf) -> Result<Vec<Host>, String> {
    if configured.is_empty() {
        let uri = std::env::var("DOCKER_HOST").ok().filter(|h| !h.trim().is_empty());
        let uri = uri.unwrap_or_else(|| DEFAULT_SOCKET.to_string());
        return Ok(vec![Host::new(uri.clone(), env_tls(&uri))]);
    }
    configured
        .iter()
        .map(|h| {
            let tls = match (&h.ca, &h.cert, &h.key) {
                (Some(ca), Some(cert), Some(key)) => {
                    Some(TlsFiles { ca: resolve(ca), cert: resolve(cert), key: resolve(key) })
                }
                (None, None, None) => env_tls(&h.uri),
                _ => {
                    return Err(format!(
                        "docker host {}: give all of `ca`, `cert` and `key`, or none",
                        crate::mask::redact_urls(&h.uri)
                    ))
                }
            };
            Ok(Host::new(h.uri.trim().to_string(), tls))
        })
        .collect()
}

/// The docker CLI's convention: `DOCKER_TLS_VERIFY` (or `DOCKER_CERT_PATH`)
/// turns TLS on for `tcp://` hosts with `ca.pem`, `cert.pem`, `key.pem`
/// from `DOCKER_CERT_PATH` (default `~/.docker`).
fn env_tls(uri: &str) -> Option<TlsFiles> {
    let wanted = std::env::var_os("DOCKER_TLS_VERIFY").is_some_and(|v| !v.is_empty())
        || std::env::var_os("DOCKER_CERT_PATH").is_some_and(|v| !v.is_empty())
        || uri.starts_with("https://");
    if !(uri.starts_with("tcp://") || uri.starts_with("https://")) || !wanted {
        return None;
    }
    let dir = std::env::var_os("DOCKER_CERT_PATH")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".docker")))?;
    Some(TlsFiles { ca: dir.join("ca.pem"), cert: dir.join("cert.pem"), key: dir.join("key.pem") })
}

/// A client for `host`. `timeout_secs` bounds each request (bollard's own
/// limit); the whole audit of the host is bounded separately.
pub fn client(host: &Host, timeout_secs: u64) -> Result<Docker, HostError> {
    let uri = host.uri.as_str();
    let result = if let Some(tls) = &host.tls {
        let authority = uri
            .strip_prefix("tcp://")
            .or_else(|| uri.strip_prefix("https://"))
            .map(|a| a.trim_end_matches('/'))
            .ok_or_else(|| HostError::Config(format!("{}: TLS needs a tcp:// or https:// URI", host.shown)))?;
        let endpoint = tls_endpoint(authority, tls).map_err(|e| HostError::Config(format!("{}: {e}", host.shown)))?;
        capped::client(endpoint, timeout_secs, capped::MAX_RESPONSE_BYTES)
    } else if let Some(path) = uri.strip_prefix("unix://") {
        capped::client(capped::Endpoint::Unix(path.into()), timeout_secs, capped::MAX_RESPONSE_BYTES)
    } else if let Some(authority) = uri.strip_prefix("tcp://").or_else(|| uri.strip_prefix("http://")) {
        let authority = authority.trim_end_matches('/');
        capped::client(capped::Endpoint::Tcp(authority.to_string()), timeout_secs, capped::MAX_RESPONSE_BYTES)
    } else if uri.starts_with("ssh://") {
        let target = ssh_target(uri).map_err(HostError::Config)?;
        capped::client(capped::Endpoint::Ssh(ssh_args(&target, timeout_secs)), timeout_secs, capped::MAX_RESPONSE_BYTES)
    } else if uri.starts_with('/') {
        capped::client(capped::Endpoint::Unix(uri.into()), timeout_secs, capped::MAX_RESPONSE_BYTES)
    } else {
        return Err(HostError::Config(format!(
            "unsupported Docker host URI {uri:?} (use unix://, tcp://, https:// or ssh://)"
        )));
    };
    result.map_err(HostError::from)
}

/// The parts of an `ssh://[user@]host[:port]` Docker URI.
#[derive(Debug, PartialEq, Eq)]
pub struct SshTarget<'a> {
    pub user: Option<&'a str>,
    pub host: &'a str,
    pub port: Option<u16>,
}

/// The `ssh` arguments the docker CLI uses for an `ssh://` host: a session
/// without a terminal running `docker system dial-stdio` on the far side,
/// here also without prompts (a scan runs unattended) and with the host's
/// timeout for connecting. `--` keeps a host name from reading as an option.
pub fn ssh_args(target: &SshTarget<'_>, timeout_secs: u64) -> Vec<String> {
    let mut args = vec![
        "-T".to_string(),
        "-o".to_string(),
        "BatchMode=yes".to_string(),
        "-o".to_string(),
        format!("ConnectTimeout={}", timeout_secs.max(1)),
    ];
    if let Some(user) = target.user {
        args.extend(["-l".to_string(), user.to_string()]);
    }
    if let Some(port) = target.port {
        args.extend(["-p".to_string(), port.to_string()]);
    }
    args.extend(["--", target.host, "docker", "system", "dial-stdio"].map(str::to_string));
    args
}

/// The largest CA, certificate or key file read for a Docker TLS host.
const MAX_TLS_FILE_BYTES: u64 = 1 << 20;

/// A TLS endpoint for `host:port` with the host's CA and client certificate,
/// verified against that CA only (as the docker CLI does with
/// `--tlsverify`).
fn tls_endpoint(authority: &str, files: &TlsFiles) -> Result<capped::Endpoint, String> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};

    let read = |path: &Path| {
        crate::input::read_capped(path, MAX_TLS_FILE_BYTES).map_err(|e| format!("TLS file {}: {e}", path.display()))
    };
    let pem_certs = |path: &Path| -> Result<Vec<CertificateDer<'static>>, String> {
        let certs = CertificateDer::pem_slice_iter(&read(path)?)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("TLS file {} is not PEM: {e}", path.display()))?;
        if certs.is_empty() {
            return Err(format!("TLS file {} holds no certificate", path.display()));
        }
        Ok(certs)
    };
    let mut roots = rustls::RootCertStore::empty();
    let (added, _) = roots.add_parsable_certificates(pem_certs(&files.ca)?);
    if added == 0 {
        return Err(format!("no usable CA certificate in {}", files.ca.display()));
    }
    let chain = pem_certs(&files.cert)?;
    let key = PrivateKeyDer::from_pem_slice(&read(&files.key)?)
        .map_err(|e| format!("TLS file {} holds no private key: {e}", files.key.display()))?;
    let config =
        rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?
            .with_root_certificates(roots)
            .with_client_auth_cert(chain, key)
            .map_err(|e| format!("client certificate {} and key {}: {e}", files.cert.display(), files.key.display()))?;
    let (authority, name) = tls_address(authority);
    let server_name =
        ServerName::try_from(name.to_string()).map_err(|_| format!("{name:?} is not a host name or address"))?;
    Ok(capped::Endpoint::Tls { authority, server_name, config: std::sync::Arc::new(config) })
}

/// Where to connect (`host:port`, Docker's TLS port 2376 when none is
/// given) and the name the certificate must carry (an IPv6 address without
/// its brackets).
fn tls_address(authority: &str) -> (String, &str) {
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) if !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()) => (h, p),
        _ => (authority, "2376"),
    };
    (format!("{host}:{port}"), host.trim_start_matches('[').trim_end_matches(']'))
}

/// Parses an `ssh://` Docker URI as the docker CLI does: an optional user
/// before the last `@`, an optional port after the host (an IPv6 host in
/// brackets), nothing after but an optional `/`.
pub fn ssh_target(uri: &str) -> Result<SshTarget<'_>, String> {
    let bad = |why: &str| format!("invalid ssh:// Docker URI {:?}: {why}", crate::mask::redact_urls(uri));
    let rest = uri.strip_prefix("ssh://").ok_or_else(|| bad("it must start with ssh://"))?;
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    if rest.contains(['/', '?', '#']) {
        return Err(bad("a path is not allowed"));
    }
    let (user, hostport) = match rest.rsplit_once('@') {
        Some((u, h)) if !u.is_empty() => (Some(u.split_once(':').map_or(u, |(name, _)| name)), h),
        Some(_) => return Err(bad("empty user name")),
        None => (None, rest),
    };
    let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
        let (host, after) = v6.split_once(']').ok_or_else(|| bad("unclosed [ in the host"))?;
        match after {
            "" => (host, None),
            p => (host, Some(p.strip_prefix(':').ok_or_else(|| bad("junk after the host"))?)),
        }
    } else {
        match hostport.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (hostport, None),
        }
    };
    if host.is_empty() {
        return Err(bad("no host"));
    }
    let port = match port {
        None => None,
        Some(p) => match p.parse::<u16>() {
            Ok(n) if n > 0 => Some(n),
            _ => return Err(bad("the port must be a number from 1 to 65535")),
        },
    };
    Ok(SshTarget { user, host, port })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ssh_uris_parse_as_the_docker_cli_reads_them() {
        let t = |user, host, port| Ok(SshTarget { user, host, port });
        assert_eq!(
            ssh_target("ssh://deploy@host.example.test:2222"),
            t(Some("deploy"), "host.example.test", Some(2222))
        );
        assert_eq!(ssh_target("ssh://host.example.test"), t(None, "host.example.test", None));
        assert_eq!(ssh_target("ssh://u@h/"), t(Some("u"), "h", None));
        assert_eq!(ssh_target("ssh://u@[2001:db8::1]:22"), t(Some("u"), "2001:db8::1", Some(22)));
        assert_eq!(ssh_target("ssh://u:pw@h:22"), t(Some("u"), "h", Some(22)), "a password is never kept");
        for bad in
            ["ssh://", "ssh://u@", "ssh://@h", "ssh://h:0", "ssh://h:70000", "ssh://h:x", "ssh://h/path", "ssh://[::1"]
        {
            assert!(ssh_target(bad).is_err(), "{bad}");
        }
        let err = ssh_target("ssh://u:secret123@h:port").unwrap_err();
        assert!(!err.contains("secret123"), "{err}");
    }

    #[test]
    fn ssh_arguments_are_the_docker_clis_with_the_port_and_no_prompts() {
        let target = ssh_target("ssh://deploy@h.example.test:2222").unwrap();
        assert_eq!(
            ssh_args(&target, 20).join(" "),
            "-T -o BatchMode=yes -o ConnectTimeout=20 -l deploy -p 2222 -- h.example.test docker system dial-stdio"
        );
        // A host that looks like an option stays the destination.
        let target = ssh_target("ssh://-oProxyCommand=x").unwrap();
        assert!(ssh_args(&target, 20).join(" ").ends_with("-- -oProxyCommand=x docker system dial-stdio"));
    }

    #[test]
    fn tls_addresses_default_to_dockers_tls_port_and_name_the_host_without_brackets() {
        assert_eq!(
            tls_address("docker.example.test:2376"),
            ("docker.example.test:2376".to_string(), "docker.example.test")
        );
        assert_eq!(tls_address("docker.example.test"), ("docker.example.test:2376".to_string(), "docker.example.test"));
        assert_eq!(tls_address("10.0.0.5:443"), ("10.0.0.5:443".to_string(), "10.0.0.5"));
        assert_eq!(tls_address("[2001:db8::5]:2376"), ("[2001:db8::5]:2376".to_string(), "2001:db8::5"));
        assert_eq!(tls_address("[2001:db8::5]"), ("[2001:db8::5]:2376".to_string(), "2001:db8::5"));
    }

    #[test]
    fn tls_files_that_are_not_pem_are_a_config_error_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["ca.pem", "cert.pem", "key.pem"] {
            std::fs::write(dir.path().join(name), "not pem\n").unwrap();
        }
        let files = TlsFiles {
            ca: dir.path().join("ca.pem"),
            cert: dir.path().join("cert.pem"),
            key: dir.path().join("key.pem"),
        };
        let host = Host::new("tcp://127.0.0.1:2376".into(), Some(files));
        match client(&host, 1) {
            Err(HostError::Config(m)) => assert!(m.contains("ca.pem") && m.contains("no certificate"), "{m}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn partial_tls_material_is_a_config_error() {
        let hosts = hosts(
            &[DockerHostConfig { uri: "tcp://h:2376".into(), ca: Some("ca.pem".into()), ..Default::default() }],
            |p: &str| PathBuf::from(p),
        );
        assert!(hosts.unwrap_err().contains("ca"));
    }

    #[test]
    fn unknown_scheme_is_a_config_error() {
        let host = Host::new("ftp://h".into(), None);
        assert!(matches!(client(&host, 1), Err(HostError::Config(_))));
    }

    #[test]
    fn explicit_tls_files_resolve_against_the_config() {
        let hosts = hosts(
            &[DockerHostConfig {
                uri: "tcp://h:2376".into(),
                ca: Some("ca.pem".into()),
                cert: Some("c.pem".into()),
                key: Some("k.pem".into()),
            }],
            |p| Path::new("/etc/sa").join(p),
        )
        .unwrap();
        assert_eq!(hosts[0].tls.as_ref().unwrap().ca, Path::new("/etc/sa/ca.pem"));
    }
}
