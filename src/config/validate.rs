//! Values the TOML types accept but the policy cannot mean: a port of 70000,
//! a CIDR that does not parse, a port range that runs backwards. Each is a
//! config error naming the line, like a type error.

use super::Config;

/// One problem: the message and the line of the key it is about.
pub struct Invalid {
    pub message: String,
    pub line: Option<u32>,
}

pub fn check(config: &Config, text: &str) -> Option<Invalid> {
    let at = |key: &str, nth: usize, message: String| Invalid { message, line: key_line(text, key, nth) };
    let policy = &config.policy;
    for (key, ports) in
        [("internal_ports", &policy.internal_ports), ("allowed_inbound_ports", &policy.allowed_inbound_ports)]
    {
        if let Some(bad) = ports.iter().find(|p| !(1..=65535).contains(*p)) {
            return Some(at(key, 0, format!("policy.{key}: {bad} is not a port (1-65535)")));
        }
    }
    for (key, value, min) in [
        ("hsts_min_max_age", policy.hsts_min_max_age, 0),
        ("cert_expiry_warning_days", policy.cert_expiry_warning_days, 0),
        ("max_cert_lifetime_days", policy.max_cert_lifetime_days, 1),
        ("min_replicas", policy.min_replicas, 0),
    ] {
        if value < min {
            return Some(at(key, 0, format!("policy.{key}: {value} is below {min}")));
        }
    }
    if let Some(bad) = policy.ssh_allowed_sources.iter().find(|s| !is_network(s)) {
        return Some(at(
            "ssh_allowed_sources",
            0,
            format!("policy.ssh_allowed_sources: {bad:?} is not an address or CIDR network (203.0.113.0/24)"),
        ));
    }
    for (i, scan) in config.firewall.scan.iter().enumerate() {
        if let Some(spec) = &scan.ports {
            if let Err(e) = super::ports::parse(spec) {
                return Some(at("ports", i, format!("[[firewall.scan]] entry {}: ports {e}", i + 1)));
            }
        }
        if scan.host.trim().is_empty() {
            return Some(Invalid {
                message: format!("[[firewall.scan]] entry {} has an empty host", i + 1),
                line: key_line(text, "[[firewall.scan]]", i),
            });
        }
    }
    for (i, target) in config.tls.iter().enumerate() {
        if let Err(e) = host_port(&target.target) {
            return Some(at("target", i, format!("[[tls]] entry {}: {e}", i + 1)));
        }
    }
    for (i, ns) in config.resolver.nameservers.iter().enumerate() {
        if ns.parse::<std::net::SocketAddr>().is_err() && ns.parse::<std::net::IpAddr>().is_err() {
            return Some(at(
                "nameservers",
                0,
                format!("resolver.nameservers entry {}: {ns:?} is not IP or IP:PORT", i + 1),
            ));
        }
    }
    None
}

fn is_network(s: &str) -> bool {
    s.parse::<ipnet::IpNet>().is_ok() || s.parse::<std::net::IpAddr>().is_ok()
}

/// `host:port` with a port in range (`[::1]:443` for IPv6).
fn host_port(target: &str) -> Result<(), String> {
    let target = target.trim();
    let Some((host, port)) = target.rsplit_once(':') else {
        return Err(format!("{target:?} needs a port (host:443)"));
    };
    if host.is_empty() || host == "[]" {
        return Err(format!("{target:?} has no host"));
    }
    match port.parse::<u16>() {
        Ok(p) if p > 0 => Ok(()),
        _ => Err(format!("{target:?}: {port:?} is not a port (1-65535)")),
    }
}

/// The 1-based line of the `nth` (0-based) line that sets `key` (or, for a
/// `[[table]]` header, that is it).
fn key_line(text: &str, key: &str, nth: usize) -> Option<u32> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| {
            let t = line.trim_start();
            if key.starts_with('[') {
                return t.trim_end() == key;
            }
            t.strip_prefix(key).is_some_and(|rest| rest.trim_start().starts_with('='))
        })
        .nth(nth)
        .map(|(i, _)| i as u32 + 1)
}

#[cfg(test)]
mod tests {
    use crate::config::Config;

    fn error_line(text: &str) -> (Option<u32>, String) {
        let err = Config::parse(text, "x.toml", &[]).unwrap_err();
        (err.location.as_ref().and_then(|l| l.line), err.message)
    }

    #[test]
    fn out_of_range_values_name_their_line() {
        let (line, msg) = error_line("[policy]\nmin_replicas = 2\ninternal_ports = [3000, 70000]\n");
        assert_eq!(line, Some(3));
        assert!(msg.contains("70000"), "{msg}");

        let (line, msg) = error_line("[policy]\nssh_allowed_sources = [\"203.0.113.0/33\"]\n");
        assert_eq!(line, Some(2));
        assert!(msg.contains("203.0.113.0/33"), "{msg}");

        let text = "[[firewall.scan]]\nhost = \"127.0.0.1\"\nports = \"1-1024\"\n\n[[firewall.scan]]\nhost = \"::1\"\nports = \"443-80\"\n";
        let (line, msg) = error_line(text);
        assert_eq!(line, Some(7));
        assert!(msg.contains("backwards") && msg.contains("entry 2"), "{msg}");

        let (line, msg) = error_line("[[tls]]\ntarget = \"example.test:99999\"\n");
        assert_eq!(line, Some(2));
        assert!(msg.contains("99999"), "{msg}");

        let (line, msg) = error_line("[policy]\nhsts_min_max_age = -1\n");
        assert_eq!(line, Some(2));
        assert!(msg.contains("hsts_min_max_age"), "{msg}");

        let (_, msg) = error_line("[resolver]\nnameservers = [\"ns1.example.test\"]\n");
        assert!(msg.contains("ns1.example.test"), "{msg}");
    }

    #[test]
    fn valid_values_pass() {
        let text = "[policy]\ninternal_ports = [6379]\nssh_allowed_sources = [\"198.51.100.7\", \"2001:db8::/32\"]\n\
                    [[tls]]\ntarget = \"[::1]:8443\"\n[resolver]\nnameservers = [\"127.0.0.1:5353\", \"::1\"]\n";
        Config::parse(text, "x.toml", &[]).unwrap();
    }
}
