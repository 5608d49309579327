//! What a key's name says about its value. `MYSQL_ROOT_PASSWORD` is a
//! password setting: its literal value is a password whatever it looks like.
//! `secretName`, `PASSWORD_FILE`, `token_url`, `password_encryption` only
//! name, point at or describe a secret. Judged on the key's words, not on
//! substrings, so `LOCALBYPASS` holds no "pass".

/// The words of a key, lower-case: `MYSQL_ROOT_PASSWORD` → mysql, root,
/// password; `secretKeyRef` → secret, key, ref; `db.password` → db, password.
pub fn key_words(key: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut previous: Option<char> = None;
    for c in key.chars() {
        if !c.is_ascii_alphanumeric() {
            flush(&mut current, &mut words);
            previous = None;
            continue;
        }
        let boundary = c.is_ascii_uppercase() && previous.is_some_and(|p| p.is_ascii_lowercase() || p.is_ascii_digit());
        if boundary {
            flush(&mut current, &mut words);
        }
        current.push(c.to_ascii_lowercase());
        previous = Some(c);
    }
    flush(&mut current, &mut words);
    words
}

fn flush(current: &mut String, words: &mut Vec<String>) {
    if !current.is_empty() {
        // `password2`, `DB_PASSWORD_V2`: a numbered variant of the same key.
        let trimmed = current.trim_end_matches(|c: char| c.is_ascii_digit());
        words.push(if trimmed.is_empty() { current.clone() } else { trimmed.to_string() });
        current.clear();
    }
}

/// Nouns for a password.
const PASSWORD_WORDS: &[&str] = &["password", "passwd", "pass", "pwd", "passphrase", "pw", "passwort"];

/// Last words that make the key a name, reference, location or property of
/// a secret rather than the secret: `secretName`, `PASSWORD_FILE`,
/// `token_url`, `password_min_length`, `password_encryption`, `CSRF_TOKEN_HEADER`.
const NAMING_WORDS: &[&str] = &[
    "name",
    "names",
    "ref",
    "refs",
    "reference",
    "file",
    "files",
    "filename",
    "path",
    "paths",
    "dir",
    "directory",
    "location",
    "url",
    "urls",
    "uri",
    "endpoint",
    "host",
    "hostname",
    "id",
    "ids",
    "type",
    "types",
    "kind",
    "length",
    "len",
    "size",
    "min",
    "max",
    "count",
    "ttl",
    "timeout",
    "expiry",
    "expires",
    "expiration",
    "lifetime",
    "age",
    "at",
    "enabled",
    "enable",
    "disabled",
    "disable",
    "required",
    "require",
    "header",
    "headers",
    "field",
    "fields",
    "label",
    "placeholder",
    "hint",
    "prompt",
    "title",
    "message",
    "msg",
    "text",
    "description",
    "desc",
    "help",
    "error",
    "mode",
    "policy",
    "policies",
    "encryption",
    "algorithm",
    "algorithms",
    "algo",
    "method",
    "version",
    "format",
    "provider",
    "store",
    "storage",
    "backend",
    "strategy",
    "rotation",
    "pattern",
    "regex",
    "rule",
    "rules",
    "source",
    "template",
    "env",
    "var",
    "variable",
    "prefix",
    "suffix",
    "command",
    "cmd",
    "script",
    "hash",
    "hashed",
    "digest",
    "reset",
    "change",
    "confirm",
    "confirmation",
    "validation",
    "strength",
    "complexity",
    "manager",
    "helper",
    "class",
    "handler",
    "service",
    "provider",
    "selector",
    "mount",
    "volume",
    "key_ref",
    "usage",
    "scope",
    "scopes",
    "lookup",
    "query",
    "param",
    "params",
    "parameter",
    "option",
    "options",
    "flag",
    "input",
    "output",
    "button",
    "link",
    "icon",
    "tooltip",
    "heading",
    "subtitle",
    "caption",
    "notice",
];

/// Words that make the value test or example data: `TEST_PASSWORD`,
/// `mock_token`, `wrong_password`, `token_valid`.
const TEST_WORDS: &[&str] = &[
    "test", "tests", "testing", "mock", "fake", "dummy", "example", "sample", "wrong", "bad", "invalid", "valid",
    "expired", "bogus", "stub",
];

/// First words that make `...secret` keys name a Kubernetes Secret object:
/// `existingSecret`, `tlsSecret`, `imagePullSecrets`.
const REFERENCE_QUALIFIERS: &[&str] = &["existing", "tls", "ca", "cert", "certificate", "image", "pull", "use"];

/// How a key relates to its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyRole {
    /// The value is a password by the key's own word: `POSTGRES_PASSWORD`,
    /// `password`, `MINIO_ROOT_PASSWORD`, `db.pass`.
    PasswordSetting,
    /// The value may be a secret if it looks like one.
    MaybeSecret,
    /// The key names, points at or describes a secret.
    Naming,
    /// The key says its value is test or example data (`TEST_PASSWORD`).
    TestData,
}

pub fn role(key: &str) -> KeyRole {
    let words = key_words(key);
    let Some(last) = words.last() else { return KeyRole::MaybeSecret };
    if NAMING_WORDS.contains(&last.as_str()) {
        return KeyRole::Naming;
    }
    if words.iter().any(|w| TEST_WORDS.contains(&w.as_str())) {
        return KeyRole::TestData;
    }
    // `existingSecret`, `tlsSecret`: the name of a Secret object.
    if let [first, _, ..] = words.as_slice() {
        if last.starts_with("secret") && REFERENCE_QUALIFIERS.contains(&first.as_str()) {
            return KeyRole::Naming;
        }
    }
    // `passwordKey`, `userPasswordKey`: which key of a Secret holds it.
    if let [.., before, _] = words.as_slice() {
        if (last == "key" || last == "keys") && PASSWORD_WORDS.contains(&before.as_str()) {
            return KeyRole::Naming;
        }
    }
    if PASSWORD_WORDS.contains(&last.as_str()) {
        return KeyRole::PasswordSetting;
    }
    KeyRole::MaybeSecret
}

/// The value is built from the key's own noun: `DB_PASSWORD: db-password`,
/// `password: userPassword`, `token: api-token`: a name, not a value chosen
/// to be secret.
pub fn names_itself(key: &str, value: &str) -> bool {
    let norm = |s: &str| s.chars().filter(char::is_ascii_alphanumeric).collect::<String>().to_ascii_lowercase();
    let (k, v) = (norm(key), norm(value));
    if v.is_empty() || k == v || v.contains(&k) {
        return true;
    }
    let Some(noun) = key_words(key).pop() else { return false };
    key_words(value).contains(&noun)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_split_on_case_and_separators() {
        assert_eq!(key_words("MYSQL_ROOT_PASSWORD"), ["mysql", "root", "password"]);
        assert_eq!(key_words("secretKeyRef"), ["secret", "key", "ref"]);
        assert_eq!(key_words("db.password2"), ["db", "password"]);
        assert_eq!(key_words("LOCALBYPASS"), ["localbypass"]);
    }

    #[test]
    fn roles() {
        for key in ["MYSQL_ROOT_PASSWORD", "password", "MINIO_ROOT_PASSWORD", "db.pass", "SMTP_PASS", "passphrase"] {
            assert_eq!(role(key), KeyRole::PasswordSetting, "{key}");
        }
        for key in [
            "secretName",
            "tlsSecret",
            "existingSecret",
            "PASSWORD_FILE",
            "token_url",
            "password_encryption",
            "CSRF_TOKEN_HEADER",
            "PASSWORD_MIN_LENGTH",
            "passwordKey",
            "imagePullSecrets",
        ] {
            assert_eq!(role(key), KeyRole::Naming, "{key}");
        }
        for key in ["TEST_PASSWORD", "wrong_password", "mock_api_key", "token_valid"] {
            assert_eq!(role(key), KeyRole::TestData, "{key}");
        }
        for key in ["SESSION_SECRET", "GITHUB_TOKEN", "api_key", "GOOGLE_APPLICATION_CREDENTIALS", "SECRET_KEY"] {
            assert_eq!(role(key), KeyRole::MaybeSecret, "{key}");
        }
    }

    #[test]
    fn values_named_after_the_key() {
        assert!(names_itself("DB_PASSWORD", "db_password"));
        assert!(names_itself("password", "userPassword"));
        assert!(names_itself("API_TOKEN", "api-token-v2"));
        assert!(!names_itself("POSTGRES_PASSWORD", "mysecretpassword"));
        assert!(!names_itself("MINIO_ROOT_PASSWORD", "admin-pass"));
    }
}
