//! Inline suppression markers: `stackaudit:ignore` on the line of a secret
//! names every rule there; `stackaudit:ignore[a,b]` only rules `a` and `b`.
//! The matcher only records them; the gate decides what they suppress.

const MARKER: &[u8] = b"stackaudit:ignore";

/// The rules a marker on `line` names: `None` without a marker, an empty
/// list for a bare marker (every rule).
pub fn markers(line: &[u8]) -> Option<Vec<String>> {
    let mut from = 0;
    while let Some(at) = line.get(from..).and_then(|rest| memchr::memmem::find(rest, MARKER)) {
        let rest = line.get(from + at + MARKER.len()..).unwrap_or_default();
        match rest.first() {
            Some(b'[') => {
                let close = memchr::memchr(b']', rest)?;
                let list = rest.get(1..close).unwrap_or_default();
                let rules: Vec<String> = list
                    .split(|&b| b == b',')
                    .map(|id| String::from_utf8_lossy(id.trim_ascii()).into_owned())
                    .filter(|id| !id.is_empty())
                    .collect();
                return Some(rules);
            }
            // `stackaudit:ignored` or `stackaudit:ignore-next` are not the marker.
            Some(b) if b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_' => from += at + MARKER.len(),
            _ => return Some(Vec::new()),
        }
    }
    None
}

/// Whether markers recorded for a secret cover `rule_id`.
pub fn covers(markers: &[String], rule_id: &str) -> bool {
    markers.is_empty() || markers.iter().any(|m| m == rule_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_and_listed_markers() {
        assert_eq!(markers(b"TOKEN=abc # stackaudit:ignore"), Some(vec![]));
        assert_eq!(
            markers(b"k: v # stackaudit:ignore[secret-jwt, secret-generic-password]"),
            Some(vec!["secret-jwt".to_string(), "secret-generic-password".to_string()])
        );
        assert_eq!(markers(b"k: v # stackaudit:ignored"), None);
        assert_eq!(markers(b"k: v"), None);
        assert!(covers(&[], "secret-jwt"));
        assert!(!covers(&["secret-jwt".to_string()], "secret-generic-password"));
    }
}
