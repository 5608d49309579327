//! `host:port` parsing and resolution for a `[[tls]]` target.

use std::net::SocketAddr;
use std::time::Duration;

/// Host (without IPv6 brackets) and port; 443 when no port is given.
pub fn split(target: &str) -> Result<(String, u16), String> {
    let target = target.trim();
    let (host, port) = if let Some(rest) = target.strip_prefix('[') {
        let (host, after) = rest.split_once(']').ok_or("unclosed '[' in an IPv6 address")?;
        (host, after.strip_prefix(':'))
    } else if target.matches(':').count() == 1 {
        let (h, p) = target.split_once(':').ok_or("no port")?;
        (h, Some(p))
    } else if target.contains(':') {
        // A bare IPv6 address without brackets has no port.
        (target, None)
    } else {
        (target, None)
    };
    if host.is_empty() {
        return Err("empty host".into());
    }
    let port = match port {
        Some(p) => p.parse::<u16>().map_err(|_| format!("{p:?} is not a port number"))?,
        None => 443,
    };
    Ok((host.to_string(), port))
}

/// The first address `host` resolves to, within `timeout`.
pub async fn resolve(host: &str, port: u16, timeout: Duration) -> Result<SocketAddr, String> {
    match tokio::time::timeout(timeout, tokio::net::lookup_host((host, port))).await {
        Err(_) => Err(format!("{host} did not resolve within {} ms", timeout.as_millis())),
        Ok(Err(e)) => Err(format!("{host} does not resolve: {e}")),
        Ok(Ok(mut addrs)) => addrs.next().ok_or_else(|| format!("{host} resolves to no address")),
    }
}

#[cfg(test)]
mod tests {
    use super::split;

    #[test]
    fn forms() {
        assert_eq!(split("example.test:8443").unwrap(), ("example.test".into(), 8443));
        assert_eq!(split("example.test").unwrap(), ("example.test".into(), 443));
        assert_eq!(split("[::1]:4433").unwrap(), ("::1".into(), 4433));
        assert_eq!(split("::1").unwrap(), ("::1".into(), 443));
        assert!(split("host:http").is_err());
        assert!(split(":443").is_err());
    }
}
