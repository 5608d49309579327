//! The key a value is assigned to, read from the text before it on its line:
//! `.env`/shell (`export KEY=value`), YAML (`key: value`, `- KEY=value`),
//! JSON (`"key": "value"`), INI/TOML (`key = "value"`), Dockerfile
//! (`ENV KEY value`, `ARG KEY=value`) and nginx
//! (`proxy_set_header Authorization "Bearer ..."`).

/// The key name for a value that starts right after `prefix`, if the text
/// before it is an assignment.
pub fn key_before(prefix: &[u8]) -> Option<String> {
    // A prefix cut inside a multi-byte character (the caller bounds how far
    // back it reads) starts at the next whole character.
    let whole = prefix.iter().position(|b| b & 0xC0 != 0x80).unwrap_or(prefix.len());
    let mut text = std::str::from_utf8(prefix.get(whole..)?).ok()?;
    // A password inside a URL (`DATABASE_URL=postgres://app:pw@db`): the key
    // is what the URL is assigned to.
    if let Some(before_scheme) = text.rfind("://").and_then(|i| text.get(..i)) {
        let scheme_start = after_last(before_scheme, |c| c.is_ascii_alphanumeric() || matches!(c, '+' | '.' | '-'));
        text = text.get(..scheme_start).unwrap_or("");
    }
    // Drop the opening quote and any scheme-like lead-in glued to the value.
    let text = text.trim_end_matches(['"', '\'', '`', ' ', '\t']);
    let before_op = if let Some(t) = text.strip_suffix(":=").or_else(|| text.strip_suffix("=>")) {
        t
    } else if let Some(t) = text.strip_suffix('=').or_else(|| text.strip_suffix(':')) {
        t
    } else {
        // `ENV KEY value` and `proxy_set_header Authorization value`:
        // separated by blanks only.
        return space_separated_key(text);
    };
    let before_op = before_op.trim_end_matches([' ', '\t', '"', '\'', '`']);
    let start = after_last(before_op, |c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    let key = before_op.get(start..)?;
    (!key.is_empty() && key.bytes().any(|b| b.is_ascii_alphabetic())).then(|| key.to_string())
}

/// Byte offset where the trailing run of characters accepted by `ok` starts.
fn after_last(text: &str, ok: impl Fn(char) -> bool) -> usize {
    text.char_indices().rev().find(|&(_, c)| !ok(c)).map_or(0, |(i, c)| i + c.len_utf8())
}

fn space_separated_key(text: &str) -> Option<String> {
    let mut words = text.split_whitespace().rev();
    let last = words.next()?.trim_start_matches(['"', '\'']);
    let previous = words.next();
    let is_word = last.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
    match previous.map(str::to_ascii_lowercase).as_deref() {
        // `sentinel auth-pass <master> <password>`.
        Some("auth-pass") => Some("auth-pass".to_string()),
        Some("env" | "arg" | "proxy_set_header" | "add_header" | "set" | "requirepass" | "masterauth") if is_word => {
            Some(last.to_string())
        }
        _ if matches!(
            last.to_ascii_lowercase().trim_start_matches('-'),
            "requirepass" | "masterauth" | "auth-pass" | "sentinel-pass" | "bindpw" | "rootpw"
        ) =>
        {
            Some(last.trim_start_matches('-').to_string())
        }
        // `Authorization: Bearer <token>`: the header is the key.
        _ if matches!(last.to_ascii_lowercase().as_str(), "bearer" | "basic" | "token") => previous
            .map(|p| p.trim_matches(['"', '\'']))
            .filter(|p| p.ends_with(':') || p.eq_ignore_ascii_case("authorization"))
            .map(|p| p.trim_end_matches(':').to_string())
            .filter(|p| !p.is_empty()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_in_each_syntax() {
        let cases = [
            ("export AWS_ACCESS_KEY_ID=", Some("AWS_ACCESS_KEY_ID")),
            ("  api_key: ", Some("api_key")),
            ("  - GITHUB_TOKEN=", Some("GITHUB_TOKEN")),
            ("{\"token\": \"", Some("token")),
            ("password = \"", Some("password")),
            ("ENV STRIPE_KEY ", Some("STRIPE_KEY")),
            ("proxy_set_header Authorization \"Bearer ", Some("Authorization")),
            ("requirepass ", Some("requirepass")),
            ("  - DATABASE_URL=postgres://app:", Some("DATABASE_URL")),
            ("git clone https://ci:", None),
            ("see the token ", None),
            ("Authorization: Bearer ", Some("Authorization")),
        ];
        for (prefix, want) in cases {
            assert_eq!(key_before(prefix.as_bytes()).as_deref(), want, "{prefix}");
        }
    }
}
