//! Showing a secret without revealing it: a preview that shows at most the
//! public, fixed prefix of a typed token plus the length, and a keyed
//! fingerprint. Nothing else about a secret value may leave the matcher.

use std::io::Read;
use std::path::PathBuf;
use std::sync::OnceLock;

/// Environment variable holding the fingerprint key (any string; it is
/// hashed into a 32-byte key).
pub const KEY_ENV: &str = "STACKAUDIT_FINGERPRINT_KEY";

/// Fixed prefixes vendors put in front of their tokens: public (they are in
/// every vendor's documentation) and what tells a reviewer which credential
/// to rotate. Longest first within a family.
const PUBLIC_PREFIXES: &[&str] = &[
    "https://hooks.slack.com/services/",
    "https://hooks.slack.com/workflows/",
    "https://hooks.slack.com/triggers/",
    "https://discord.com/api/webhooks/",
    "https://discordapp.com/api/webhooks/",
    "AGE-SECRET-KEY-1",
    "github_pat_",
    "ghp_",
    "gho_",
    "ghu_",
    "ghs_",
    "ghr_",
    "glpat-",
    "gldt-",
    "glrt-",
    "glptt-",
    "glsoat-",
    "glcbt-",
    "gloas-",
    "sk_live_",
    "sk_test_",
    "rk_live_",
    "rk_test_",
    "whsec_",
    "xoxb-",
    "xoxp-",
    "xoxa-",
    "xoxr-",
    "xoxs-",
    "xapp-",
    "sk-ant-api",
    "sk-ant-admin",
    "sk-proj-",
    "sk-svcacct-",
    "sk-admin-",
    "GOCSPX-",
    "AKIA",
    "ASIA",
    "ABIA",
    "ACCA",
    "AIza",
    "SG.",
    "npm_",
    "pypi-",
    "hf_",
    "dop_v1_",
    "doo_v1_",
    "dor_v1_",
    "glsa_",
    "glc_",
    "HRKU-",
    "NRAK-",
    "PMAK-",
    "lin_api_",
    "hvs.",
    "hvb.",
    "hvr.",
    "dapi",
    "dp.pt.",
    "dp.st.",
    "dp.sa.",
    "dp.ct.",
    "eyJ",
];

/// The public prefix of a typed token (`AKIA`, `ghp_`, `sk_live_`) and the
/// length: `AKIA… (20 chars)`. A password or any value without a known
/// prefix shows nothing of itself: `… (16 chars)`. The prefix is never more
/// than half of the value.
pub fn preview(value: &str) -> String {
    let len = value.chars().count();
    let prefix = PUBLIC_PREFIXES.iter().find(|p| value.starts_with(**p) && p.len() * 2 <= value.len()).copied();
    format!("{}… ({len} chars)", prefix.unwrap_or(""))
}

/// A keyed BLAKE3 hash of the value, hex, 24 characters: the same secret
/// gives the same fingerprint wherever the same key is used (so it can be
/// tracked and rotated), while a dictionary attack on the fingerprint fails
/// without the key.
pub fn fingerprint(value: &str) -> String {
    let hash = blake3::keyed_hash(&key().bytes, value.as_bytes());
    let hex = hash.to_hex();
    format!("bk:{}", hex.get(..24).unwrap_or(hex.as_str()))
}

/// Where the fingerprint key came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// `STACKAUDIT_FINGERPRINT_KEY`.
    Environment,
    /// The per-installation key file.
    File(PathBuf),
    /// A random key for this run only: fingerprints will not match another
    /// run's. The reason says why no key could be stored.
    Ephemeral(String),
}

struct Key {
    bytes: [u8; 32],
    source: KeySource,
}

/// Where the key came from, once a fingerprint has been made; `None` when
/// no fingerprint was needed in this process.
pub fn key_source() -> Option<KeySource> {
    KEY.get().map(|k| k.source.clone())
}

static KEY: OnceLock<Key> = OnceLock::new();

fn key() -> &'static Key {
    KEY.get_or_init(|| {
        if let Ok(k) = std::env::var(KEY_ENV) {
            if !k.is_empty() {
                let bytes = blake3::derive_key("stackaudit fingerprint key v1", k.as_bytes());
                return Key { bytes, source: KeySource::Environment };
            }
        }
        match load_or_create_key_file() {
            Ok((bytes, path)) => Key { bytes, source: KeySource::File(path) },
            Err(reason) => Key { bytes: random_key(), source: KeySource::Ephemeral(reason) },
        }
    })
}

fn key_file() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").filter(|v| !v.is_empty()).map(|h| PathBuf::from(h).join(".config")))?;
    Some(base.join("stackaudit").join("fingerprint.key"))
}

fn load_or_create_key_file() -> Result<([u8; 32], PathBuf), String> {
    let path = key_file().ok_or("neither XDG_CONFIG_HOME nor HOME is set")?;
    let shown = path.display().to_string();
    match read_key(&path) {
        Ok(Some(key)) => return Ok((key, path)),
        Ok(None) => {}
        Err(e) => return Err(format!("cannot read {shown}: {e}")),
    }
    let key = random_key();
    let parent = path.parent().ok_or_else(|| format!("{shown} has no folder"))?;
    std::fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    match write_private(&path, &key) {
        Ok(()) => Ok((key, path)),
        // Another process created it first: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => match read_key(&path) {
            Ok(Some(k)) => Ok((k, path)),
            _ => Err(format!("cannot read {shown} written by another process")),
        },
        Err(e) => Err(format!("cannot write {shown}: {e}")),
    }
}

/// The key file's 32 bytes; `Ok(None)` when there is no file yet. Read
/// through a cap: the path could be anything.
fn read_key(path: &std::path::Path) -> std::io::Result<Option<[u8; 32]>> {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    if !meta.is_file() {
        return Err(std::io::Error::other("not a regular file"));
    }
    let mut bytes = Vec::new();
    // Checked again on the opened file: a key swapped for a FIFO between
    // the check above and the open must not hang the scan.
    crate::collect::text::open_regular(path)
        .map_err(|e| std::io::Error::other(e.to_string()))?
        .take(33)
        .read_to_end(&mut bytes)?;
    let key: [u8; 32] = bytes.try_into().map_err(|_| std::io::Error::other("not a 32-byte key"))?;
    Ok(Some(key))
}

#[cfg(unix)]
fn write_private(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)?;
    f.write_all(bytes)
}

#[cfg(not(unix))]
fn write_private(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, bytes)
}

fn random_key() -> [u8; 32] {
    let mut key = [0u8; 32];
    let filled = std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut key)).is_ok();
    if !filled {
        // No OS randomness: derive from time and address-space layout; weaker,
        // but still not a plain hash of the secret.
        let seed = format!("{:?}{:p}", std::time::SystemTime::now(), &key);
        key = blake3::derive_key("stackaudit fallback key", seed.as_bytes());
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preview_shows_only_public_prefixes() {
        assert_eq!(preview("AKIAABCDEFGHIJKLMNOP"), "AKIA… (20 chars)");
        assert_eq!(preview("ghp_aB3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW3xY5"), "ghp_… (40 chars)");
        assert_eq!(preview("sk_live_YPD0VQoZaTvWUiqeWhK3g9Bd"), "sk_live_… (32 chars)");
        assert_eq!(preview("hunter2-Horse-9x"), "… (16 chars)");
        assert_eq!(preview("AKIA"), "… (4 chars)", "never more than half");
    }

    #[test]
    fn fingerprint_is_stable_and_not_a_plain_hash() {
        let f = fingerprint("s3cret-value");
        assert_eq!(f, fingerprint("s3cret-value"));
        assert_ne!(f, fingerprint("s3cret-valuf"));
        assert!(!f.contains(&blake3::hash(b"s3cret-value").to_hex()[..24]));
        assert!(key_source().is_some());
    }
}

/// What replaces a credential in a URL.
pub const MASKED: &str = "****";

/// `text` with the credentials of every URL in it masked: the password of
/// `scheme://user:password@host` always, and a lone `user@` of an
/// `http(s)://` URL (where it is usually a token). A URL given to
/// `--url`, `[[http]]` or `[[docker.hosts]]` is shown this way in every
/// report, error and log line; the connection itself uses the original.
pub fn redact_urls(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains("://") || !text.contains('@') {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some((before, after)) = rest.split_once("://") {
        let scheme: Vec<char> =
            before.chars().rev().take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')).collect();
        let scheme: String = scheme.iter().rev().collect::<String>().to_ascii_lowercase();
        out.push_str(before);
        out.push_str("://");
        // The authority ends at the path, query, fragment or anything that
        // cannot be in one (a quote or a space in a message).
        let end = after
            .find(|c: char| matches!(c, '/' | '?' | '#' | '"' | '\'' | '<' | '>' | '`') || c.is_whitespace())
            .unwrap_or(after.len());
        let (authority, tail) = after.split_at_checked(end).unwrap_or((after, ""));
        match authority.rsplit_once('@') {
            Some((userinfo, host)) => {
                match userinfo.split_once(':') {
                    Some((user, _)) => {
                        out.push_str(user);
                        out.push(':');
                        out.push_str(MASKED);
                    }
                    None if matches!(scheme.as_str(), "http" | "https") => out.push_str(MASKED),
                    None => out.push_str(userinfo),
                }
                out.push('@');
                out.push_str(host);
            }
            None => out.push_str(authority),
        }
        rest = tail;
    }
    out.push_str(rest);
    std::borrow::Cow::Owned(out)
}

/// The credential parts of a URL (`password`, or a lone `http(s)` user),
/// for [`register_secret`].
pub fn url_credentials(url: &str) -> Vec<String> {
    let Some((scheme, after)) = url.split_once("://") else { return Vec::new() };
    let authority = after.split(['/', '?', '#']).next().unwrap_or("");
    let Some((userinfo, _)) = authority.rsplit_once('@') else { return Vec::new() };
    match userinfo.split_once(':') {
        Some((_, password)) => vec![password.to_string()],
        None if matches!(scheme.to_ascii_lowercase().as_str(), "http" | "https") => vec![userinfo.to_string()],
        None => Vec::new(),
    }
    .into_iter()
    .filter(|s| s.len() >= 4)
    .flat_map(|s| {
        // As typed and percent-decoded: libraries log either form.
        let decoded = percent_decode(&s);
        if decoded != s {
            vec![s, decoded]
        } else {
            vec![s]
        }
    })
    .collect()
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let hex = |b: &u8| (*b as char).to_digit(16);
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match (b, bytes.get(i + 1).and_then(hex), bytes.get(i + 2).and_then(hex)) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Credentials the process was given (URL passwords), which no output may
/// show: the log writer replaces them, whatever library wrote the line and
/// in whatever shape (a client's `Debug` of its address has no `://`).
static KNOWN: std::sync::RwLock<Vec<String>> = std::sync::RwLock::new(Vec::new());

pub fn register_secret(value: String) {
    if value.len() < 4 {
        return;
    }
    if let Ok(mut known) = KNOWN.write() {
        if !known.contains(&value) {
            known.push(value);
            // Longest first, so one containing another is replaced whole.
            known.sort_by_key(|v| std::cmp::Reverse(v.len()));
        }
    }
}

/// `text` with URL credentials and every registered secret masked.
pub fn scrub(text: &str) -> std::borrow::Cow<'_, str> {
    let redacted = redact_urls(text);
    let known = match KNOWN.read() {
        Ok(k) => k,
        Err(_) => return redacted,
    };
    if !known.iter().any(|k| redacted.contains(k.as_str())) {
        return redacted;
    }
    let mut out = redacted.into_owned();
    for k in known.iter() {
        out = out.replace(k.as_str(), MASKED);
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod url_tests {
    use super::*;

    #[test]
    fn masks_url_credentials_wherever_they_are() {
        assert_eq!(redact_urls("http://admin:pw123456@h:8/x?y"), "http://admin:****@h:8/x?y");
        assert_eq!(redact_urls("tcp://ops:s3cr3tpw@10.0.0.1:2376"), "tcp://ops:****@10.0.0.1:2376");
        assert_eq!(redact_urls("https://ghp_token@github.test/r"), "https://****@github.test/r");
        assert_eq!(redact_urls("ssh://deploy@host:2222"), "ssh://deploy@host:2222");
        assert_eq!(
            redact_urls("error sending request for url (http://a:b1234567@h/): refused; see http://x@y/"),
            "error sending request for url (http://a:****@h/): refused; see http://****@y/"
        );
        assert_eq!(redact_urls("no url user@host"), "no url user@host");
        assert_eq!(redact_urls("http://h/a@b"), "http://h/a@b", "an @ in the path is not userinfo");
        assert_eq!(redact_urls("é://x:y@z ü"), "é://x:****@z ü");
        assert_eq!(url_credentials("http://admin:p%40ssw0rd@h/"), ["p%40ssw0rd", "p@ssw0rd"]);
        assert_eq!(url_credentials("ssh://deploy@host:22"), Vec::<String>::new());
    }
}
