//! HTTP collector: for each `[[http]]` URL (and `--url`), what the server
//! answers — HSTS (RFC 6797), the headers Mozilla's HTTP Observatory grades,
//! cookies, the `Server` header — on the page and on an error page, and for
//! an `http://` URL whether its first redirect goes to `https://` on the
//! same host (then the HTTPS target is audited too).
//!
//! Every request has a timeout, bodies are read up to a cap, redirects are
//! followed by hand up to a limit; each failure is a scan error naming the
//! URL.

mod client;
pub(crate) mod headers;
pub(crate) mod hsts;

use std::time::Duration;

use futures::future::join_all;
use url::Url;

use super::{CollectContext, Collected};
use crate::config::HttpTarget;
use crate::diagnostics::{ErrorKind, ScanError};
use crate::facts::http::{HttpEndpoint, PlainHttpAnswer};
use crate::facts::{Fact, FactData, FactKind, Location, Subject};

pub const DEFAULT_TIMEOUT_MS: u64 = 10_000;
/// Bytes of a body read before giving up: headers are what is judged, the
/// body is drained only so the exchange completes.
const BODY_CAP: usize = 1024 * 1024;
/// Redirects followed on the HTTPS side before calling it a loop.
const MAX_REDIRECTS: usize = 10;
const FIELDS: [&str; 4] = ["hsts", "redirect", "headers", "cookies"];

pub async fn collect(ctx: &CollectContext<'_>) -> Collected {
    let config = ctx.config;
    join_all(config.http.iter().enumerate().map(|(index, t)| {
        let declared_in = config.target_lines.http.get(index).and_then(|l| config.declared_at(Some(*l)));
        super::contained_future("http", &t.url, audit(t, declared_in))
    }))
    .await
    .into_iter()
    .collect()
}

struct Fetched {
    url: Url,
    status: u16,
    headers: reqwest::header::HeaderMap,
}

#[derive(Debug)]
struct Failure {
    kind: ErrorKind,
    message: String,
}

async fn audit(t: &HttpTarget, declared_in: Option<Location>) -> Collected {
    let mut out = Collected::default();
    // The URL as every output shows it: credentials masked (the request
    // still sends them).
    let shown = crate::mask::redact_urls(&t.url).into_owned();
    let error = |kind: ErrorKind, message: String| {
        let e = ScanError::new("http", &shown, kind, crate::mask::redact_urls(&message).into_owned());
        e.at_declared(declared_in.as_ref())
    };
    let url = match Url::parse(&t.url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") => u,
        _ => {
            out.error(error(ErrorKind::Config, "not an http:// or https:// URL".into()));
            return out;
        }
    };
    let timeout = Duration::from_millis(t.timeout_ms.unwrap_or(DEFAULT_TIMEOUT_MS).max(1));
    let client = match client::build(timeout) {
        Ok(c) => c,
        Err(e) => {
            out.error(error(ErrorKind::Config, e));
            return out;
        }
    };
    let mut fact = HttpEndpoint { url: shown.clone(), ..Default::default() };

    let https = if url.scheme() == "http" {
        match fetch(&client, &url).await {
            Ok((f, overflow)) => {
                if overflow {
                    out.error(error(ErrorKind::Unsupported, body_message(&f.url)));
                }
                let location = f
                    .headers
                    .get(reqwest::header::LOCATION)
                    .and_then(|l| l.to_str().ok())
                    .and_then(|l| f.url.join(l).ok())
                    .filter(|_| (300..400).contains(&f.status));
                let same = location.as_ref().is_some_and(|l| l.scheme() == "https" && l.host_str() == url.host_str());
                fact.plain_http = Some(PlainHttpAnswer {
                    status: f.status,
                    location: location.as_ref().map(|l| crate::mask::redact_urls(l.as_str()).into_owned()),
                    redirects_to_https_same_host: same,
                });
                location.filter(|l| l.scheme() == "https")
            }
            Err(e) => {
                out.error(error(e.kind, e.message));
                return out;
            }
        }
    } else {
        Some(url.clone())
    };

    if let Some(https) = https {
        fact.https_url = Some(crate::mask::redact_urls(https.as_str()).into_owned());
        match follow(&client, https.clone()).await {
            Ok((f, overflow)) => {
                if overflow {
                    out.error(error(ErrorKind::Unsupported, body_message(&f.url)));
                }
                fact.response =
                    Some(headers::response(&crate::mask::redact_urls(f.url.as_str()), f.status, &f.headers));
            }
            // Nothing answered: nothing to judge, and no point asking for
            // an error page.
            Err(e) if matches!(e.kind, ErrorKind::Unreachable | ErrorKind::Timeout) => {
                out.error(error(e.kind, e.message));
                return out;
            }
            Err(e) => out.error(error(e.kind, e.message)),
        }
        // An error page on the same origin: a path nothing serves.
        let mut missing = https.clone();
        let tag = blake3::hash(t.url.as_bytes()).to_hex();
        missing.set_path(&format!("/.stackaudit-{}-not-found", tag.get(..16).unwrap_or_default()));

        missing.set_query(None);
        match fetch(&client, &missing).await {
            Ok((f, _)) => {
                fact.error_page =
                    Some(headers::response(&crate::mask::redact_urls(f.url.as_str()), f.status, &f.headers))
            }
            Err(e) => out.error(error(e.kind, format!("error page: {}", e.message))),
        }
    }

    let subject = Subject::new(FactKind::HttpEndpoint, &shown);
    let mut f = Fact::new(subject, FactData::HttpEndpoint(fact));
    f.declare_in(declared_in, &FIELDS);
    out.facts.push(f);
    out
}

fn body_message(url: &Url) -> String {
    format!("{url}: body larger than {} KiB; stopped reading it (headers were checked)", BODY_CAP / 1024)
}

/// Follows redirects by hand, so a loop is seen and named.
async fn follow(client: &reqwest::Client, start: Url) -> Result<(Fetched, bool), Failure> {
    let mut seen = vec![start.clone()];
    let mut url = start;
    loop {
        let (f, overflow) = fetch(client, &url).await?;
        let next = f
            .headers
            .get(reqwest::header::LOCATION)
            .and_then(|l| l.to_str().ok())
            .and_then(|l| f.url.join(l).ok())
            .filter(|_| (300..400).contains(&f.status));
        let Some(next) = next else { return Ok((f, overflow)) };
        if seen.contains(&next) || seen.len() > MAX_REDIRECTS {
            seen.push(next);
            let chain: Vec<String> = seen.iter().map(Url::to_string).collect();
            return Err(Failure {
                kind: ErrorKind::Malformed,
                message: format!("redirect loop: {}", chain.join(" -> ")),
            });
        }
        seen.push(next.clone());
        url = next;
    }
}

/// One GET; the body is drained up to the cap (`true` when it was longer).
async fn fetch(client: &reqwest::Client, url: &Url) -> Result<(Fetched, bool), Failure> {
    let mut response = client.get(url.clone()).send().await.map_err(|e| failure(url, &e))?;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let mut read = 0usize;
    let mut overflow = false;
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                read += chunk.len();
                if read > BODY_CAP {
                    overflow = true;
                    break;
                }
            }
            Ok(None) => break,
            Err(e) => return Err(failure(url, &e)),
        }
    }
    Ok((Fetched { url: url.clone(), status, headers }, overflow))
}

fn failure(url: &Url, e: &reqwest::Error) -> Failure {
    use std::error::Error as _;
    let mut message = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        message.push_str(": ");
        message.push_str(&s.to_string());
        source = s.source();
    }
    let io_kind = {
        let mut source = e.source();
        let mut found = None;
        while let Some(s) = source {
            if let Some(io) = s.downcast_ref::<std::io::Error>() {
                found = Some(ErrorKind::from_io(io));
            }
            source = s.source();
        }
        found
    };
    // hyper-util's connect errors do not always surface through
    // `is_connect`; its messages name the failing step.
    let kind = if e.is_timeout() {
        ErrorKind::Timeout
    } else if e.is_connect() || message.contains("dns error") || message.contains("tcp connect error") {
        ErrorKind::Unreachable
    } else if let Some(k) = io_kind.filter(|k| *k != ErrorKind::Io) {
        k
    } else {
        ErrorKind::Malformed
    };
    Failure { kind, message: format!("{url}: {message}") }
}
