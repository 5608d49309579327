//! Inline suppression: a `stackaudit:ignore` comment on the line of the
//! secret silences every secret rule there; `stackaudit:ignore[a,b]` only
//! rules `a` and `b`.

const MARKER: &[u8] = b"stackaudit:ignore";

/// Whether `line` carries a suppression that covers `rule_id`.
pub fn suppresses(line: &[u8], rule_id: &str) -> bool {
    let Some(at) = memchr::memmem::find(line, MARKER) else { return false };
    let rest = &line[at + MARKER.len()..];
    match rest.first() {
        Some(b'[') => {
            let Some(close) = memchr::memchr(b']', rest) else { return false };
            rest[1..close].split(|&b| b == b',').any(|id| id.trim_ascii() == rule_id.as_bytes())
        }
        // `stackaudit:ignored` or `stackaudit:ignore-next` are not the marker.
        Some(b) if b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_' => false,
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_and_listed_markers() {
        assert!(suppresses(b"TOKEN=abc # stackaudit:ignore", "secret-generic-password"));
        assert!(suppresses(
            b"k: v # stackaudit:ignore[secret-jwt, secret-generic-password]",
            "secret-generic-password"
        ));
        assert!(!suppresses(b"k: v # stackaudit:ignore[secret-jwt]", "secret-generic-password"));
        assert!(!suppresses(b"k: v # stackaudit:ignored", "secret-jwt"));
        assert!(!suppresses(b"k: v", "secret-jwt"));
    }
}
