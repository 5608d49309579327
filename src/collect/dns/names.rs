//! Domain names as the config writes them and as the collector queries them:
//! relative labels or full names, case and a trailing dot not mattering.

use hickory_resolver::proto::rr::Name;

/// A full name from text: lowercase, fully qualified. Unicode names become
/// their punycode form.
pub fn parse_full(text: &str) -> Result<Name, String> {
    let trimmed = text.trim();
    if trimmed.is_empty() || trimmed == "." {
        return Err("empty domain name".into());
    }
    if trimmed.chars().any(|c| c.is_whitespace() || c == '/' || c == ':' || c == '@') {
        return Err(format!("{trimmed:?} is not a domain name"));
    }
    let mut name = Name::from_str_relaxed(trimmed).map_err(|e| format!("{trimmed:?} is not a domain name: {e}"))?;
    name = name.to_lowercase();
    name.set_fqdn(true);
    Ok(name)
}

/// A name written in a `[[dns]]` entry for a record owner (`www`, `@`,
/// `api.v2`, `www.your-domain.com`): full when it ends with a dot or lies
/// under the domain already, otherwise relative to the domain.
pub fn owner(domain: &Name, text: &str) -> Result<Name, String> {
    let trimmed = text.trim();
    if trimmed == "@" || trimmed.is_empty() {
        return Ok(domain.clone());
    }
    if trimmed.ends_with('.') {
        return parse_full(trimmed);
    }
    let full = parse_full(trimmed)?;
    if domain.zone_of(&full) {
        return Ok(full);
    }
    parse_full(&format!("{trimmed}.{}", display(domain)))
}

/// A name written as a record's value (a CNAME target, an MX host): a single
/// label is relative to the domain, `@` is the domain, anything with a dot is
/// a full name (targets usually live elsewhere: `app.herokuapp.com`).
pub fn target(domain: &Name, text: &str) -> Result<Name, String> {
    let trimmed = text.trim();
    if trimmed == "@" {
        return Ok(domain.clone());
    }
    if trimmed.trim_end_matches('.').contains('.') || trimmed.ends_with('.') {
        return parse_full(trimmed);
    }
    parse_full(&format!("{trimmed}.{}", display(domain)))
}

/// How names appear in facts and findings: lowercase, no trailing dot.
pub fn display(name: &Name) -> String {
    let text = name.to_lowercase().to_ascii();
    match text.strip_suffix('.') {
        Some(stripped) if !stripped.is_empty() => stripped.to_string(),
        _ => text,
    }
}

/// `domain`, its parent, and so on up to and including `apex`.
pub fn climb(domain: &Name, apex: &Name) -> Vec<Name> {
    let mut names = vec![domain.clone()];
    let mut current = domain.clone();
    while current != *apex && current.num_labels() > apex.num_labels() && current.num_labels() > 1 {
        current = current.base_name();
        names.push(current.clone());
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Name {
        parse_full(s).unwrap()
    }

    #[test]
    fn owners_are_relative_unless_under_the_domain_or_dotted() {
        let d = n("Your-Domain.com.");
        assert_eq!(display(&owner(&d, "www").unwrap()), "www.your-domain.com");
        assert_eq!(display(&owner(&d, "WWW.your-domain.COM").unwrap()), "www.your-domain.com");
        assert_eq!(display(&owner(&d, "www.your-domain.com.").unwrap()), "www.your-domain.com");
        assert_eq!(display(&owner(&d, "api.v2").unwrap()), "api.v2.your-domain.com");
        assert_eq!(display(&owner(&d, "@").unwrap()), "your-domain.com");
    }

    #[test]
    fn targets_with_a_dot_are_full() {
        let d = n("your-domain.com");
        assert_eq!(display(&target(&d, "your-domain.com.").unwrap()), "your-domain.com");
        assert_eq!(display(&target(&d, "App.HerokuApp.com").unwrap()), "app.herokuapp.com");
        assert_eq!(display(&target(&d, "lb").unwrap()), "lb.your-domain.com");
        assert_eq!(display(&target(&d, "@").unwrap()), "your-domain.com");
    }

    #[test]
    fn bad_names_are_rejected() {
        assert!(parse_full("").is_err());
        assert!(parse_full("http://x.com").is_err());
        assert!(parse_full("a b.com").is_err());
        assert!(parse_full(&format!("{}.com", "a".repeat(64))).is_err());
    }

    #[test]
    fn climbing_stops_at_the_apex() {
        let names: Vec<String> = climb(&n("a.b.example.com"), &n("example.com")).iter().map(display).collect();
        assert_eq!(names, ["a.b.example.com", "b.example.com", "example.com"]);
        assert_eq!(climb(&n("example.com"), &n("example.com")).len(), 1);
    }
}
