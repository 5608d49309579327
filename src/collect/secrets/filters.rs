//! Telling a leaked secret from what only looks like one: references to a
//! variable, placeholders, vendor documentation keys, and (for the generic
//! key-name rules) values that are not random enough, UUIDs, checksums, code.

/// `${VAR}`, `$VAR`, `{{ .Values.x }}`, `<your-key>`, `%(x)s`, `#{x}`:
/// resolved elsewhere, not a leak.
pub fn is_reference(value: &str) -> bool {
    let v = value.trim();
    let ident = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    v.starts_with("${")
        || v.starts_with("$(")
        || v.starts_with("{{")
        || v.starts_with("#{")
        || v.starts_with("%(")
        || v.contains("${")
        || v.contains("{{")
        || (v.starts_with('<') && v.ends_with('>'))
        // `$$VAR` is compose's escaped `$VAR`.
        || (v.starts_with('$') && ident(v.trim_start_matches('$')))
        || (v.starts_with('%') && v.ends_with('%') && v.len() > 2)
}

/// Values whose whole text is a stand-in.
const PLACEHOLDER_VALUES: &[&str] = &[
    "password",
    "passwd",
    "pass",
    "pwd",
    "secret",
    "changeme",
    "admin",
    "root",
    "test",
    "none",
    "null",
    "nil",
    "true",
    "false",
    "redacted",
    "hidden",
    "masked",
    "token",
    "apikey",
    "api_key",
    "default",
    "undefined",
    "empty",
    "foobared",
    "opensesame",
    "foobar",
    "foo",
    "bar",
    "qwerty",
    "letmein",
    "string",
    "value",
];

/// Substrings that mark a stand-in wherever they appear: documentation keys
/// (`AKIAIOSFODNN7EXAMPLE`), template values, test fixtures.
const PLACEHOLDER_MARKERS: &[&str] = &[
    "example",
    "changeme",
    "change_me",
    "change-me",
    "xxxx",
    "****",
    "....",
    "placeholder",
    "your_",
    "your-",
    "yourpass",
    "yourtoken",
    "insert",
    "redacted",
    "dummy",
    "fake",
    "sample",
    "replace",
    "notreal",
    "not_a_real",
    "not-a-real",
    "0000000000",
    "1234567890",
    "abcdefghij",
];

/// A placeholder for any rule, specific or generic.
pub fn is_placeholder(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    let trimmed = lower.trim_matches(|c: char| !c.is_ascii_alphanumeric());
    PLACEHOLDER_VALUES.contains(&trimmed)
        || PLACEHOLDER_MARKERS.iter().any(|m| lower.contains(m))
        || one_repeated_char(value)
}

fn one_repeated_char(value: &str) -> bool {
    let mut chars = value.chars();
    match chars.next() {
        Some(first) => chars.all(|c| c == first),
        None => true,
    }
}

/// Shannon entropy of the value's bytes, in bits per byte.
pub fn entropy(value: &str) -> f64 {
    let bytes = value.as_bytes();
    if bytes.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for &b in bytes {
        counts[b as usize] += 1;
    }
    let len = bytes.len() as f64;
    counts.iter().filter(|&&c| c > 0).map(|&c| c as f64 / len).map(|p| -p * p.log2()).sum()
}

/// For the generic key-name rules only: values that a key named
/// `*_TOKEN`/`*password*` holds without being a credential.
pub fn is_not_a_credential(key: Option<&str>, value: &str) -> bool {
    repeats_key(key, value)
        || is_uuid(value)
        || is_checksum(value)
        || is_number(value)
        || is_path(value)
        || is_code(value)
        || is_word(value)
        || is_identifier(value)
}

/// `PASSWORD=password`, `db_password: db-password`: the key's own name.
fn repeats_key(key: Option<&str>, value: &str) -> bool {
    let Some(key) = key else { return false };
    let norm = |s: &str| s.chars().filter(char::is_ascii_alphanumeric).collect::<String>().to_ascii_lowercase();
    let (k, v) = (norm(key), norm(value));
    !v.is_empty() && (k == v || k.contains(&v) || v.contains(&k))
}

/// `8-4-4-4-12` hex: identifiers (a client ID, a request ID), not secrets
/// on their own.
pub fn is_uuid(value: &str) -> bool {
    let parts: Vec<&str> = value.split('-').collect();
    parts.len() == 5
        && parts.iter().map(|p| p.len()).eq([8, 4, 4, 4, 12])
        && parts.iter().all(|p| p.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Hex digests (MD5, commit hashes, SHA-256/512) and `sha512-…` integrity
/// strings, as lock files and manifests carry them.
pub fn is_checksum(value: &str) -> bool {
    let hex = value.bytes().all(|b| b.is_ascii_hexdigit());
    (hex && matches!(value.len(), 32 | 40 | 56 | 64 | 96 | 128))
        || ["sha1-", "sha256-", "sha384-", "sha512-", "sha256:", "sha512:", "md5-"].iter().any(|p| value.starts_with(p))
}

fn is_number(value: &str) -> bool {
    value.bytes().all(|b| b.is_ascii_digit() || b == b'.' || b == b'-' || b == b'_')
}

/// `/run/secrets/db_password`, `./certs/key.pem`, `file://...`: where the
/// secret is, not the secret.
fn is_path(value: &str) -> bool {
    value.starts_with('/')
        || value.starts_with("./")
        || value.starts_with("../")
        || value.starts_with("~/")
        || value.starts_with("file:")
        || value.starts_with("vault:")
        || value.starts_with("arn:")
        || value.starts_with("secretsmanager:")
        || value.starts_with("projects/")
}

/// `process.env.DB_PASSWORD`, `os.getenv("X")`, `config.get_token()`,
/// `self.password`: an expression in source code, not a literal.
fn is_code(value: &str) -> bool {
    let has_call = value.contains('(')
        || value.contains(')')
        || value.contains('[')
        || value.contains("->")
        || value.contains("::")
        || (value.contains('<') && value.contains('>'));
    let dotted_ident = value.contains('.')
        && value.split('.').all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
        && value.split('.').any(|p| p.bytes().any(|b| b.is_ascii_alphabetic()));
    has_call || dotted_ident
}

/// A plain word or identifier without any digit or symbol (`secretName`,
/// `password_field`, `bearer`): a name, not a value chosen to be guessed
/// hard.
fn is_word(value: &str) -> bool {
    value.bytes().all(|b| b.is_ascii_alphabetic() || b == b'_' || b == b'-')
}

/// `snake_case` or `SCREAMING_CASE` names (`_bindgen_ty_24`,
/// `DB_PASSWORD_V2`): a constant or type referenced, not a chosen secret.
fn is_identifier(value: &str) -> bool {
    let ident = value.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && value.contains('_')
        && !value.starts_with(|c: char| c.is_ascii_digit());
    let one_case = !value.bytes().any(|b| b.is_ascii_lowercase()) || !value.bytes().any(|b| b.is_ascii_uppercase());
    ident && one_case
}

/// Source code: a generic key-name rule only counts a quoted literal there
/// (`password = "…"`); unquoted values are types, variables and calls.
pub fn is_source_code(file_name: &str) -> bool {
    let ext = file_name.rsplit_once('.').map_or("", |(_, e)| e);
    matches!(
        ext,
        "rs" | "go"
            | "py"
            | "js"
            | "mjs"
            | "cjs"
            | "ts"
            | "tsx"
            | "jsx"
            | "java"
            | "kt"
            | "scala"
            | "c"
            | "h"
            | "cc"
            | "cpp"
            | "hpp"
            | "cs"
            | "rb"
            | "php"
            | "swift"
            | "m"
            | "dart"
            | "lua"
            | "pl"
            | "ex"
            | "exs"
    )
}

/// Lock files are full of checksums and commit hashes; only vendor-specific
/// rules run there.
pub fn is_lock_file(file_name: &str) -> bool {
    matches!(
        file_name,
        "package-lock.json"
            | "npm-shrinkwrap.json"
            | "yarn.lock"
            | "pnpm-lock.yaml"
            | "Cargo.lock"
            | "poetry.lock"
            | "Pipfile.lock"
            | "composer.lock"
            | "Gemfile.lock"
            | "go.sum"
            | "packages.lock.json"
            | "bun.lock"
            | "uv.lock"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_and_placeholders() {
        for v in ["${REDIS_PASSWORD}", "$REDIS_PASSWORD", "{{ .Values.password }}", "<your-key>", "%(pw)s"] {
            assert!(is_reference(v), "{v}");
        }
        assert!(!is_reference("s3cr3t$x"));
        for v in ["changeme", "AKIAIOSFODNN7EXAMPLE", "xxxxxxxxxxxx", "aaaaaaaa", "Password", "your-api-key"] {
            assert!(is_placeholder(v), "{v}");
        }
        assert!(!is_placeholder("Zq8vN2rT5kLm"));
    }

    #[test]
    fn generic_filters() {
        assert!(is_not_a_credential(Some("DB_PASSWORD"), "db_password"));
        assert!(is_not_a_credential(None, "123e4567-e89b-12d3-a456-426614174000"));
        assert!(is_not_a_credential(None, "da39a3ee5e6b4b0d3255bfef95601890afd80709"));
        assert!(is_not_a_credential(None, "process.env.TOKEN"));
        assert!(is_not_a_credential(None, "getenv(\"X\")"));
        assert!(is_not_a_credential(None, "/run/secrets/db"));
        assert!(is_not_a_credential(None, "secretName"));
        assert!(is_not_a_credential(None, "_bindgen_ty_24"));
        assert!(is_not_a_credential(None, "Option<&str>)"));
        assert!(!is_not_a_credential(Some("REDIS_PASSWORD"), "Tr0ub4dor&3x"));
    }

    #[test]
    fn entropy_orders_random_above_repetitive() {
        assert!(entropy("aaaaaaaa") < 0.01);
        assert!(entropy("Zq8vN2rT5kLmP0xW") > 3.5);
    }
}
