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

/// One fuzz case (`crate::fuzzing`): `block` as the header lines of a
/// response (`Name: value`, one a line), kept where the HTTP client would
/// accept them (any byte but CR, LF and NUL in a value, obs-text
/// included), made into the response fact and serialised as a report would.
pub(crate) fn fuzz_one(block: &[u8]) {
    let _ = serde_json::to_string(&response("https://fuzz.example.test/", 200, &header_map(block)));
}

fn header_map(block: &[u8]) -> HeaderMap {
    use reqwest::header::{HeaderName, HeaderValue};
    let mut headers = HeaderMap::new();
    for line in block.split(|b| *b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let Some(colon) = line.iter().position(|b| *b == b':') else { continue };
        let (name, value) = line.split_at(colon);
        let value = value.get(1..).unwrap_or_default().trim_ascii();
        if let (Ok(name), Ok(value)) = (HeaderName::from_bytes(name), HeaderValue::from_bytes(value)) {
            headers.append(name, value);
        }
    }
    headers
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

    #[test]
    fn the_fuzz_harness_reads_header_lines_as_the_client_would() {
        let map = header_map(
            b"Server: nginx/1.27.0\r\nSet-Cookie: a=1; Secure\r\nset-cookie: b=2\nbad header: x\nX: \xffok\n",
        );
        let r = response("https://x.test/", 200, &map);
        assert!(r.server_discloses_version);
        let names: Vec<&str> = r.cookies.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["a", "b"]);
        assert!(r.cookies[0].secure);
        assert_eq!(map.len(), 4, "a name with a space is refused, obs-text in a value is kept");
    }
}
