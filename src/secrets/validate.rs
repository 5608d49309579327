//! Structural checks a match must pass beyond its regex: a private key body
//! that does not decode to a key (a truncated example, "bad content", an
//! empty envelope) is not key material, and a JWT whose header is not JSON
//! is not a token.

use base64::Engine as _;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Validator {
    PrivateKey,
    Jwt,
}

impl Validator {
    pub fn parse(name: &str) -> Result<Self, String> {
        match name {
            "private-key" => Ok(Self::PrivateKey),
            "jwt" => Ok(Self::Jwt),
            other => Err(format!("unknown validator {other:?} (known: private-key, jwt)")),
        }
    }

    /// `whole` is the rule's whole match, `secret` the captured secret.
    pub fn accepts(self, whole: &[u8], secret: &str) -> bool {
        match self {
            Self::PrivateKey => private_key(whole, secret),
            Self::Jwt => jwt(secret),
        }
    }
}

/// The smallest decoded key we accept: an Ed25519 key in PKCS#8 is 48 bytes.
const MIN_KEY_BYTES: usize = 40;

fn private_key(whole: &[u8], body: &str) -> bool {
    let head = whole.get(..whole.len().min(120)).unwrap_or(whole);
    let head = String::from_utf8_lossy(head);
    let encrypted_legacy = contains(whole, b"Proc-Type: 4,ENCRYPTED");
    // A JSON Web Key: the match starts at one of its members.
    let jwk = head.trim_start().starts_with(['"', '{']);
    let bytes = if jwk { decode_url(body) } else { decode_std(body) };
    let Some(bytes) = bytes else { return false };
    if bytes.len() < MIN_KEY_BYTES {
        return false;
    }
    if head.contains("OPENSSH PRIVATE KEY") {
        return bytes.starts_with(b"openssh-key-v1\0");
    }
    if head.contains("SSH2 ENCRYPTED PRIVATE KEY") {
        return bytes.starts_with(&[0x3f, 0x6f, 0xf9, 0xeb]);
    }
    if head.contains("PGP PRIVATE KEY BLOCK") {
        return pgp_secret_key_packet(&bytes);
    }
    if head.contains("PuTTY-User-Key-File") || jwk {
        // The container's own syntax was matched; the private part must be
        // real data, not a stub.
        return true;
    }
    if encrypted_legacy {
        // Encrypted with a block cipher: random-looking, a whole number of
        // blocks.
        return bytes.len() % 8 == 0;
    }
    der_sequence_spans(&bytes)
}

/// DER: one SEQUENCE whose length is exactly the rest of the data. A
/// truncated or made-up body fails this.
fn der_sequence_spans(bytes: &[u8]) -> bool {
    let [0x30, first, rest @ ..] = bytes else { return false };
    let (len, header) = match *first {
        n if n < 0x80 => (n as usize, 2usize),
        0x81 => match rest {
            [a, ..] => (*a as usize, 3),
            _ => return false,
        },
        0x82 => match rest {
            [a, b, ..] => (((*a as usize) << 8) | *b as usize, 4),
            _ => return false,
        },
        0x83 => match rest {
            [a, b, c, ..] => (((*a as usize) << 16) | ((*b as usize) << 8) | *c as usize, 5),
            _ => return false,
        },
        _ => return false,
    };
    header + len == bytes.len()
}

/// OpenPGP: the first packet is a secret key (tag 5).
fn pgp_secret_key_packet(bytes: &[u8]) -> bool {
    let Some(&b) = bytes.first() else { return false };
    if b & 0x80 == 0 {
        return false;
    }
    let tag = if b & 0x40 != 0 { b & 0x3f } else { (b >> 2) & 0x0f };
    tag == 5
}

fn jwt(token: &str) -> bool {
    let Some(header) = token.split('.').next() else { return false };
    let Some(bytes) = decode_url(header) else { return false };
    let Ok(json) = serde_json::from_slice::<serde_json::Value>(&bytes) else { return false };
    json.get("alg").is_some_and(|a| a.is_string())
}

/// Base64 with the line breaks, JSON-escaped newlines and armour checksum
/// of a PEM body removed.
fn decode_std(body: &str) -> Option<Vec<u8>> {
    let mut compact = String::with_capacity(body.len());
    for line in body.replace("\\n", "\n").replace("\\r", "\n").lines() {
        let line = line.trim();
        // `=AbCd`: the OpenPGP armour checksum line.
        if line.starts_with('=') && line.len() == 5 {
            continue;
        }
        compact.push_str(line);
    }
    let engine = base64::engine::general_purpose::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
    );
    engine.decode(compact.as_bytes()).ok()
}

fn decode_url(text: &str) -> Option<Vec<u8>> {
    let engine = base64::engine::general_purpose::GeneralPurpose::new(
        &base64::alphabet::URL_SAFE,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
    );
    engine.decode(text.trim().as_bytes()).ok()
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    memchr::memmem::find(hay, needle).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(bytes: &[u8]) -> String {
        base64::engine::general_purpose::STANDARD.encode(bytes)
    }

    #[test]
    fn der_keys_must_span_their_declared_length() {
        let mut key = vec![0x30, 0x81, 100];
        key.extend(std::iter::repeat_n(7u8, 100));
        let whole = b"-----BEGIN RSA PRIVATE KEY-----";
        assert!(Validator::PrivateKey.accepts(whole, &b64(&key)));
        key.pop();
        assert!(!Validator::PrivateKey.accepts(whole, &b64(&key)), "truncated");
        assert!(!Validator::PrivateKey.accepts(whole, "bad content"));
        assert!(!Validator::PrivateKey.accepts(whole, ""));
    }

    #[test]
    fn openssh_and_pgp_containers() {
        let mut ssh = b"openssh-key-v1\0".to_vec();
        ssh.extend(std::iter::repeat_n(1u8, 60));
        assert!(Validator::PrivateKey.accepts(b"-----BEGIN OPENSSH PRIVATE KEY-----", &b64(&ssh)));
        let mut pgp = vec![0x95, 0x03, 0x00];
        pgp.extend(std::iter::repeat_n(2u8, 60));
        assert!(Validator::PrivateKey.accepts(b"-----BEGIN PGP PRIVATE KEY BLOCK-----", &b64(&pgp)));
        pgp[0] = 0x99; // a public key packet (tag 6)
        assert!(!Validator::PrivateKey.accepts(b"-----BEGIN PGP PRIVATE KEY BLOCK-----", &b64(&pgp)));
    }

    #[test]
    fn jwt_header_is_json_with_alg() {
        assert!(Validator::Jwt.accepts(b"", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"));
        assert!(!Validator::Jwt.accepts(b"", "eyJub3RqdXN0.eyJ4.c2ln"));
    }
}
