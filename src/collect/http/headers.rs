//! The security headers and cookies of one response, as facts.

use reqwest::header::HeaderMap;

use crate::facts::http::{Cookie, Response};

pub fn response(url: &str, status: u16, headers: &HeaderMap) -> Response {
    let all = |name: &str| -> Vec<String> {
        headers.get_all(name).iter().map(|v| String::from_utf8_lossy(v.as_bytes()).trim().to_string()).collect()
    };
    let first = |name: &str| all(name).into_iter().next();
    let csp = first("content-security-policy");
    let server = first("server");
    Response {
        url: url.to_string(),
        status,
        hsts: super::hsts::parse(&all("strict-transport-security")),
        csp_frame_ancestors: csp.as_deref().is_some_and(|c| {
            c.split(';').any(|d| d.split_whitespace().next().is_some_and(|n| n.eq_ignore_ascii_case("frame-ancestors")))
        }),
        content_security_policy: csp,
        x_content_type_options: first("x-content-type-options"),
        x_frame_options: first("x-frame-options"),
        referrer_policy: first("referrer-policy"),
        server_discloses_version: server.as_deref().is_some_and(discloses_version),
        server,
        cookies: all("set-cookie").iter().map(|c| cookie(c)).collect(),
    }
}

/// `nginx/1.22.1`, `Apache/2.4.57 (Debian)`: a product followed by a digit.
fn discloses_version(server: &str) -> bool {
    server.split(['/', ' ']).skip(1).any(|part| part.starts_with(|c: char| c.is_ascii_digit()))
}

/// Name and flags of a `Set-Cookie`; the value is never kept.
fn cookie(header: &str) -> Cookie {
    let mut parts = header.split(';');
    let name = parts.next().and_then(|nv| nv.split_once('=').map(|(n, _)| n.trim().to_string())).unwrap_or_default();
    let mut c = Cookie { name, ..Default::default() };
    for attr in parts {
        let (k, v) = match attr.split_once('=') {
            Some((k, v)) => (k.trim(), Some(v.trim())),
            None => (attr.trim(), None),
        };
        match k.to_ascii_lowercase().as_str() {
            "secure" => c.secure = true,
            "httponly" => c.http_only = true,
            "samesite" => c.same_site = v.map(str::to_string),
            _ => {}
        }
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_in_server_headers() {
        assert!(discloses_version("nginx/1.22.1"));
        assert!(discloses_version("Apache/2.4.57 (Debian)"));
        assert!(!discloses_version("nginx"));
        assert!(!discloses_version("cloudflare"));
    }

    #[test]
    fn cookie_flags_without_the_value() {
        let c = cookie("sid=s3cr3t; Path=/; Secure; HttpOnly; SameSite=Lax");
        assert_eq!(c.name, "sid");
        assert!(c.secure && c.http_only);
        assert_eq!(c.same_site.as_deref(), Some("Lax"));
        assert!(!format!("{c:?}").contains("s3cr3t"));
        let bare = cookie("theme=dark");
        assert!(!bare.secure && !bare.http_only && bare.same_site.is_none());
    }
}
