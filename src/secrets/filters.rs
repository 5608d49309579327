//! Telling a leaked secret from what only looks like one: references to a
//! variable, placeholders, vendor documentation keys, and (for the generic
//! key-name rules) values that are names, paths, checksums, code or prose.

/// `${VAR}`, `$VAR`, `{{ .Values.x }}`, `<your-key>`, `%(x)s`, `#{x}`,
/// `%VAR%`: resolved elsewhere, not a leak.
pub fn is_reference(value: &str) -> bool {
    let v = value.trim();
    let ident = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    v.starts_with("${")
        || v.starts_with("$(")
        || v.starts_with("{{")
        || v.starts_with("#{")
        || v.starts_with("%(")
        || v.starts_with("%{")
        || v.contains("${")
        || v.contains("{{")
        || (v.starts_with('<') && v.ends_with('>'))
        // `<my-token>` inside a longer value: `Bearer <token>`.
        || (v.contains('<') && v.contains('>'))
        || v.strip_prefix('{').and_then(|x| x.strip_suffix('}')).is_some_and(ident)
        // `$$VAR` is compose's escaped `$VAR`.
        || (v.starts_with('$') && ident(v.trim_start_matches('$')))
        || (v.starts_with('%') && v.ends_with('%') && v.len() > 2)
        || (v.starts_with("__") && v.ends_with("__") && v.len() > 4)
        || (v.starts_with('@') && v.ends_with('@') && v.len() > 2)
        // YAML tags resolved by the tool that reads the file: Ansible
        // `!vault`, Home Assistant `!secret name`, CloudFormation `!Ref`.
        || (v.starts_with('!') && v.get(1..).is_some_and(|t| t.starts_with(|c: char| c.is_ascii_alphabetic())))
        // Encrypted in place (SOPS, Jasypt): not readable from the file.
        || v.starts_with("ENC[")
        || v.starts_with("$ANSIBLE_VAULT")
}

/// Values whose whole text is a stand-in or a setting word, not a chosen
/// secret.
const PLACEHOLDER_VALUES: &[&str] = &[
    "password",
    "passwd",
    "pass",
    "pwd",
    "secret",
    "secrets",
    "changeme",
    "changeit",
    "admin",
    "root",
    "test",
    "testing",
    "none",
    "null",
    "nil",
    "true",
    "false",
    "yes",
    "no",
    "on",
    "off",
    "redacted",
    "hidden",
    "masked",
    "token",
    "apikey",
    "api_key",
    "default",
    "undefined",
    "empty",
    "unset",
    "foobared",
    "opensesame",
    "foobar",
    "foo",
    "bar",
    "baz",
    "qwerty",
    "letmein",
    "string",
    "value",
    "text",
    "required",
    "optional",
    "enabled",
    "disabled",
    "env",
    "environment",
    "vault",
    "random",
    "generated",
    "auto",
    "generate",
    "any",
    "example",
    "sample",
    "prompt",
    "ask",
    "stdin",
    "keyring",
    "keychain",
    "tbd",
    "todo",
    "fixme",
    "xxx",
    "plain",
    "plaintext",
    "md5",
    "sha1",
    "sha256",
    "sha512",
    "bcrypt",
    "scrypt",
    "argon2",
    "argon2id",
    "pbkdf2",
    "crypt",
    "scram-sha-256",
    "scram",
    "trust",
    "peer",
    "ident",
    "hash",
    "hashed",
    "encrypted",
    "secure",
    "insecure",
    "strong",
    "weak",
    "basic",
    "bearer",
    "digest",
    "oauth",
    "oauth2",
    "ldap",
    "local",
    "internal",
    "external",
    "user",
    "username",
];

/// Runs that mark a stand-in as written: `xxxx`/`XXXX`, not the same
/// letters in mixed case, which random tokens contain.
const PLACEHOLDER_RUNS: &[&str] = &["xxxx", "XXXX", "****", "....", "…"];

/// Substrings that mark a stand-in wherever they appear, in any case:
/// template values, test fixtures, vendor documentation keys
/// (`AKIAIOSFODNN7EXAMPLE`).
const PLACEHOLDER_MARKERS: &[&str] = &[
    "changeme",
    "change_me",
    "change-me",
    "changethis",
    "change_this",
    "change-this",
    "placeholder",
    "your_",
    "your-",
    "yourpass",
    "yourtoken",
    "yourkey",
    "yoursecret",
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
    "abc123abc",
];

/// A stand-in for any rule. `documentation_marker`: also treat "example"
/// inside a longer value as a stand-in (documentation keys); off for
/// password settings, where `example123` is a chosen (weak) password.
pub fn is_placeholder(value: &str, documentation_marker: bool) -> bool {
    let lower = value.to_ascii_lowercase();
    let trimmed = lower.trim_matches(|c: char| !c.is_ascii_alphanumeric());
    PLACEHOLDER_VALUES.contains(&trimmed)
        || PLACEHOLDER_MARKERS.iter().any(|m| lower.contains(m))
        || PLACEHOLDER_RUNS.iter().any(|m| value.contains(m))
        || (documentation_marker && lower.contains("example"))
        || one_repeated_char(value)
        || lower.ends_with("...")
}

/// `secret123`, `password1!`, `admin2024`: a stand-in word with a number,
/// as examples and tests write passwords.
pub fn is_numbered_placeholder(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    let word = lower.trim_end_matches(|c: char| c.is_ascii_digit() || c.is_ascii_punctuation());
    word.len() < lower.len() && PLACEHOLDER_VALUES.contains(&word)
}

fn one_repeated_char(value: &str) -> bool {
    let mut chars = value.chars();
    match chars.next() {
        Some(first) => chars.all(|c| c == first),
        None => true,
    }
}

/// Words in a comment next to a value that say it is to be replaced.
const PLACEHOLDER_HINTS: &[&str] = &[
    "replace with",
    "replace this",
    "replace me",
    "replace it",
    "your own",
    "put your",
    "insert your",
    "add your",
    "enter your",
    "use your",
    "set your",
    "paste your",
    "change this",
    "change me",
    "changeme",
    "placeholder",
    "dummy",
    "not a real",
    "fake",
];

/// A comment that says the value next to it is a placeholder.
pub fn is_placeholder_hint(comment: &str) -> bool {
    let lower = comment.to_ascii_lowercase();
    PLACEHOLDER_HINTS.iter().any(|h| lower.contains(h))
}

/// Shannon entropy of the value's bytes, in bits per byte.
pub fn entropy(value: &str) -> f64 {
    let bytes = value.as_bytes();
    if bytes.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for &b in bytes {
        // 256 counters: every byte value has one.
        if let Some(count) = counts.get_mut(usize::from(b)) {
            *count += 1;
        }
    }

    let len = bytes.len() as f64;
    counts.iter().filter(|&&c| c > 0).map(|&c| c as f64 / len).map(|p| -p * p.log2()).sum()
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

pub fn is_number(value: &str) -> bool {
    value.bytes().all(|b| b.is_ascii_digit() || b == b'.' || b == b'-' || b == b'_')
}

/// `/run/secrets/db_password`, `./certs/key.pem`, `file://...`,
/// `routes/main` (NGINX Unit), `path/creds.json`: where the secret is, or a
/// route, not the secret.
pub fn is_path(value: &str) -> bool {
    let prefixed = ["/", "./", "../", "~/", "file:", "vault:", "arn:", "secretsmanager:", "projects/", "c:\\", "\\\\"]
        .iter()
        .any(|p| value.to_ascii_lowercase().starts_with(p));
    prefixed || is_relative_path(value) || is_file_name(value)
}

/// `routes/main`, `config/creds.json`: lower-case word segments.
fn is_relative_path(value: &str) -> bool {
    value.contains('/')
        && value.split('/').all(|seg| {
            !seg.is_empty()
                && seg.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'-' | b'.'))
                && seg.bytes().filter(u8::is_ascii_alphabetic).count() >= 2
        })
}

/// A file name with an extension that holds keys or config: the value says
/// where the credential is.
fn is_file_name(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    let Some((stem, ext)) = lower.rsplit_once('.') else { return false };
    !stem.is_empty()
        && matches!(
            ext,
            "json"
                | "pem"
                | "key"
                | "crt"
                | "cer"
                | "p12"
                | "pfx"
                | "jks"
                | "keystore"
                | "txt"
                | "yaml"
                | "yml"
                | "env"
                | "conf"
                | "ini"
                | "toml"
                | "properties"
                | "gpg"
                | "asc"
                | "ppk"
                | "kdbx"
        )
}

/// `https://oauth2.googleapis.com/token`: a URL without credentials names
/// an endpoint.
pub fn is_plain_url(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    let Some((scheme, rest)) = lower.split_once("://") else { return false };
    !scheme.is_empty()
        && scheme.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'.' | b'-'))
        && !rest.split('/').next().unwrap_or("").contains('@')
}

/// `process.env.DB_PASSWORD`, `os.getenv("X")`, `config.get_token()`,
/// `&syscall.Credential{...}`, `self.password`: an expression in source
/// code, not a literal. `strict` also takes any dotted identifier
/// (`app.secret`) for code; otherwise only dotted names rooted in a usual
/// code object, since `Dolphin.shop177` is a chosen password.
pub fn is_code(value: &str, strict: bool) -> bool {
    let has_call = value.contains('(')
        || value.contains(')')
        || value.contains('[')
        || value.contains('{')
        || value.contains('}')
        || value.contains("->")
        || value.contains("=>")
        || value.contains("::")
        || value.contains("&&")
        || value.contains("||")
        || value.starts_with('&')
        || (value.contains('<') && value.contains('>'));
    let segments: Vec<&str> = value.split('.').collect();
    let dotted_ident = segments.len() > 1
        && segments.iter().all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
        && segments.first().is_some_and(|p| p.bytes().next().is_some_and(|b| b.is_ascii_alphabetic() || b == b'_'));
    let code_root = segments.first().is_some_and(|p| {
        matches!(
            *p,
            "this"
                | "self"
                | "process"
                | "config"
                | "cfg"
                | "conf"
                | "settings"
                | "os"
                | "env"
                | "ENV"
                | "params"
                | "props"
                | "request"
                | "req"
                | "ctx"
                | "context"
                | "options"
                | "opts"
                | "window"
                | "app"
                | "Config"
                | "System"
                | "secrets"
                | "vars"
                | "values"
                | "Values"
        )
    });
    has_call || (dotted_ident && (strict || code_root || segments.len() > 2))
}

/// A plain word or identifier without any digit or symbol (`secretName`,
/// `password_field`, `bearer`): a name, not a value chosen to be guessed
/// hard.
pub fn is_word(value: &str) -> bool {
    let letters = value.bytes().filter(u8::is_ascii_alphabetic).count();
    let upper = value.bytes().filter(u8::is_ascii_uppercase).count();
    // Words and camelCase names have few capitals; a random token made of
    // letters only has about as many capitals as small letters.
    value.bytes().all(|b| b.is_ascii_alphabetic() || b == b'_' || b == b'-')
        && (upper * 4 <= letters || upper == letters)
}

/// `snake_case` or `SCREAMING_CASE` names (`_bindgen_ty_24`,
/// `DB_PASSWORD_V2`): a constant or type referenced, not a chosen secret.
pub fn is_identifier(value: &str) -> bool {
    let ident = value.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && value.contains('_')
        && !value.starts_with(|c: char| c.is_ascii_digit());
    let one_case = !value.bytes().any(|b| b.is_ascii_lowercase()) || !value.bytes().any(|b| b.is_ascii_uppercase());
    ident && one_case
}

/// `Password`, `Passwort`, `Secret`: a capitalised word, as a user interface
/// label is written.
pub fn is_label_word(value: &str) -> bool {
    let mut chars = value.chars();
    chars.next().is_some_and(|c| c.is_uppercase()) && chars.all(|c| c.is_lowercase())
}

/// Natural language rather than a credential: words separated by spaces,
/// sentence punctuation, letters of non-Latin scripts (translation
/// catalogues hold these under keys named `password`).
pub fn is_prose(full_value: &str) -> bool {
    let v = full_value.trim();
    let spaced_words = v.split_whitespace().filter(|w| w.chars().any(char::is_alphabetic)).count() >= 2;
    let non_latin = v.chars().any(|c| c.is_alphabetic() && !c.is_ascii());
    let sentence_end = v.len() > 1
        && v.ends_with(['.', '!', '?', ':', '…'])
        && v.chars().rev().nth(1).is_some_and(char::is_alphabetic);
    spaced_words || non_latin || sentence_end
}

/// `%3A%40c`, `pass%5B%7F`: percent-encoded test strings for URL parsers,
/// not a password someone chose.
pub fn is_percent_encoded(value: &str) -> bool {
    let b = value.as_bytes();
    let escapes = (0..b.len().saturating_sub(2))
        .filter(|&i| {
            b.get(i) == Some(&b'%') && b.get(i + 1..i + 3).is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit))
        })
        .count();
    escapes >= 2
}

/// A password hash (`$argon2id$…`, `$2y$10$…`, `{SSHA}…`, Django's
/// `pbkdf2_sha256$…`): what a server stores to check a password, not the
/// password. htpasswd files have their own rule.
pub fn is_password_hash(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    [
        "$argon2",
        "$2a$",
        "$2b$",
        "$2y$",
        "$5$",
        "$6$",
        "$apr1$",
        "$1$",
        "{ssha}",
        "{sha}",
        "{crypt}",
        "pbkdf2_",
        "scram-sha-256$",
        "$scrypt$",
    ]
    .iter()
    .any(|p| lower.starts_with(p))
        || (lower.starts_with("md5")
            && lower.len() == 35
            && lower.get(3..).is_some_and(|h| h.bytes().all(|b| b.is_ascii_hexdigit())))
}

/// Tests, fixtures and their data: the passwords there are made up. A
/// password setting there needs a value that looks chosen to be secret.
pub fn is_test_path(path: &str) -> bool {
    let path = path.replace('\\', "/");
    let lower = path.to_ascii_lowercase();
    let folders = [
        "test",
        "tests",
        "testdata",
        "test-data",
        "test_data",
        "fixtures",
        "__tests__",
        "spec",
        "specs",
        "e2e",
        "mocks",
        "__mocks__",
    ];
    let name = path.rsplit('/').next().unwrap_or(&path);
    let stem = name.split('.').next().unwrap_or(name);
    let lower_name = name.to_ascii_lowercase();
    let lower_stem = stem.to_ascii_lowercase();
    // `LoginTest.java`, `AuthTests.cs`: a capitalised suffix after a word.
    let camel_test = ["Test", "Tests"].iter().any(|t| {
        stem.strip_suffix(t)
            .is_some_and(|before| before.ends_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit()))
    });
    lower.split('/').rev().skip(1).any(|dir| folders.contains(&dir))
        || lower_name.contains(".test.")
        || lower_name.contains(".spec.")
        || lower_stem.ends_with("_test")
        || lower_stem.ends_with("_tests")
        || lower_stem.ends_with("_spec")
        || lower_stem.starts_with("test_")
        || camel_test
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
            | "vue"
            | "svelte"
            | "groovy"
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

/// Translation catalogues: `locales/de.json`, `i18n/fr/translation.json`,
/// `*.po`, Fluent `*.ftl`, `locale_de.ini`. Their values are user-interface
/// text, whatever the keys are called.
pub fn is_locale_catalogue(path: &str) -> bool {
    let lower = path.to_ascii_lowercase().replace('\\', "/");
    let name = lower.rsplit('/').next().unwrap_or(&lower);
    let ext = name.rsplit_once('.').map_or("", |(_, e)| e);
    if matches!(ext, "po" | "pot" | "ftl" | "xliff" | "xlf" | "strings" | "stringsdict" | "resx" | "arb") {
        return true;
    }
    if name.starts_with("locale_") || name.starts_with("messages_") || name == "translation.json" {
        return true;
    }
    let folders = ["locale", "locales", "i18n", "l10n", "lang", "langs", "languages", "translations", "translation"];
    lower.split('/').rev().skip(1).any(|dir| folders.contains(&dir))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_and_placeholders() {
        for v in [
            "${REDIS_PASSWORD}",
            "$REDIS_PASSWORD",
            "{{ .Values.password }}",
            "<your-key>",
            "%(pw)s",
            "<my-token>",
            "{password}",
            "__DB_PASSWORD__",
            "!vault",
            "!secret",
            "ENC[AES256_GCM,data:Tr8kLm2Q,iv:x,tag:y,type:str]",
        ] {
            assert!(is_reference(v), "{v}");
        }
        assert!(!is_reference("s3cr3t$x"));
        for v in [
            "changeme",
            "AKIAIOSFODNN7EXAMPLE",
            "xxxxxxxxxxxx",
            "aaaaaaaa",
            "Password",
            "your-api-key",
            "replace-with-a-real-key",
            "sk-proj-abc...",
        ] {
            assert!(is_placeholder(v, true), "{v}");
        }
        assert!(!is_placeholder("Zq8vN2rT5kLm", true));
        assert!(!is_placeholder("ghp_Zpegckc1ZuXl5jHXxXXRBDgYCp", true), "mixed-case x in a random token");
        assert!(!is_word("cRyvuatYepXUnKulksRxWVND"), "random letters");
        assert!(is_word("secretName") && is_word("redis-credentials"));
        assert!(!is_placeholder("example123", false), "a chosen password in a password setting");
        assert!(is_placeholder("example", false));
        assert!(is_numbered_placeholder("secret123") && is_numbered_placeholder("Password1!"));
        assert!(!is_numbered_placeholder("secret") && !is_numbered_placeholder("Zq8vN2rT5"));
    }

    #[test]
    fn names_paths_and_code() {
        assert!(is_path("/run/secrets/db"));
        assert!(is_path("routes/main"));
        assert!(is_path("path/creds.json"));
        assert!(is_path("creds.json"));
        assert!(!is_path("Zq8/vN2rT5kL+m=="));
        assert!(is_plain_url("https://oauth2.googleapis.com/token"));
        assert!(!is_plain_url("https://user:pw@host/"));
        assert!(is_code("&syscall.Credential{Uid:", false));
        assert!(is_code("process.env.TOKEN", false));
        assert!(is_code("getenv(\"X\")", false));
        assert!(!is_code("Hx7!pL2@mQ9z", true));
        assert!(is_code("app.secret", true));
        assert!(!is_code("Dolphin.shop177", false), "a password with a dot");
        assert!(is_uuid("123e4567-e89b-12d3-a456-426614174000"));
        assert!(is_checksum("da39a3ee5e6b4b0d3255bfef95601890afd80709"));
        assert!(is_identifier("_bindgen_ty_24"));
    }

    #[test]
    fn prose_and_labels() {
        assert!(is_prose("Forgot your password?"));
        assert!(is_prose("Mot de passe"));
        assert!(is_prose("Пароль"));
        assert!(is_prose("パスワード"));
        assert!(is_prose("Password:"));
        assert!(!is_prose("Hx7!pL2@mQ9z"));
        assert!(!is_prose("admin-pass"));
        assert!(is_label_word("Passwort"));
        assert!(!is_label_word("mysecretpassword"));
    }

    #[test]
    fn encoded_strings_hashes_and_test_paths() {
        assert!(is_percent_encoded("%3A%40c") && is_percent_encoded("pass%5B%7F"));
        assert!(!is_percent_encoded("50%off-Sale9"));
        assert!(is_password_hash("$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA"));
        assert!(is_password_hash("{SSHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g="));
        assert!(!is_password_hash("s3cr3t$x"));
        for p in [
            "tests/setters_tests.json",
            "src/__tests__/login.ts",
            "pkg/auth_test.go",
            "web/login.spec.ts",
            "app/test_views.py",
            "src/main/java/LoginTest.java",
        ] {
            assert!(is_test_path(p), "{p}");
        }
        for p in
            ["docker-compose.yml", "config/testing.env.example", "contest/app.yaml", "latest.yaml", "manifest.json"]
        {
            assert!(!is_test_path(p), "{p}");
        }
    }

    #[test]
    fn locale_catalogues_by_path() {
        for p in ["locales/de.json", "src/i18n/fr/translation.json", "po/de.po", "app/en-US.ftl", "conf/locale_de.ini"]
        {
            assert!(is_locale_catalogue(p), "{p}");
        }
        assert!(!is_locale_catalogue("config/settings.json"));
    }

    #[test]
    fn entropy_orders_random_above_repetitive() {
        assert!(entropy("aaaaaaaa") < 0.01);
        assert!(entropy("Zq8vN2rT5kLmP0xW") > 3.5);
    }
}
