//! One `nginx_server` fact per `server` block, with nginx's inheritance
//! applied: `ssl_*` and `server_tokens` come from the innermost level that
//! sets them; `add_header` directives come from the innermost level that has
//! any, so a location with an `add_header` of its own silently loses every
//! header set above it, HSTS included.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::facts::nginx::{HstsHeader, NginxServer, PlainHttp, TlsSettings, WeakCipherClass};
use crate::facts::{Fact, FactData, FactKind, Location, Subject};

use super::ciphers;
use super::headers::{is_hsts, parse_hsts};
use super::include::Loaded;
use super::listen;
use super::syntax::Directive;
use crate::collect::locations::Settings;

/// nginx's defaults (1.23.4 and later for `ssl_protocols`).
const DEFAULT_PROTOCOLS: [&str; 2] = ["TLSv1.2", "TLSv1.3"];
const DEFAULT_CIPHERS: &str = "HIGH:!aNULL:!MD5";
const LEGACY_PROTOCOLS: [&str; 4] = ["SSLv2", "SSLv3", "TLSv1", "TLSv1.1"];
/// Example suites listed per weak class, enough to recognise it.
const EXAMPLES: usize = 5;

/// Facts for every http `server` of a loaded configuration. A file with no
/// `http` block is read as the inside of one (a `conf.d` include).
pub fn server_facts(loaded: &Loaded, scope: &str) -> Vec<Fact> {
    let http_blocks: Vec<&[Directive]> = {
        let blocks: Vec<&[Directive]> = loaded
            .directives
            .iter()
            .filter(|d| d.name == "http" && d.block.is_some())
            .map(Directive::children)
            .collect();
        if blocks.is_empty() {
            vec![loaded.directives.as_slice()]
        } else {
            blocks
        }
    };
    let mut facts = Vec::new();
    // Every index the loader hands out is valid; an empty name rather than a
    // panic if one ever were not.
    // One shared path per file, which every location in it points to.
    let files: Vec<Arc<str>> = loaded.files.iter().map(|f| Arc::from(f.as_str())).collect();
    let locate = |d: &Directive| Location::line(files.get(d.file).cloned().unwrap_or_else(|| Arc::from("")), d.line);
    for http in http_blocks {
        for server in http.iter().filter(|d| d.name == "server" && d.block.is_some()) {
            let settings = Settings::new(&locate, server);
            facts.push(Analysis { http, server, settings }.fact(scope));
        }
    }
    disambiguate(&mut facts);
    facts
}

/// Two blocks in one file serving the same names on the same ports (nginx
/// warns about these) get an ordinal, so each keeps its own fingerprint.
fn disambiguate(facts: &mut [Fact]) {
    let mut seen: BTreeMap<(Option<String>, String), usize> = BTreeMap::new();
    for fact in facts.iter_mut() {
        let n = seen.entry((fact.subject.scope.clone(), fact.subject.name.clone())).or_default();
        *n += 1;
        if *n > 1 {
            fact.subject.name = format!("{} #{n}", fact.subject.name);
        }
    }
}

fn last<'a>(block: &'a [Directive], name: &str) -> Option<&'a Directive> {
    block.iter().rev().find(|d| d.name == name)
}

fn own_headers(block: &[Directive]) -> Vec<&Directive> {
    block.iter().filter(|d| d.name == "add_header").collect()
}

/// A `location` block as named in findings: `location /api/`,
/// `location = /health`.
fn scope_name(d: &Directive) -> String {
    format!("location {}", d.args.join(" "))
}

struct Scope<'a> {
    name: String,
    block: &'a Directive,
    headers: Vec<&'a Directive>,
    dropped_hsts: bool,
    own_tokens: Option<&'a Directive>,
}

/// What a block does with every request, judging by its unconditional
/// `return`/`rewrite` (and `if` blocks on the scheme).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    HttpsRedirect,
    OtherRedirect,
    Refuse,
    Serve,
}

fn action(block: &[Directive]) -> Option<Action> {
    for d in block {
        match d.name.as_str() {
            "return" => return Some(return_action(d)),
            "rewrite" => {
                let target = d.arg(1).unwrap_or("");
                let flag = d.arg(2).unwrap_or("");
                let redirects = target.starts_with("http://")
                    || target.starts_with("https://")
                    || target.starts_with("$scheme://")
                    || flag == "redirect"
                    || flag == "permanent";
                if redirects {
                    return Some(if target.starts_with("https://") {
                        Action::HttpsRedirect
                    } else {
                        Action::OtherRedirect
                    });
                }
            }
            "if" => {
                let condition = d.args.join(" ");
                let on_scheme =
                    ["$scheme", "$https", "x_forwarded_proto", "$server_port"].iter().any(|v| condition.contains(v));
                if on_scheme && action(d.children()) == Some(Action::HttpsRedirect) {
                    return Some(Action::HttpsRedirect);
                }
            }
            _ => {}
        }
    }
    None
}

fn return_action(d: &Directive) -> Action {
    let first = d.arg(0).unwrap_or("");
    let redirect_to = |target: &str| {
        if target.starts_with("https://") {
            Action::HttpsRedirect
        } else {
            Action::OtherRedirect
        }
    };
    if first.starts_with("http://") || first.starts_with("https://") {
        return redirect_to(first);
    }
    match first.parse::<u16>() {
        Ok(301 | 302 | 303 | 307 | 308) => redirect_to(d.arg(1).unwrap_or("")),
        Ok(code) if code >= 400 => Action::Refuse,
        _ => Action::Serve,
    }
}

struct Analysis<'a> {
    http: &'a [Directive],
    server: &'a Directive,
    /// Where each setting is: the directive, or the server block when the
    /// setting is absent (the recorder the compose and Kubernetes mappers use).
    settings: Settings<'a, Directive>,
}

impl<'a> Analysis<'a> {
    fn at(&mut self, key: impl Into<String>, d: Option<&Directive>) {
        self.settings.at(key, d);
    }

    /// The innermost of server and http that sets `name`, with where.
    fn inherited(&self, name: &str) -> (Option<&'a Directive>, &'static str) {
        match last(self.server.children(), name) {
            Some(d) => (Some(d), "server"),
            None => match last(self.http, name) {
                Some(d) => (Some(d), "http"),
                None => (None, "default"),
            },
        }
    }

    fn fact(mut self, scope: &str) -> Fact {
        let server = self.server;
        let children = server.children();
        let server_names: Vec<String> =
            children.iter().filter(|d| d.name == "server_name").flat_map(|d| d.args.iter().cloned()).collect();

        let listen_directives: Vec<&Directive> = children.iter().filter(|d| d.name == "listen").collect();
        let ssl_on = self.inherited("ssl").0.is_some_and(|d| d.arg(0) == Some("on"));
        let mut listen: Vec<_> = listen_directives.iter().map(|d| listen::parse(d)).collect();
        if listen.is_empty() {
            listen.push(listen::implicit());
        }
        if ssl_on {
            listen.iter_mut().for_each(|l| l.ssl = true);
        }
        let ssl = listen.iter().any(|l| l.ssl || l.quic);
        let plain: Vec<(usize, u16)> = listen
            .iter()
            .enumerate()
            .filter(|(_, l)| !l.ssl && !l.quic)
            .filter_map(|(i, l)| l.port.map(|p| (i, p)))
            .collect();
        self.at("listen", listen_directives.first().copied());
        let port_80_directive =
            plain.iter().find(|(_, p)| *p == 80).and_then(|(i, _)| listen_directives.get(*i).copied());
        self.at("plain_http", port_80_directive);

        let tls = self.tls();
        let scopes = self.scopes();
        let (hsts_headers, hsts_missing_in, hsts_dropped_in) = self.hsts(&scopes);
        let plain_http = self.plain_http(!plain.is_empty(), plain.iter().any(|(_, p)| *p == 80));

        let (tokens, _) = self.inherited("server_tokens");
        self.at("server_tokens", tokens);
        let server_tokens = tokens.and_then(|d| d.arg(0)).unwrap_or("on").to_string();
        let mut server_tokens_on_in = Vec::new();
        if server_tokens == "off" {
            for s in &scopes {
                if let Some(d) = s.own_tokens.filter(|d| d.arg(0) != Some("off")) {
                    self.at(format!("server_tokens.{}", s.name), Some(d));
                    server_tokens_on_in.push(s.name.clone());
                }
            }
        }

        let file = self.settings.owner().path.to_string();
        let data = NginxServer {
            file: file.clone(),
            line: server.line,
            server_names: server_names.clone(),
            listen,
            ssl,
            plain_http_ports: plain.iter().map(|(_, p)| *p).collect(),
            tls,
            hsts_headers,
            hsts_missing_in,
            hsts_dropped_in,
            plain_http,
            server_tokens,
            server_tokens_on_in,
        };
        // Named by what it serves, scoped by the file it is written in: no line
        // number, so fingerprints survive edits that move the block. The same
        // block reached from two main files is one subject; the main file is
        // a label.
        let mut ports: Vec<String> =
            data.listen.iter().map(|l| l.port.map_or(l.raw.clone(), |p| p.to_string())).collect();
        ports.sort_by_key(|p| (p.parse::<u32>().unwrap_or(u32::MAX), p.clone()));
        ports.dedup();
        let served = server_names.first().map_or("(no server_name)", String::as_str);
        let name = if ports.is_empty() { served.to_string() } else { format!("{served} (listen {})", ports.join(",")) };
        let subject = Subject::scoped(FactKind::NginxServer, name, file.clone()).with_label("config", scope);
        let mut fact = Fact::new(subject, FactData::NginxServer(data));
        fact.origin = Some(self.settings.owner());
        fact.locations = std::mem::take(&mut self.settings.map);
        fact
    }

    fn tls(&mut self) -> TlsSettings {
        let (protocols_directive, protocols_source) = self.inherited("ssl_protocols");
        self.at("ssl_protocols", protocols_directive);
        let protocols: Vec<String> = match protocols_directive {
            Some(d) => d.args.clone(),
            None => DEFAULT_PROTOCOLS.iter().map(|s| s.to_string()).collect(),
        };
        let legacy_protocols: Vec<String> =
            LEGACY_PROTOCOLS.iter().filter(|p| protocols.iter().any(|x| x == *p)).map(|s| s.to_string()).collect();

        let (ciphers_directive, ciphers_source) = self.inherited("ssl_ciphers");
        self.at("ssl_ciphers", ciphers_directive);
        let cipher_string = ciphers_directive.and_then(|d| d.arg(0)).unwrap_or(DEFAULT_CIPHERS).to_string();
        let below_tls13 = protocols.iter().any(|p| p != "TLSv1.3");
        let mut tls = TlsSettings {
            protocols,
            protocols_source: protocols_source.to_string(),
            legacy_protocols,
            ciphers: cipher_string.clone(),
            ciphers_source: ciphers_source.to_string(),
            prefer_server_ciphers: self.inherited("ssl_prefer_server_ciphers").0.and_then(|d| d.arg(0)) == Some("on"),
            ..Default::default()
        };
        if below_tls13 {
            match ciphers::evaluate(&cipher_string) {
                Ok(eval) => {
                    tls.admitted_suites = eval.admitted.len();
                    tls.weak_ciphers = ciphers::WEAK_CLASSES
                        .iter()
                        .filter_map(|class| {
                            let suites: Vec<String> = eval
                                .admitted
                                .iter()
                                .filter(|s| ciphers::in_weak_class(s, class))
                                .map(|s| s.name.to_string())
                                .collect();
                            (!suites.is_empty()).then(|| WeakCipherClass {
                                class: class.to_string(),
                                suites: suites.into_iter().take(EXAMPLES).collect(),
                            })
                        })
                        .collect();
                }
                Err(e) => tls.cipher_error = Some(e.to_string()),
            }
        }
        tls
    }

    /// Every place requests end up: each location (nested ones too), and the
    /// server level itself when no `location /` catches everything. A
    /// server-level `return` answers before any location is looked at.
    fn scopes(&self) -> Vec<Scope<'a>> {
        let server = self.server;
        let http_headers = own_headers(self.http);
        let server_own = own_headers(server.children());
        let server_headers = if server_own.is_empty() { http_headers.clone() } else { server_own.clone() };
        let server_scope = Scope {
            name: "server".into(),
            block: server,
            dropped_hsts: !server_own.is_empty()
                && http_headers.iter().any(|d| is_hsts(d))
                && !server_own.iter().any(|d| is_hsts(d)),
            headers: server_headers.clone(),
            own_tokens: None,
        };
        if last(server.children(), "return").is_some() {
            return vec![server_scope];
        }
        let mut scopes = Vec::new();
        collect_locations(server, &server_headers, &mut scopes);
        let catch_all =
            server.children().iter().any(|d| d.name == "location" && (d.args == ["/"] || d.args == ["^~", "/"]));
        if !catch_all {
            scopes.insert(0, server_scope);
        }
        scopes
    }

    fn hsts(&mut self, scopes: &[Scope<'a>]) -> (Vec<HstsHeader>, Vec<String>, Vec<String>) {
        self.at("hsts", None);
        let mut headers: Vec<(&Directive, HstsHeader)> = Vec::new();
        let mut missing = Vec::new();
        let mut dropped = Vec::new();
        for scope in scopes {
            if scope.dropped_hsts {
                dropped.push(scope.name.clone());
            }
            let Some(d) = scope.headers.iter().copied().find(|d| is_hsts(d)) else {
                self.at(format!("hsts.{}", scope.name), Some(scope.block));
                missing.push(scope.name.clone());
                continue;
            };
            self.at(format!("hsts.{}", scope.name), Some(d));
            if let Some((_, header)) = headers.iter_mut().find(|(x, _)| std::ptr::eq(*x, d)) {
                header.applies_to.push(scope.name.clone());
                continue;
            }
            let value = d.arg(1).unwrap_or("").to_string();
            let parsed = parse_hsts(&value);
            headers.push((
                d,
                HstsHeader {
                    scope: scope.name.clone(),
                    applies_to: vec![scope.name.clone()],
                    max_age: if parsed.dynamic { None } else { parsed.max_age },
                    include_subdomains: parsed.include_subdomains,
                    preload: parsed.preload,
                    always: d.args.iter().skip(2).any(|a| a == "always"),
                    dynamic: parsed.dynamic,
                    value,
                },
            ));
        }
        (headers.into_iter().map(|(_, h)| h).collect(), missing, dropped)
    }

    fn plain_http(&mut self, has_plain: bool, port_80: bool) -> PlainHttp {
        if !has_plain {
            return PlainHttp { port_80: false, behaviour: "none".into(), ..Default::default() };
        }
        let children = self.server.children();
        let mut answered_locally = Vec::new();
        let (behaviour, serving) = match action(children) {
            Some(Action::HttpsRedirect) => ("https_redirect", Vec::new()),
            Some(Action::Refuse) => ("refuses", Vec::new()),
            Some(_) => ("serves_content", vec!["server".to_string()]),
            None => {
                let mut serving = Vec::new();
                let mut redirects = false;
                let mut catch_all = false;
                for loc in children.iter().filter(|d| d.name == "location") {
                    let path = loc.args.last().map_or("", String::as_str);
                    if path.starts_with('@') {
                        continue;
                    }
                    let is_catch_all = loc.args == ["/"] || loc.args == ["^~", "/"];
                    catch_all |= is_catch_all;
                    if !is_catch_all && answers_locally(loc) {
                        answered_locally.push(scope_name(loc));
                        continue;
                    }
                    match action(loc.children()) {
                        Some(Action::HttpsRedirect) => redirects = true,
                        Some(Action::Refuse) => {}
                        _ => {
                            let name = scope_name(loc);
                            self.at(format!("plain_http.{name}"), Some(loc));
                            serving.push(name);
                        }
                    }
                }
                if !catch_all {
                    serving.insert(0, "server".to_string());
                }
                match (serving.is_empty(), redirects) {
                    (false, _) => ("serves_content", serving),
                    (true, true) => ("https_redirect", serving),
                    (true, false) => ("refuses", serving),
                }
            }
        };
        PlainHttp { port_80, behaviour: behaviour.into(), serving_locations: serving, answered_locally }
    }
}

/// Last path segments of health-check and status endpoints (Kubernetes'
/// `healthz`/`readyz`/`livez`, Rails' `up`, nginx's `stub_status` pages...).
const HEALTH_SEGMENTS: &[&str] = &[
    "alive",
    "basic_status",
    "health",
    "health-check",
    "health_check",
    "healthcheck",
    "healthy",
    "healthz",
    "heartbeat",
    "live",
    "liveness",
    "livez",
    "nginx-health",
    "nginx-status",
    "nginx_status",
    "ping",
    "readiness",
    "ready",
    "readyz",
    "status",
    "stub_status",
    "up",
];

/// A location a port-80 server may answer itself without failing to
/// redirect: the ACME HTTP-01 challenge (`/.well-known/acme-challenge/`,
/// which must be plain HTTP), a health check or status endpoint (by its
/// path, or because it is `stub_status` or a fixed `return 2xx` answer).
fn answers_locally(loc: &Directive) -> bool {
    let path = loc.args.last().map_or("", String::as_str).to_ascii_lowercase();
    if path.contains("/.well-known/acme-challenge") || path.trim_end_matches('/') == "/.well-known" {
        return true;
    }
    // A regex with alternatives (`^/(api|health)`) is not one endpoint.
    let single = !path.contains(['|', '(', '[']);
    let last =
        path.trim_start_matches('^').trim_end_matches('$').trim_end_matches('/').rsplit('/').next().unwrap_or("");
    if single && HEALTH_SEGMENTS.contains(&last) {
        return true;
    }
    loc.children().iter().any(|d| {
        d.name == "stub_status"
            || (d.name == "return"
                && d.arg(0).and_then(|c| c.parse::<u16>().ok()).is_some_and(|c| (200..300).contains(&c))
                && !d.args.iter().any(|a| a.contains('$')))
    })
}

fn collect_locations<'a>(block: &'a Directive, inherited: &[&'a Directive], out: &mut Vec<Scope<'a>>) {
    for loc in block.children().iter().filter(|d| d.name == "location" && d.block.is_some()) {
        let own = own_headers(loc.children());
        let headers = if own.is_empty() { inherited.to_vec() } else { own.clone() };
        out.push(Scope {
            name: scope_name(loc),
            block: loc,
            dropped_hsts: !own.is_empty() && inherited.iter().any(|d| is_hsts(d)) && !own.iter().any(|d| is_hsts(d)),
            headers: headers.clone(),
            own_tokens: last(loc.children(), "server_tokens"),
        });
        collect_locations(loc, &headers, out);
    }
}
