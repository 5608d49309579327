//! The HTTPS stand-in for an API server (see the module documentation of
//! `cluster_support` for why one is needed). It serves the list endpoints of
//! the objects a `Scenario` holds, paginates with `limit`/`continue` like the
//! real one, and records every request so a test can check that only GETs
//! were sent and that pagination was used.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use serde_json::{json, Value};

use super::Pki;

/// What the stand-in knows and how it misbehaves.
#[derive(Clone, Default)]
pub struct Scenario {
    /// The bearer token every request must carry.
    pub token: String,
    /// Objects by resource (`pods`, `replicasets`, `clusterroles`...),
    /// namespaced ones with `metadata.namespace` set.
    pub objects: BTreeMap<String, Vec<Value>>,
    /// Namespaces the account may not list anything in: 403 there, and 403
    /// for the cluster-wide list of every namespaced resource (RBAC granted
    /// namespace by namespace, the usual reason for such a refusal).
    pub forbidden_namespaces: BTreeSet<String>,
    /// The continue token of this page number (1-based) of `pods` is
    /// answered once with 410 Expired; with a fresh token in the Status when
    /// `fresh_token_on_expiry`.
    pub expire_pods_page: Option<usize>,
    pub fresh_token_on_expiry: bool,
    /// Every answer waits this long first.
    pub delay: Duration,
}

/// One request as received.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub query: BTreeMap<String, String>,
    pub bearer: Option<String>,
}

pub struct ApiServer {
    pub port: u16,
    requests: Arc<Mutex<Vec<Request>>>,
    stop: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
}

impl ApiServer {
    pub fn start(pki: &Pki, scenario: Scenario) -> ApiServer {
        let certs: Vec<CertificateDer<'static>> =
            CertificateDer::pem_file_iter(&pki.cert).unwrap().map(|c| c.unwrap()).collect();
        let key = PrivateKeyDer::from_pem_file(&pki.key).unwrap();
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .unwrap();
        let config = Arc::new(config);
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let state = Arc::new(Mutex::new(State { scenario, expired: false }));
        let accept = {
            let (requests, stop) = (requests.clone(), stop.clone());
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let (config, requests, state) = (config.clone(), requests.clone(), state.clone());
                    std::thread::spawn(move || serve(stream, config, requests, state));
                }
            })
        };
        ApiServer { port, requests, stop, accept: Some(accept) }
    }

    pub fn url(&self) -> String {
        format!("https://127.0.0.1:{}", self.port)
    }

    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }
}

impl Drop for ApiServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(h) = self.accept.take() {
            let _ = h.join();
        }
    }
}

struct State {
    scenario: Scenario,
    expired: bool,
}

fn serve(
    tcp: TcpStream,
    config: Arc<rustls::ServerConfig>,
    requests: Arc<Mutex<Vec<Request>>>,
    state: Arc<Mutex<State>>,
) {
    let _ = tcp.set_read_timeout(Some(Duration::from_secs(30)));
    let Ok(conn) = rustls::ServerConnection::new(config) else { return };
    let mut tls = rustls::StreamOwned::new(conn, tcp);
    loop {
        let Some(request) = read_request(&mut tls) else { return };
        requests.lock().unwrap().push(request.clone());
        let delay = state.lock().unwrap().scenario.delay;
        std::thread::sleep(delay);
        let (status, body) = answer(&request, &mut state.lock().unwrap());
        let reason = match status {
            200 => "OK",
            401 => "Unauthorized",
            403 => "Forbidden",
            404 => "Not Found",
            410 => "Gone",
            _ => "Error",
        };
        let head = format!(
            "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nAudit-Id: 8f4f1a52-0c1e-4b1c-9f0e-3b9e1c2d4a51\r\nCache-Control: no-cache, private\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        if tls.write_all(head.as_bytes()).and_then(|_| tls.write_all(&body)).and_then(|_| tls.flush()).is_err() {
            return;
        }
    }
}

fn read_request(stream: &mut impl std::io::Read) -> Option<Request> {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_string();
    let target = parts.next()?.to_string();
    let mut bearer = None;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).ok()? == 0 {
            return None;
        }
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            if name.eq_ignore_ascii_case("authorization") {
                bearer = value.trim().strip_prefix("Bearer ").map(str::to_string);
            }
        }
    }
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p.to_string(), parse_query(q)),
        None => (target, BTreeMap::new()),
    };
    Some(Request { method, path, query, bearer })
}

fn parse_query(q: &str) -> BTreeMap<String, String> {
    q.split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| {
            (
                k.to_string(),
                url::form_urlencoded::parse(format!("x={v}").as_bytes())
                    .next()
                    .map(|(_, v)| v.into_owned())
                    .unwrap_or_default(),
            )
        })
        .collect()
}

/// `(group/version, kind of the list items)` of each resource served.
fn resource_info(resource: &str) -> Option<(&'static str, &'static str, bool)> {
    Some(match resource {
        "namespaces" => ("v1", "Namespace", false),
        "pods" => ("v1", "Pod", true),
        "services" => ("v1", "Service", true),
        "serviceaccounts" => ("v1", "ServiceAccount", true),
        "replicasets" => ("apps/v1", "ReplicaSet", true),
        "jobs" => ("batch/v1", "Job", true),
        "networkpolicies" => ("networking.k8s.io/v1", "NetworkPolicy", true),
        "roles" => ("rbac.authorization.k8s.io/v1", "Role", true),
        "rolebindings" => ("rbac.authorization.k8s.io/v1", "RoleBinding", true),
        "clusterroles" => ("rbac.authorization.k8s.io/v1", "ClusterRole", false),
        "clusterrolebindings" => ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", false),
        _ => return None,
    })
}

/// `/api/v1/namespaces/shop/pods` → (Some("shop"), "pods").
fn route(path: &str) -> Option<(Option<String>, String)> {
    let rest = path.strip_prefix("/api/v1/").or_else(|| {
        let p = path.strip_prefix("/apis/")?;
        let mut it = p.splitn(3, '/');
        let (_group, _version, rest) = (it.next()?, it.next()?, it.next()?);
        Some(rest)
    })?;
    let segments: Vec<&str> = rest.split('/').collect();
    match segments.as_slice() {
        [resource] => Some((None, resource.to_string())),
        ["namespaces", ns, resource] => Some((Some(ns.to_string()), resource.to_string())),
        _ => None,
    }
}

fn status(code: u16, reason: &str, message: &str, details: Value, metadata: Value) -> (u16, Vec<u8>) {
    let body = json!({
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": metadata,
        "status": "Failure",
        "message": message,
        "reason": reason,
        "details": details,
        "code": code,
    });
    (code, body.to_string().into_bytes())
}

fn answer(request: &Request, state: &mut State) -> (u16, Vec<u8>) {
    let scenario = &state.scenario;
    if request.bearer.as_deref() != Some(scenario.token.as_str()) {
        return status(401, "Unauthorized", "Unauthorized", json!({}), json!({}));
    }
    if request.path == "/version" {
        let body = json!({
            "major": "1", "minor": "33", "gitVersion": "v1.33.1", "gitCommit": "8adc0f041b8e7ad1d30e29cc59c6ae7a15e19828",
            "gitTreeState": "clean", "buildDate": "2025-05-15T08:19:08Z", "goVersion": "go1.24.2", "compiler": "gc",
            "platform": "linux/amd64"
        });
        return (200, body.to_string().into_bytes());
    }
    let Some((namespace, resource)) = route(&request.path) else {
        return status(404, "NotFound", "the server could not find the requested resource", json!({}), json!({}));
    };
    let Some((api_version, kind, namespaced)) = resource_info(&resource) else {
        return status(404, "NotFound", "the server could not find the requested resource", json!({}), json!({}));
    };
    let user = "system:serviceaccount:audit:stackaudit";
    let group = api_version.rsplit_once('/').map(|(g, _)| g).unwrap_or("");
    if namespaced {
        let refused = match &namespace {
            Some(ns) => scenario.forbidden_namespaces.contains(ns),
            None => !scenario.forbidden_namespaces.is_empty(),
        };
        if refused {
            let message = match &namespace {
                Some(ns) => format!("{resource} is forbidden: User \"{user}\" cannot list resource \"{resource}\" in API group \"{group}\" in the namespace \"{ns}\""),
                None => format!("{resource} is forbidden: User \"{user}\" cannot list resource \"{resource}\" in API group \"{group}\" at the cluster scope"),
            };
            return status(403, "Forbidden", &message, json!({"kind": resource}), json!({}));
        }
    }
    // References, not copies: the benchmark serves thousands of pods.
    let items: Vec<&Value> = scenario
        .objects
        .get(&resource)
        .map(|all| {
            all.iter().filter(|o| namespace.as_deref().is_none_or(|ns| o["metadata"]["namespace"] == ns)).collect()
        })
        .unwrap_or_default();
    let limit: usize = request.query.get("limit").and_then(|l| l.parse().ok()).unwrap_or(usize::MAX).max(1);
    // An opaque token to the client; here the offset, base64-encoded the way
    // the API server's tokens look.
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    let offset: usize = match request.query.get("continue") {
        None => 0,
        Some(token) => {
            let decoded = b64.decode(token).ok().and_then(|b| String::from_utf8(b).ok()).unwrap_or_default();
            let offset: usize = decoded.rsplit(':').next().and_then(|n| n.parse().ok()).unwrap_or(0);
            let page = offset / limit + 1;
            if resource == "pods" && scenario.expire_pods_page == Some(page) && !state.expired {
                state.expired = true;
                let metadata = if scenario.fresh_token_on_expiry {
                    json!({"continue": b64.encode(format!("{{\"v\":\"meta.k8s.io/v1\",\"rv\":1801}}:{offset}"))})
                } else {
                    json!({})
                };
                return status(
                    410,
                    "Expired",
                    "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.",
                    json!({}),
                    metadata,
                );
            }
            offset
        }
    };
    let end = (offset + limit).min(items.len());
    let page: Vec<&Value> = items.get(offset..end).map(|s| s.to_vec()).unwrap_or_default();
    let mut metadata = json!({"resourceVersion": "1742"});
    if end < items.len() {
        metadata["continue"] = json!(b64.encode(format!("{{\"v\":\"meta.k8s.io/v1\",\"rv\":1742}}:{end}")));
        metadata["remainingItemCount"] = json!(items.len() - end);
    }
    let body = json!({"kind": format!("{kind}List"), "apiVersion": api_version, "metadata": metadata, "items": page});
    (200, body.to_string().into_bytes())
}
