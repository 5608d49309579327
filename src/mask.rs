//! Showing a secret without revealing it: a short preview and a keyed
//! fingerprint. Nothing else about a secret value may leave a collector.

use std::io::Read;
use std::path::PathBuf;
use std::sync::OnceLock;

/// Environment variable holding the fingerprint key (any string; it is
/// hashed into a 32-byte key).
pub const KEY_ENV: &str = "STACKAUDIT_FINGERPRINT_KEY";

/// At most the first four characters and the length: `AKIA… (20 chars)`.
/// Short values show fewer characters, so a preview never gives away more
/// than a quarter of the secret.
pub fn preview(value: &str) -> String {
    let len = value.chars().count();
    let shown = (len / 4).min(4);
    let head: String = value.chars().take(shown).collect();
    format!("{head}… ({len} chars)")
}

/// A keyed BLAKE3 hash of the value, hex, 24 characters: the same secret
/// gives the same fingerprint on this installation (so it can be tracked and
/// deduplicated) while a plain dictionary attack on the fingerprint fails
/// without the key.
pub fn fingerprint(value: &str) -> String {
    let hash = blake3::keyed_hash(key(), value.as_bytes());
    format!("bk:{}", &hash.to_hex()[..24])
}

fn key() -> &'static [u8; 32] {
    static KEY: OnceLock<[u8; 32]> = OnceLock::new();
    KEY.get_or_init(|| {
        if let Ok(k) = std::env::var(KEY_ENV) {
            if !k.is_empty() {
                return blake3::derive_key("stackaudit fingerprint key v1", k.as_bytes());
            }
        }
        load_or_create_key_file().unwrap_or_else(random_key)
    })
}

fn key_file() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(base.join("stackaudit").join("fingerprint.key"))
}

fn load_or_create_key_file() -> Option<[u8; 32]> {
    let path = key_file()?;
    if let Ok(bytes) = std::fs::read(&path) {
        if bytes.len() == 32 {
            let mut key = [0u8; 32];
            key.copy_from_slice(&bytes);
            return Some(key);
        }
    }
    let key = random_key();
    std::fs::create_dir_all(path.parent()?).ok()?;
    write_private(&path, &key).ok()?;
    Some(key)
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
    fn preview_shows_at_most_a_quarter() {
        assert_eq!(preview("AKIAABCDEFGHIJKLMNOP"), "AKIA… (20 chars)");
        assert_eq!(preview("hunter2"), "h… (7 chars)");
        assert_eq!(preview("abc"), "… (3 chars)");
    }

    #[test]
    fn fingerprint_is_stable_and_not_a_plain_hash() {
        let f = fingerprint("s3cret-value");
        assert_eq!(f, fingerprint("s3cret-value"));
        assert_ne!(f, fingerprint("s3cret-valuf"));
        assert!(!f.contains(&blake3::hash(b"s3cret-value").to_hex()[..24]));
    }
}
