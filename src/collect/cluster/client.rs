//! Which clusters to audit and a client for each: every kubeconfig context
//! asked for (or the current one), or the pod's own service account. The
//! connection itself is kube-rs's: kubeconfig credentials (tokens, client
//! certificates, exec plugins), TLS verified against the cluster's CA.

use std::path::{Path, PathBuf};
use std::time::Duration;

use http_body_util::Limited;
use kube::config::{KubeConfigOptions, Kubeconfig};

use super::errors::SOURCE;
use crate::config::KubernetesConfig;
use crate::diagnostics::{ErrorKind, ScanError};

/// Kubeconfig files larger than this are not read (real ones, with every
/// certificate embedded, stay far below).
const MAX_KUBECONFIG_BYTES: u64 = 4 * 1024 * 1024;
/// The name an in-cluster audit goes by in reports.
pub const IN_CLUSTER: &str = "in-cluster";

/// One cluster to audit.
pub struct Target {
    /// The context name (or `in-cluster`): the subjects' scope.
    pub name: String,
    pub config: kube::Config,
}

/// The clusters the config asks for, and why any of them cannot be audited.
pub async fn targets(cfg: &KubernetesConfig, resolve: impl Fn(&str) -> PathBuf) -> (Vec<Target>, Vec<ScanError>) {
    let err = |target: &str, message: String| ScanError::new(SOURCE, target, ErrorKind::Config, message);
    let dir = PathBuf::from(&cfg.service_account_dir);
    if cfg.in_cluster {
        return match in_cluster(&dir).await {
            Ok(t) => (vec![t], Vec::new()),
            Err(e) => (Vec::new(), vec![err(IN_CLUSTER, e)]),
        };
    }
    let paths = kubeconfig_paths(cfg, &resolve);
    let existing: Vec<&PathBuf> = paths.iter().filter(|p| p.is_file()).collect();
    if existing.is_empty() {
        // No kubeconfig: inside a pod, its service account is the credential.
        if cfg.contexts.is_empty() && std::env::var_os("KUBERNETES_SERVICE_HOST").is_some() {
            return match in_cluster(&dir).await {
                Ok(t) => (vec![t], Vec::new()),
                Err(e) => (Vec::new(), vec![err(IN_CLUSTER, e)]),
            };
        }
        let shown: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        let message = format!(
            "no kubeconfig found (looked for {}) and not running inside a cluster",
            if shown.is_empty() { "~/.kube/config".to_string() } else { shown.join(", ") }
        );
        return (Vec::new(), vec![err("kubeconfig", message)]);
    }
    let mut merged = Kubeconfig::default();
    for path in existing {
        let display = path.display().to_string();
        match read_kubeconfig(path) {
            Ok(k) => match merged.merge(k) {
                Ok(m) => merged = m,
                Err(e) => return (Vec::new(), vec![err(&display, format!("cannot merge kubeconfig: {e}"))]),
            },
            Err(message) => return (Vec::new(), vec![err(&display, message)]),
        }
    }
    let contexts = if cfg.contexts.is_empty() {
        match merged.current_context.clone().filter(|c| !c.is_empty()) {
            Some(c) => vec![c],
            None => {
                return (
                    Vec::new(),
                    vec![err("kubeconfig", "the kubeconfig has no current-context; name one with --context".into())],
                )
            }
        }
    } else {
        cfg.contexts.clone()
    };
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for name in contexts {
        if !merged.contexts.iter().any(|c| c.name == name) {
            errors.push(err(&name, format!("no context {name:?} in the kubeconfig")));
            continue;
        }
        let options = KubeConfigOptions { context: Some(name.clone()), ..Default::default() };
        match kube::Config::from_custom_kubeconfig(merged.clone(), &options).await {
            Ok(config) => out.push(Target { name, config }),
            Err(e) => errors.push(err(&name, format!("cannot use the context: {e}"))),
        }
    }
    (out, errors)
}

/// `kubeconfig` from the config, else `KUBECONFIG` (a path list), else
/// `~/.kube/config`.
fn kubeconfig_paths(cfg: &KubernetesConfig, resolve: &impl Fn(&str) -> PathBuf) -> Vec<PathBuf> {
    if let Some(k) = &cfg.kubeconfig {
        return std::env::split_paths(k).map(|p| resolve(&p.to_string_lossy())).collect();
    }
    if let Some(value) = std::env::var_os("KUBECONFIG").filter(|v| !v.is_empty()) {
        return std::env::split_paths(&value).filter(|p| !p.as_os_str().is_empty()).collect();
    }
    std::env::var_os("HOME").map(|h| vec![Path::new(&h).join(".kube").join("config")]).unwrap_or_default()
}

fn read_kubeconfig(path: &Path) -> Result<Kubeconfig, String> {
    let size = std::fs::metadata(path).map_err(|e| format!("cannot read kubeconfig: {e}"))?.len();
    if size > MAX_KUBECONFIG_BYTES {
        return Err(format!("kubeconfig is {size} bytes, over the {MAX_KUBECONFIG_BYTES}-byte limit"));
    }
    Kubeconfig::read_from(path).map_err(|e| format!("invalid kubeconfig: {e}"))
}

/// The pod's service account: the API server from `KUBERNETES_SERVICE_HOST`
/// and `_PORT`, the CA, token and namespace mounted in `dir`. Built as a
/// kubeconfig so the same loader (and token-file refresh) serves both.
async fn in_cluster(dir: &Path) -> Result<Target, String> {
    let host = std::env::var("KUBERNETES_SERVICE_HOST")
        .map_err(|_| "KUBERNETES_SERVICE_HOST is not set: not running inside a cluster".to_string())?;
    let port = std::env::var("KUBERNETES_SERVICE_PORT").unwrap_or_else(|_| "443".into());
    let host = if host.contains(':') && !host.starts_with('[') { format!("[{host}]") } else { host };
    let (ca, token) = (dir.join("ca.crt"), dir.join("token"));
    for file in [&ca, &token] {
        if !file.is_file() {
            return Err(format!("{} is missing: is a service account token mounted?", file.display()));
        }
    }
    let namespace = crate::collect::text::read_text(&dir.join("namespace"), 4096).ok().map(|n| n.trim().to_string());
    let yaml = serde_json::json!({
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": IN_CLUSTER, "cluster": {"server": format!("https://{host}:{port}"), "certificate-authority": ca}}],
        "users": [{"name": IN_CLUSTER, "user": {"tokenFile": token}}],
        "contexts": [{"name": IN_CLUSTER, "context": {"cluster": IN_CLUSTER, "user": IN_CLUSTER, "namespace": namespace}}],
        "current-context": IN_CLUSTER,
    });
    let kubeconfig = Kubeconfig::from_yaml(&yaml.to_string()).map_err(|e| e.to_string())?;
    let options = KubeConfigOptions { context: Some(IN_CLUSTER.into()), ..Default::default() };
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &options).await.map_err(|e| e.to_string())?;
    Ok(Target { name: IN_CLUSTER.into(), config })
}

/// A client whose every request is bounded in time and every answer in size.
pub fn client(mut config: kube::Config, cfg: &KubernetesConfig) -> Result<kube::Client, kube::Error> {
    // The whole audit of the cluster is bounded by `timeout_secs`; each
    // request gets a second more, so that limit, with its clear message,
    // is the one that fires.
    let limit = Duration::from_secs(cfg.timeout_secs.max(1));
    config.connect_timeout = Some(limit.min(Duration::from_secs(10)));
    config.read_timeout = Some(limit + Duration::from_secs(1));
    config.write_timeout = Some(limit + Duration::from_secs(1));
    config.reset_reader_on_write = true;
    let cap = usize::try_from(cfg.max_response_bytes).unwrap_or(usize::MAX);
    let builder = kube::client::ClientBuilder::try_from(config)?;
    let capped = builder.with_layer(&tower::util::MapResponseLayer::new(move |response: http::Response<_>| {
        response.map(|body| Limited::new(body, cap))
    }));
    Ok(capped.build())
}
