//! `add_header Strict-Transport-Security "..." [always]`: what the header
//! says.

use super::syntax::Directive;

pub const HSTS: &str = "strict-transport-security";

pub fn is_hsts(d: &Directive) -> bool {
    d.name == "add_header" && d.arg(0).is_some_and(|n| n.eq_ignore_ascii_case(HSTS))
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct HstsValue {
    pub max_age: Option<i64>,
    pub include_subdomains: bool,
    pub preload: bool,
    /// Built from nginx variables: only known at run time.
    pub dynamic: bool,
}

/// Parses the value as browsers do (RFC 6797 §6.1): `;`-separated
/// directives, names case-insensitive, `max-age` possibly quoted.
pub fn parse_hsts(value: &str) -> HstsValue {
    let mut out = HstsValue { dynamic: value.contains('$'), ..Default::default() };
    for part in value.split(';') {
        let part = part.trim();
        let (name, arg) = match part.split_once('=') {
            Some((n, a)) => (n.trim(), Some(a.trim().trim_matches('"'))),
            None => (part, None),
        };
        match name.to_ascii_lowercase().as_str() {
            "max-age" => out.max_age = arg.and_then(|a| a.parse().ok()),
            "includesubdomains" => out.include_subdomains = true,
            "preload" => out.preload = true,
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hsts_values() {
        let v = parse_hsts("max-age=31536000; includeSubDomains");
        assert_eq!((v.max_age, v.include_subdomains, v.preload), (Some(31_536_000), true, false));
        let v = parse_hsts("Max-Age=\"600\";INCLUDESUBDOMAINS;preload");
        assert_eq!((v.max_age, v.include_subdomains, v.preload), (Some(600), true, true));
        assert_eq!(parse_hsts("includeSubDomains").max_age, None);
        assert!(parse_hsts("$hsts").dynamic);
    }
}
