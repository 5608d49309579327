//! Hand-built ClientHellos. rustls only speaks TLS 1.2 and 1.3, and no TLS
//! library will offer SSLv3 or export suites any more, so the probe writes
//! the bytes itself. The hello looks like a real client's (SNI, supported
//! groups, point formats, signature algorithms, padding), because servers
//! that see a bare hello fall back to odd answers: no ECDHE without
//! `supported_groups`, no TLS 1.2 RSA-PSS without `signature_algorithms`,
//! some middleboxes drop hellos between 256 and 511 bytes (RFC 7685).

use super::version::Version;

const HANDSHAKE: u8 = 22;
const CLIENT_HELLO: u8 = 1;

/// Groups offered: X25519, P-256, P-384, P-521, ffdhe2048, ffdhe3072.
const GROUPS: [u16; 6] = [0x001d, 0x0017, 0x0018, 0x0019, 0x0100, 0x0101];

/// Signature schemes, modern first, then the SHA-1 and MD5 ones old servers
/// and weak certificates need.
const SIGNATURE_SCHEMES: [u16; 16] = [
    0x0403, 0x0503, 0x0603, // ecdsa_secp{256,384,521}r1_sha{256,384,512}
    0x0804, 0x0805, 0x0806, // rsa_pss_rsae_sha*
    0x0807, 0x0808, // ed25519, ed448
    0x0401, 0x0501, 0x0601, // rsa_pkcs1_sha*
    0x0809, 0x080a, 0x080b, // rsa_pss_pss_sha*
    0x0201, 0x0203, // rsa_pkcs1_sha1, ecdsa_sha1
];

/// The TLS record carrying a ClientHello for `version`, offering `suites`.
/// `sni` is sent unless it is an IP address (RFC 6066 forbids those).
pub fn client_hello(version: Version, suites: &[u16], sni: Option<&str>, random: [u8; 32]) -> Vec<u8> {
    let mut body = Vec::with_capacity(512);
    // TLS 1.3 keeps 1.2 in the legacy field and says 1.3 in an extension.
    let legacy = if version == Version::Tls13 { Version::Tls12 } else { version };
    put_u16(&mut body, legacy.wire());
    body.extend_from_slice(&random);
    // A 32-byte session ID: TLS 1.3 middlebox compatibility mode (RFC 8446
    // D.4); harmless for older versions.
    body.push(32);
    body.extend_from_slice(&random.map(|b| b.rotate_left(3)));
    put_u16(&mut body, (suites.len() * 2) as u16);
    for s in suites {
        put_u16(&mut body, *s);
    }
    body.extend_from_slice(&[1, 0]); // compression: null only

    let mut ext = Vec::with_capacity(256);
    if let Some(name) = sni.filter(|n| n.parse::<std::net::IpAddr>().is_err() && !n.is_empty()) {
        let name = name.as_bytes();
        let mut e = Vec::new();
        put_u16(&mut e, (name.len() + 3) as u16);
        e.push(0); // host_name
        put_u16(&mut e, name.len() as u16);
        e.extend_from_slice(name);
        put_ext(&mut ext, 0x0000, &e);
    }
    if version != Version::Ssl3 {
        let mut groups = Vec::new();
        put_u16(&mut groups, (GROUPS.len() * 2) as u16);
        GROUPS.iter().for_each(|g| put_u16(&mut groups, *g));
        put_ext(&mut ext, 0x000a, &groups); // supported_groups
        put_ext(&mut ext, 0x000b, &[1, 0]); // ec_point_formats: uncompressed
        let mut sigs = Vec::new();
        put_u16(&mut sigs, (SIGNATURE_SCHEMES.len() * 2) as u16);
        SIGNATURE_SCHEMES.iter().for_each(|s| put_u16(&mut sigs, *s));
        put_ext(&mut ext, 0x000d, &sigs); // signature_algorithms
        put_ext(&mut ext, 0xff01, &[0]); // renegotiation_info (empty)
        put_ext(&mut ext, 0x0017, &[]); // extended_master_secret
    }
    if version == Version::Tls13 {
        put_ext(&mut ext, 0x002b, &[2, 0x03, 0x04]); // supported_versions: 1.3
        put_ext(&mut ext, 0x002d, &[1, 1]); // psk_key_exchange_modes: psk_dhe_ke
                                            // key_share: one X25519 share. Any 32 bytes are a valid X25519
                                            // public key; the handshake is abandoned after the ServerHello.
        let mut ks = Vec::new();
        put_u16(&mut ks, 36);
        put_u16(&mut ks, 0x001d);
        put_u16(&mut ks, 32);
        ks.extend_from_slice(&random.map(|b| b ^ 0x5a));
        put_ext(&mut ext, 0x0033, &ks);
    }
    // Padding to a 512-byte hello (RFC 7685).
    let without_padding = 4 + body.len() + 2 + ext.len();
    if version != Version::Ssl3 && without_padding < 512 {
        let pad = (512 - without_padding).saturating_sub(4);
        put_ext(&mut ext, 0x0015, &vec![0; pad]);
    }
    if !ext.is_empty() {
        put_u16(&mut body, ext.len() as u16);
        body.extend_from_slice(&ext);
    }

    let mut handshake = Vec::with_capacity(body.len() + 4);
    handshake.push(CLIENT_HELLO);
    handshake.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    handshake.extend_from_slice(&body);

    let mut record = Vec::with_capacity(handshake.len() + 5);
    record.push(HANDSHAKE);
    // Record layer version: 1.0 for everything but SSLv3, as browsers do
    // (some servers reject higher record versions on the first flight).
    put_u16(&mut record, if version == Version::Ssl3 { 0x0300 } else { 0x0301 });
    put_u16(&mut record, handshake.len() as u16);
    record.extend_from_slice(&handshake);
    record
}

fn put_u16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_be_bytes());
}

fn put_ext(out: &mut Vec<u8>, kind: u16, data: &[u8]) {
    put_u16(out, kind);
    put_u16(out, data.len() as u16);
    out.extend_from_slice(data);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_parser_reads_back_every_hello() {
        for v in Version::ALL {
            let rec = client_hello(v, &[0xc02f, 0x002f, 0x1301], Some("example.test"), [7; 32]);
            let (rest, parsed) = tls_parser::parse_tls_plaintext(&rec).expect("parses");
            assert!(rest.is_empty());
            let tls_parser::TlsMessage::Handshake(tls_parser::TlsMessageHandshake::ClientHello(ch)) = &parsed.msg[0]
            else {
                panic!("not a ClientHello: {parsed:?}");
            };
            assert_eq!(ch.ciphers.len(), 3);
            if v != Version::Ssl3 {
                assert!(rec.len() >= 512 + 5, "{v:?} hello is {} bytes", rec.len());
            }
        }
    }

    #[test]
    fn no_sni_for_ip_addresses() {
        let with_ip = client_hello(Version::Tls12, &[0x002f], Some("127.0.0.1"), [1; 32]);
        assert!(!with_ip.windows(9).any(|w| w == b"127.0.0.1"));
    }
}
