//! `listen` directives: address, port and the flags that matter here.

use crate::facts::nginx::Listen;

use super::syntax::Directive;

pub fn parse(d: &Directive) -> Listen {
    let raw = d.arg(0).unwrap_or("80").to_string();
    let flags: Vec<&str> = d.args.iter().skip(1).map(String::as_str).collect();
    // A variable (`listen ${NGINX_PORT};` in the docker image's envsubst
    // templates) is only known once rendered.
    let port = if raw.starts_with("unix:") || raw.contains('$') {
        None
    } else if let Ok(p) = raw.parse::<u16>() {
        Some(p)
    } else {
        // `addr:port`, `[::]:port`, or an address alone (port 80).
        match raw.rsplit_once(':') {
            Some((_, p)) if !raw.ends_with(']') => p.parse().ok(),
            _ => Some(80),
        }
    };
    Listen {
        raw,
        port,
        ssl: flags.contains(&"ssl"),
        http2: flags.contains(&"http2"),
        quic: flags.contains(&"quic"),
        default_server: flags.iter().any(|f| *f == "default_server" || *f == "default"),
    }
}

/// A server without `listen` listens on `*:80` (nginx run as root, as in
/// containers).
pub fn implicit() -> Listen {
    Listen { raw: "*:80 (implicit)".into(), port: Some(80), ..Default::default() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listen(args: &[&str]) -> Listen {
        parse(&Directive {
            name: "listen".into(),
            args: args.iter().map(|s| s.to_string()).collect(),
            line: 1,
            file: 0,
            block: None,
        })
    }

    #[test]
    fn ports_and_flags() {
        assert_eq!(listen(&["443", "ssl", "http2"]).port, Some(443));
        assert!(listen(&["443", "ssl", "http2"]).ssl);
        assert_eq!(listen(&["[::]:8443", "ssl"]).port, Some(8443));
        assert_eq!(listen(&["127.0.0.1:8080"]).port, Some(8080));
        assert_eq!(listen(&["127.0.0.1"]).port, Some(80));
        assert_eq!(listen(&["[::1]"]).port, Some(80));
        assert_eq!(listen(&["unix:/run/x.sock"]).port, None);
        assert_eq!(listen(&["${NGINX_PORT}"]).port, None);
        assert!(listen(&["80", "default_server"]).default_server);
    }
}
