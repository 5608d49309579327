//! Published ports, short (`"127.0.0.1:6379:6379"`, `"3000"`,
//! `"8080-8081:80-81/udp"`, `"[::1]:9229:9229"`) and long syntax.

use crate::facts::workload::PortBinding;

use super::tree::Val;

/// Parses one `ports:` entry; `Err` says what is wrong with it.
pub fn parse(item: &Val) -> Result<PortBinding, String> {
    if item.as_map().is_some() {
        return long(item);
    }
    let text =
        item.as_str().ok_or_else(|| format!("a port must be a string or a mapping, not a {}", item.type_name()))?;
    short(text)
}

pub fn short(text: &str) -> Result<PortBinding, String> {
    let text = text.trim();
    let (spec, protocol) = match text.rsplit_once('/') {
        Some((s, p)) => (s, p.to_ascii_lowercase()),
        None => (text, "tcp".to_string()),
    };
    let (host_ip, rest) = if let Some(inner) = spec.strip_prefix('[') {
        let (ip, after) = inner.split_once(']').ok_or_else(|| format!("unclosed IPv6 address in port {text:?}"))?;
        let after = after.strip_prefix(':').ok_or_else(|| format!("expected `:` after the address in {text:?}"))?;
        (Some(ip.to_string()), after.to_string())
    } else {
        // The last two `:`-separated parts are the ports; whatever is before
        // them is the address (an IPv6 one when written without brackets).
        let mut ports = spec.rsplitn(3, ':');
        match (ports.next(), ports.next(), ports.next()) {
            (Some(container), Some(host), Some(ip)) => (Some(ip.to_string()), format!("{host}:{container}")),
            _ => (None, spec.to_string()),
        }
    };
    let (host_port, container_port) = match rest.split_once(':') {
        Some((h, c)) => ((!h.is_empty()).then(|| h.to_string()), c.to_string()),
        None => (None, rest),
    };
    if !is_port_or_range(&container_port) || host_port.as_deref().is_some_and(|h| !is_port_or_range(h)) {
        return Err(format!("invalid port specification {text:?}"));
    }
    let host_ip = host_ip.filter(|ip| !ip.is_empty());
    Ok(PortBinding {
        all_interfaces: PortBinding::is_all_interfaces(host_ip.as_deref()),
        host_ip,
        host_port,
        container_port,
        protocol,
    })
}

fn long(item: &Val) -> Result<PortBinding, String> {
    let container_port = item
        .get("target")
        .and_then(Val::as_str)
        .map(str::to_string)
        .ok_or_else(|| "a long-syntax port needs `target`".to_string())?;
    if !is_port_or_range(&container_port) {
        return Err(format!("invalid target port {container_port:?}"));
    }
    let host_ip = item.get("host_ip").and_then(Val::as_str).map(str::to_string).filter(|s| !s.is_empty());
    // `mode: host` (swarm) still publishes on every interface of the node.
    Ok(PortBinding {
        all_interfaces: PortBinding::is_all_interfaces(host_ip.as_deref()),
        host_ip,
        host_port: item.get("published").and_then(Val::as_str).map(str::to_string),
        container_port,
        protocol: item.get("protocol").and_then(Val::as_str).unwrap_or("tcp").to_ascii_lowercase(),
    })
}

fn is_port_or_range(text: &str) -> bool {
    let ok = |p: &str| p.parse::<u32>().is_ok_and(|n| n <= 65535);
    match text.split_once('-') {
        Some((a, b)) => ok(a) && ok(b),
        None => ok(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> (Option<String>, Option<String>, String, String, bool) {
        let b = short(text).unwrap();
        (b.host_ip, b.host_port, b.container_port, b.protocol, b.all_interfaces)
    }

    #[test]
    fn short_forms() {
        let s = |x: &str| Some(x.to_string());
        assert_eq!(p("3000"), (None, None, "3000".into(), "tcp".into(), true));
        assert_eq!(p("8080:80"), (None, s("8080"), "80".into(), "tcp".into(), true));
        assert_eq!(p("127.0.0.1:6379:6379"), (s("127.0.0.1"), s("6379"), "6379".into(), "tcp".into(), false));
        assert_eq!(p("127.0.0.1::80"), (s("127.0.0.1"), None, "80".into(), "tcp".into(), false));
        assert_eq!(p("8080-8081:80-81/udp"), (None, s("8080-8081"), "80-81".into(), "udp".into(), true));
        assert_eq!(p("[::1]:9229:9229"), (s("::1"), s("9229"), "9229".into(), "tcp".into(), false));
        assert_eq!(p("0.0.0.0:443:443"), (s("0.0.0.0"), s("443"), "443".into(), "tcp".into(), true));
        // An IPv6 address without brackets: the last two parts are the ports.
        assert_eq!(p("fe80::1:8080:80"), (s("fe80::1"), s("8080"), "80".into(), "tcp".into(), false));

        assert!(short("http").is_err());
        assert!(short("99999:1").is_err());
    }
}
