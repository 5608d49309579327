//! The TLS 1.2-and-earlier cipher suites OpenSSL has known, with the
//! attributes its cipher-string aliases select on (`man ciphers`, "CIPHER
//! SUITE NAMES" and "CIPHER STRINGS"). TLS 1.3 suites are not here:
//! `ssl_ciphers` does not configure them and all of them are strong.
//!
//! The table holds the suites current OpenSSL builds plus the ones older or
//! differently configured builds still offer (RC4, DES, 3DES, EXPORT, IDEA,
//! SEED), so a cipher string is judged by everything it lets in, whichever
//! OpenSSL the server is linked with.

/// The lowest protocol version a suite can be used with (the alias
/// `SSLv3`, `TLSv1`, `TLSv1.2` selects on it exactly).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proto {
    Ssl3,
    Tls1,
    Tls12,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kx {
    Rsa,
    Dhe,
    Ecdhe,
    Psk,
    RsaPsk,
    DhePsk,
    EcdhePsk,
    Srp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Au {
    Rsa,
    Dss,
    Ecdsa,
    Psk,
    Srp,
    /// Anonymous: no authentication at all.
    Null,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Enc {
    Aes,
    AesGcm,
    AesCcm,
    AesCcm8,
    Aria,
    AriaGcm,
    Camellia,
    Chacha20,
    TripleDes,
    Des,
    Rc4,
    Rc2,
    Idea,
    Seed,
    /// No encryption.
    Null,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mac {
    Aead,
    Md5,
    Sha1,
    Sha256,
    Sha384,
}

/// OpenSSL's strength classes (as of 1.1.0, where 3DES moved to MEDIUM).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strength {
    High,
    Medium,
    Low,
    Export,
    /// eNULL suites: no encryption.
    None,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Suite {
    pub name: &'static str,
    pub proto: Proto,
    pub kx: Kx,
    pub au: Au,
    pub enc: Enc,
    /// Key size of the cipher as OpenSSL prints it (`AES(128)`, `DES(40)`).
    pub bits: u16,
    pub mac: Mac,
    pub export: bool,
}

impl Suite {
    pub fn strength(&self) -> Strength {
        if self.export {
            return Strength::Export;
        }
        match self.enc {
            Enc::Null => Strength::None,
            Enc::Des | Enc::Rc2 => Strength::Low,
            Enc::TripleDes | Enc::Rc4 | Enc::Idea | Enc::Seed => Strength::Medium,
            _ => Strength::High,
        }
    }

    /// Security bits as OpenSSL rates the cipher (3DES: 112).
    pub fn strength_bits(&self) -> u16 {
        match self.enc {
            Enc::TripleDes => 112,
            _ => self.bits,
        }
    }

    /// Key exchange with forward secrecy.
    pub fn forward_secret(&self) -> bool {
        matches!(self.kx, Kx::Dhe | Kx::Ecdhe | Kx::DhePsk | Kx::EcdhePsk)
    }
}

const fn s(name: &'static str, proto: Proto, kx: Kx, au: Au, enc: Enc, bits: u16, mac: Mac) -> Suite {
    Suite { name, proto, kx, au, enc, bits, mac, export: false }
}

const fn x(name: &'static str, kx: Kx, au: Au, enc: Enc, bits: u16, mac: Mac) -> Suite {
    Suite { name, proto: Proto::Ssl3, kx, au, enc, bits, mac, export: true }
}

/// Every suite, in OpenSSL's default preference order for the ones current
/// builds have, then the older ones.
pub static SUITES: &[Suite] = &[
    s("ECDHE-ECDSA-AES256-GCM-SHA384", Proto::Tls12, Kx::Ecdhe, Au::Ecdsa, Enc::AesGcm, 256, Mac::Aead),
    s("ECDHE-RSA-AES256-GCM-SHA384", Proto::Tls12, Kx::Ecdhe, Au::Rsa, Enc::AesGcm, 256, Mac::Aead),
    s("DHE-DSS-AES256-GCM-SHA384", Proto::Tls12, Kx::Dhe, Au::Dss, Enc::AesGcm, 256, Mac::Aead),
    s("DHE-RSA-AES256-GCM-SHA384", Proto::Tls12, Kx::Dhe, Au::Rsa, Enc::AesGcm, 256, Mac::Aead),
    s("ECDHE-ECDSA-CHACHA20-POLY1305", Proto::Tls12, Kx::Ecdhe, Au::Ecdsa, Enc::Chacha20, 256, Mac::Aead),
    s("ECDHE-RSA-CHACHA20-POLY1305", Proto::Tls12, Kx::Ecdhe, Au::Rsa, Enc::Chacha20, 256, Mac::Aead),
    s("DHE-RSA-CHACHA20-POLY1305", Proto::Tls12, Kx::Dhe, Au::Rsa, Enc::Chacha20, 256, Mac::Aead),
    s("ECDHE-ECDSA-AES256-CCM8", Proto::Tls12, Kx::Ecdhe, Au::Ecdsa, Enc::AesCcm8, 256, Mac::Aead),
    s("ECDHE-ECDSA-AES256-CCM", Proto::Tls12, Kx::Ecdhe, Au::Ecdsa, Enc::AesCcm, 256, Mac::Aead),
    s("DHE-RSA-AES256-CCM8", Proto::Tls12, Kx::Dhe, Au::Rsa, Enc::AesCcm8, 256, Mac::Aead),
    s("DHE-RSA-AES256-CCM", Proto::Tls12, Kx::Dhe, Au::Rsa, Enc::AesCcm, 256, Mac::Aead),
    s("ECDHE-ECDSA-ARIA256-GCM-SHA384", Proto::Tls12, Kx::Ecdhe, Au::Ecdsa, Enc::AriaGcm, 256, Mac::Aead),
    s("ECDHE-ARIA256-GCM-SHA384", Proto::Tls12, Kx::Ecdhe, Au::Rsa, Enc::AriaGcm, 256, Mac::Aead),
    s("DHE-DSS-ARIA256-GCM-SHA384", Proto::Tls12, Kx::Dhe, Au::Dss, Enc::AriaGcm, 256, Mac::Aead),
    s("DHE-RSA-ARIA256-GCM-SHA384", Proto::Tls12, Kx::Dhe, Au::Rsa, Enc::AriaGcm, 256, Mac::Aead),
    s("ADH-AES256-GCM-SHA384", Proto::Tls12, Kx::Dhe, Au::Null, Enc::AesGcm, 256, Mac::Aead),
    s("ECDHE-ECDSA-AES128-GCM-SHA256", Proto::Tls12, Kx::Ecdhe, Au::Ecdsa, Enc::AesGcm, 128, Mac::Aead),
    s("ECDHE-RSA-AES128-GCM-SHA256", Proto::Tls12, Kx::Ecdhe, Au::Rsa, Enc::AesGcm, 128, Mac::Aead),
    s("DHE-DSS-AES128-GCM-SHA256", Proto::Tls12, Kx::Dhe, Au::Dss, Enc::AesGcm, 128, Mac::Aead),
    s("DHE-RSA-AES128-GCM-SHA256", Proto::Tls12, Kx::Dhe, Au::Rsa, Enc::AesGcm, 128, Mac::Aead),
    s("ECDHE-ECDSA-AES128-CCM8", Proto::Tls12, Kx::Ecdhe, Au::Ecdsa, Enc::AesCcm8, 128, Mac::Aead),
    s("ECDHE-ECDSA-AES128-CCM", Proto::Tls12, Kx::Ecdhe, Au::Ecdsa, Enc::AesCcm, 128, Mac::Aead),
    s("DHE-RSA-AES128-CCM8", Proto::Tls12, Kx::Dhe, Au::Rsa, Enc::AesCcm8, 128, Mac::Aead),
    s("DHE-RSA-AES128-CCM", Proto::Tls12, Kx::Dhe, Au::Rsa, Enc::AesCcm, 128, Mac::Aead),
    s("ECDHE-ECDSA-ARIA128-GCM-SHA256", Proto::Tls12, Kx::Ecdhe, Au::Ecdsa, Enc::AriaGcm, 128, Mac::Aead),
    s("ECDHE-ARIA128-GCM-SHA256", Proto::Tls12, Kx::Ecdhe, Au::Rsa, Enc::AriaGcm, 128, Mac::Aead),
    s("DHE-DSS-ARIA128-GCM-SHA256", Proto::Tls12, Kx::Dhe, Au::Dss, Enc::AriaGcm, 128, Mac::Aead),
    s("DHE-RSA-ARIA128-GCM-SHA256", Proto::Tls12, Kx::Dhe, Au::Rsa, Enc::AriaGcm, 128, Mac::Aead),
    s("ADH-AES128-GCM-SHA256", Proto::Tls12, Kx::Dhe, Au::Null, Enc::AesGcm, 128, Mac::Aead),
    s("ECDHE-ECDSA-AES256-SHA384", Proto::Tls12, Kx::Ecdhe, Au::Ecdsa, Enc::Aes, 256, Mac::Sha384),
    s("ECDHE-RSA-AES256-SHA384", Proto::Tls12, Kx::Ecdhe, Au::Rsa, Enc::Aes, 256, Mac::Sha384),
    s("DHE-RSA-AES256-SHA256", Proto::Tls12, Kx::Dhe, Au::Rsa, Enc::Aes, 256, Mac::Sha256),
    s("DHE-DSS-AES256-SHA256", Proto::Tls12, Kx::Dhe, Au::Dss, Enc::Aes, 256, Mac::Sha256),
    s("ECDHE-ECDSA-CAMELLIA256-SHA384", Proto::Tls12, Kx::Ecdhe, Au::Ecdsa, Enc::Camellia, 256, Mac::Sha384),
    s("ECDHE-RSA-CAMELLIA256-SHA384", Proto::Tls12, Kx::Ecdhe, Au::Rsa, Enc::Camellia, 256, Mac::Sha384),
    s("DHE-RSA-CAMELLIA256-SHA256", Proto::Tls12, Kx::Dhe, Au::Rsa, Enc::Camellia, 256, Mac::Sha256),
    s("DHE-DSS-CAMELLIA256-SHA256", Proto::Tls12, Kx::Dhe, Au::Dss, Enc::Camellia, 256, Mac::Sha256),
    s("ADH-AES256-SHA256", Proto::Tls12, Kx::Dhe, Au::Null, Enc::Aes, 256, Mac::Sha256),
    s("ADH-CAMELLIA256-SHA256", Proto::Tls12, Kx::Dhe, Au::Null, Enc::Camellia, 256, Mac::Sha256),
    s("ECDHE-ECDSA-AES128-SHA256", Proto::Tls12, Kx::Ecdhe, Au::Ecdsa, Enc::Aes, 128, Mac::Sha256),
    s("ECDHE-RSA-AES128-SHA256", Proto::Tls12, Kx::Ecdhe, Au::Rsa, Enc::Aes, 128, Mac::Sha256),
    s("DHE-RSA-AES128-SHA256", Proto::Tls12, Kx::Dhe, Au::Rsa, Enc::Aes, 128, Mac::Sha256),
    s("DHE-DSS-AES128-SHA256", Proto::Tls12, Kx::Dhe, Au::Dss, Enc::Aes, 128, Mac::Sha256),
    s("ECDHE-ECDSA-CAMELLIA128-SHA256", Proto::Tls12, Kx::Ecdhe, Au::Ecdsa, Enc::Camellia, 128, Mac::Sha256),
    s("ECDHE-RSA-CAMELLIA128-SHA256", Proto::Tls12, Kx::Ecdhe, Au::Rsa, Enc::Camellia, 128, Mac::Sha256),
    s("DHE-RSA-CAMELLIA128-SHA256", Proto::Tls12, Kx::Dhe, Au::Rsa, Enc::Camellia, 128, Mac::Sha256),
    s("DHE-DSS-CAMELLIA128-SHA256", Proto::Tls12, Kx::Dhe, Au::Dss, Enc::Camellia, 128, Mac::Sha256),
    s("ADH-AES128-SHA256", Proto::Tls12, Kx::Dhe, Au::Null, Enc::Aes, 128, Mac::Sha256),
    s("ADH-CAMELLIA128-SHA256", Proto::Tls12, Kx::Dhe, Au::Null, Enc::Camellia, 128, Mac::Sha256),
    s("ECDHE-ECDSA-AES256-SHA", Proto::Tls1, Kx::Ecdhe, Au::Ecdsa, Enc::Aes, 256, Mac::Sha1),
    s("ECDHE-RSA-AES256-SHA", Proto::Tls1, Kx::Ecdhe, Au::Rsa, Enc::Aes, 256, Mac::Sha1),
    s("DHE-RSA-AES256-SHA", Proto::Ssl3, Kx::Dhe, Au::Rsa, Enc::Aes, 256, Mac::Sha1),
    s("DHE-DSS-AES256-SHA", Proto::Ssl3, Kx::Dhe, Au::Dss, Enc::Aes, 256, Mac::Sha1),
    s("DHE-RSA-CAMELLIA256-SHA", Proto::Ssl3, Kx::Dhe, Au::Rsa, Enc::Camellia, 256, Mac::Sha1),
    s("DHE-DSS-CAMELLIA256-SHA", Proto::Ssl3, Kx::Dhe, Au::Dss, Enc::Camellia, 256, Mac::Sha1),
    s("AECDH-AES256-SHA", Proto::Tls1, Kx::Ecdhe, Au::Null, Enc::Aes, 256, Mac::Sha1),
    s("ADH-AES256-SHA", Proto::Ssl3, Kx::Dhe, Au::Null, Enc::Aes, 256, Mac::Sha1),
    s("ADH-CAMELLIA256-SHA", Proto::Ssl3, Kx::Dhe, Au::Null, Enc::Camellia, 256, Mac::Sha1),
    s("ECDHE-ECDSA-AES128-SHA", Proto::Tls1, Kx::Ecdhe, Au::Ecdsa, Enc::Aes, 128, Mac::Sha1),
    s("ECDHE-RSA-AES128-SHA", Proto::Tls1, Kx::Ecdhe, Au::Rsa, Enc::Aes, 128, Mac::Sha1),
    s("DHE-RSA-AES128-SHA", Proto::Ssl3, Kx::Dhe, Au::Rsa, Enc::Aes, 128, Mac::Sha1),
    s("DHE-DSS-AES128-SHA", Proto::Ssl3, Kx::Dhe, Au::Dss, Enc::Aes, 128, Mac::Sha1),
    s("DHE-RSA-CAMELLIA128-SHA", Proto::Ssl3, Kx::Dhe, Au::Rsa, Enc::Camellia, 128, Mac::Sha1),
    s("DHE-DSS-CAMELLIA128-SHA", Proto::Ssl3, Kx::Dhe, Au::Dss, Enc::Camellia, 128, Mac::Sha1),
    s("AECDH-AES128-SHA", Proto::Tls1, Kx::Ecdhe, Au::Null, Enc::Aes, 128, Mac::Sha1),
    s("ADH-AES128-SHA", Proto::Ssl3, Kx::Dhe, Au::Null, Enc::Aes, 128, Mac::Sha1),
    s("ADH-CAMELLIA128-SHA", Proto::Ssl3, Kx::Dhe, Au::Null, Enc::Camellia, 128, Mac::Sha1),
    s("RSA-PSK-AES256-GCM-SHA384", Proto::Tls12, Kx::RsaPsk, Au::Rsa, Enc::AesGcm, 256, Mac::Aead),
    s("DHE-PSK-AES256-GCM-SHA384", Proto::Tls12, Kx::DhePsk, Au::Psk, Enc::AesGcm, 256, Mac::Aead),
    s("RSA-PSK-CHACHA20-POLY1305", Proto::Tls12, Kx::RsaPsk, Au::Rsa, Enc::Chacha20, 256, Mac::Aead),
    s("DHE-PSK-CHACHA20-POLY1305", Proto::Tls12, Kx::DhePsk, Au::Psk, Enc::Chacha20, 256, Mac::Aead),
    s("ECDHE-PSK-CHACHA20-POLY1305", Proto::Tls12, Kx::EcdhePsk, Au::Psk, Enc::Chacha20, 256, Mac::Aead),
    s("DHE-PSK-AES256-CCM8", Proto::Tls12, Kx::DhePsk, Au::Psk, Enc::AesCcm8, 256, Mac::Aead),
    s("DHE-PSK-AES256-CCM", Proto::Tls12, Kx::DhePsk, Au::Psk, Enc::AesCcm, 256, Mac::Aead),
    s("RSA-PSK-ARIA256-GCM-SHA384", Proto::Tls12, Kx::RsaPsk, Au::Rsa, Enc::AriaGcm, 256, Mac::Aead),
    s("DHE-PSK-ARIA256-GCM-SHA384", Proto::Tls12, Kx::DhePsk, Au::Psk, Enc::AriaGcm, 256, Mac::Aead),
    s("AES256-GCM-SHA384", Proto::Tls12, Kx::Rsa, Au::Rsa, Enc::AesGcm, 256, Mac::Aead),
    s("AES256-CCM8", Proto::Tls12, Kx::Rsa, Au::Rsa, Enc::AesCcm8, 256, Mac::Aead),
    s("AES256-CCM", Proto::Tls12, Kx::Rsa, Au::Rsa, Enc::AesCcm, 256, Mac::Aead),
    s("ARIA256-GCM-SHA384", Proto::Tls12, Kx::Rsa, Au::Rsa, Enc::AriaGcm, 256, Mac::Aead),
    s("PSK-AES256-GCM-SHA384", Proto::Tls12, Kx::Psk, Au::Psk, Enc::AesGcm, 256, Mac::Aead),
    s("PSK-CHACHA20-POLY1305", Proto::Tls12, Kx::Psk, Au::Psk, Enc::Chacha20, 256, Mac::Aead),
    s("PSK-AES256-CCM8", Proto::Tls12, Kx::Psk, Au::Psk, Enc::AesCcm8, 256, Mac::Aead),
    s("PSK-AES256-CCM", Proto::Tls12, Kx::Psk, Au::Psk, Enc::AesCcm, 256, Mac::Aead),
    s("PSK-ARIA256-GCM-SHA384", Proto::Tls12, Kx::Psk, Au::Psk, Enc::AriaGcm, 256, Mac::Aead),
    s("RSA-PSK-AES128-GCM-SHA256", Proto::Tls12, Kx::RsaPsk, Au::Rsa, Enc::AesGcm, 128, Mac::Aead),
    s("DHE-PSK-AES128-GCM-SHA256", Proto::Tls12, Kx::DhePsk, Au::Psk, Enc::AesGcm, 128, Mac::Aead),
    s("DHE-PSK-AES128-CCM8", Proto::Tls12, Kx::DhePsk, Au::Psk, Enc::AesCcm8, 128, Mac::Aead),
    s("DHE-PSK-AES128-CCM", Proto::Tls12, Kx::DhePsk, Au::Psk, Enc::AesCcm, 128, Mac::Aead),
    s("RSA-PSK-ARIA128-GCM-SHA256", Proto::Tls12, Kx::RsaPsk, Au::Rsa, Enc::AriaGcm, 128, Mac::Aead),
    s("DHE-PSK-ARIA128-GCM-SHA256", Proto::Tls12, Kx::DhePsk, Au::Psk, Enc::AriaGcm, 128, Mac::Aead),
    s("AES128-GCM-SHA256", Proto::Tls12, Kx::Rsa, Au::Rsa, Enc::AesGcm, 128, Mac::Aead),
    s("AES128-CCM8", Proto::Tls12, Kx::Rsa, Au::Rsa, Enc::AesCcm8, 128, Mac::Aead),
    s("AES128-CCM", Proto::Tls12, Kx::Rsa, Au::Rsa, Enc::AesCcm, 128, Mac::Aead),
    s("ARIA128-GCM-SHA256", Proto::Tls12, Kx::Rsa, Au::Rsa, Enc::AriaGcm, 128, Mac::Aead),
    s("PSK-AES128-GCM-SHA256", Proto::Tls12, Kx::Psk, Au::Psk, Enc::AesGcm, 128, Mac::Aead),
    s("PSK-AES128-CCM8", Proto::Tls12, Kx::Psk, Au::Psk, Enc::AesCcm8, 128, Mac::Aead),
    s("PSK-AES128-CCM", Proto::Tls12, Kx::Psk, Au::Psk, Enc::AesCcm, 128, Mac::Aead),
    s("PSK-ARIA128-GCM-SHA256", Proto::Tls12, Kx::Psk, Au::Psk, Enc::AriaGcm, 128, Mac::Aead),
    s("AES256-SHA256", Proto::Tls12, Kx::Rsa, Au::Rsa, Enc::Aes, 256, Mac::Sha256),
    s("CAMELLIA256-SHA256", Proto::Tls12, Kx::Rsa, Au::Rsa, Enc::Camellia, 256, Mac::Sha256),
    s("AES128-SHA256", Proto::Tls12, Kx::Rsa, Au::Rsa, Enc::Aes, 128, Mac::Sha256),
    s("CAMELLIA128-SHA256", Proto::Tls12, Kx::Rsa, Au::Rsa, Enc::Camellia, 128, Mac::Sha256),
    s("ECDHE-PSK-AES256-CBC-SHA384", Proto::Tls1, Kx::EcdhePsk, Au::Psk, Enc::Aes, 256, Mac::Sha384),
    s("ECDHE-PSK-AES256-CBC-SHA", Proto::Tls1, Kx::EcdhePsk, Au::Psk, Enc::Aes, 256, Mac::Sha1),
    s("SRP-DSS-AES-256-CBC-SHA", Proto::Ssl3, Kx::Srp, Au::Dss, Enc::Aes, 256, Mac::Sha1),
    s("SRP-RSA-AES-256-CBC-SHA", Proto::Ssl3, Kx::Srp, Au::Rsa, Enc::Aes, 256, Mac::Sha1),
    s("SRP-AES-256-CBC-SHA", Proto::Ssl3, Kx::Srp, Au::Srp, Enc::Aes, 256, Mac::Sha1),
    s("RSA-PSK-AES256-CBC-SHA384", Proto::Tls1, Kx::RsaPsk, Au::Rsa, Enc::Aes, 256, Mac::Sha384),
    s("DHE-PSK-AES256-CBC-SHA384", Proto::Tls1, Kx::DhePsk, Au::Psk, Enc::Aes, 256, Mac::Sha384),
    s("RSA-PSK-AES256-CBC-SHA", Proto::Ssl3, Kx::RsaPsk, Au::Rsa, Enc::Aes, 256, Mac::Sha1),
    s("DHE-PSK-AES256-CBC-SHA", Proto::Ssl3, Kx::DhePsk, Au::Psk, Enc::Aes, 256, Mac::Sha1),
    s("ECDHE-PSK-CAMELLIA256-SHA384", Proto::Tls1, Kx::EcdhePsk, Au::Psk, Enc::Camellia, 256, Mac::Sha384),
    s("RSA-PSK-CAMELLIA256-SHA384", Proto::Tls1, Kx::RsaPsk, Au::Rsa, Enc::Camellia, 256, Mac::Sha384),
    s("DHE-PSK-CAMELLIA256-SHA384", Proto::Tls1, Kx::DhePsk, Au::Psk, Enc::Camellia, 256, Mac::Sha384),
    s("AES256-SHA", Proto::Ssl3, Kx::Rsa, Au::Rsa, Enc::Aes, 256, Mac::Sha1),
    s("CAMELLIA256-SHA", Proto::Ssl3, Kx::Rsa, Au::Rsa, Enc::Camellia, 256, Mac::Sha1),
    s("PSK-AES256-CBC-SHA384", Proto::Tls1, Kx::Psk, Au::Psk, Enc::Aes, 256, Mac::Sha384),
    s("PSK-AES256-CBC-SHA", Proto::Ssl3, Kx::Psk, Au::Psk, Enc::Aes, 256, Mac::Sha1),
    s("PSK-CAMELLIA256-SHA384", Proto::Tls1, Kx::Psk, Au::Psk, Enc::Camellia, 256, Mac::Sha384),
    s("ECDHE-PSK-AES128-CBC-SHA256", Proto::Tls1, Kx::EcdhePsk, Au::Psk, Enc::Aes, 128, Mac::Sha256),
    s("ECDHE-PSK-AES128-CBC-SHA", Proto::Tls1, Kx::EcdhePsk, Au::Psk, Enc::Aes, 128, Mac::Sha1),
    s("SRP-DSS-AES-128-CBC-SHA", Proto::Ssl3, Kx::Srp, Au::Dss, Enc::Aes, 128, Mac::Sha1),
    s("SRP-RSA-AES-128-CBC-SHA", Proto::Ssl3, Kx::Srp, Au::Rsa, Enc::Aes, 128, Mac::Sha1),
    s("SRP-AES-128-CBC-SHA", Proto::Ssl3, Kx::Srp, Au::Srp, Enc::Aes, 128, Mac::Sha1),
    s("RSA-PSK-AES128-CBC-SHA256", Proto::Tls1, Kx::RsaPsk, Au::Rsa, Enc::Aes, 128, Mac::Sha256),
    s("DHE-PSK-AES128-CBC-SHA256", Proto::Tls1, Kx::DhePsk, Au::Psk, Enc::Aes, 128, Mac::Sha256),
    s("RSA-PSK-AES128-CBC-SHA", Proto::Ssl3, Kx::RsaPsk, Au::Rsa, Enc::Aes, 128, Mac::Sha1),
    s("DHE-PSK-AES128-CBC-SHA", Proto::Ssl3, Kx::DhePsk, Au::Psk, Enc::Aes, 128, Mac::Sha1),
    s("ECDHE-PSK-CAMELLIA128-SHA256", Proto::Tls1, Kx::EcdhePsk, Au::Psk, Enc::Camellia, 128, Mac::Sha256),
    s("RSA-PSK-CAMELLIA128-SHA256", Proto::Tls1, Kx::RsaPsk, Au::Rsa, Enc::Camellia, 128, Mac::Sha256),
    s("DHE-PSK-CAMELLIA128-SHA256", Proto::Tls1, Kx::DhePsk, Au::Psk, Enc::Camellia, 128, Mac::Sha256),
    s("AES128-SHA", Proto::Ssl3, Kx::Rsa, Au::Rsa, Enc::Aes, 128, Mac::Sha1),
    s("CAMELLIA128-SHA", Proto::Ssl3, Kx::Rsa, Au::Rsa, Enc::Camellia, 128, Mac::Sha1),
    s("PSK-AES128-CBC-SHA256", Proto::Tls1, Kx::Psk, Au::Psk, Enc::Aes, 128, Mac::Sha256),
    s("PSK-AES128-CBC-SHA", Proto::Ssl3, Kx::Psk, Au::Psk, Enc::Aes, 128, Mac::Sha1),
    s("PSK-CAMELLIA128-SHA256", Proto::Tls1, Kx::Psk, Au::Psk, Enc::Camellia, 128, Mac::Sha256),
    s("ECDHE-ECDSA-NULL-SHA", Proto::Tls1, Kx::Ecdhe, Au::Ecdsa, Enc::Null, 0, Mac::Sha1),
    s("ECDHE-RSA-NULL-SHA", Proto::Tls1, Kx::Ecdhe, Au::Rsa, Enc::Null, 0, Mac::Sha1),
    s("AECDH-NULL-SHA", Proto::Tls1, Kx::Ecdhe, Au::Null, Enc::Null, 0, Mac::Sha1),
    s("NULL-SHA256", Proto::Tls12, Kx::Rsa, Au::Rsa, Enc::Null, 0, Mac::Sha256),
    s("ECDHE-PSK-NULL-SHA384", Proto::Tls1, Kx::EcdhePsk, Au::Psk, Enc::Null, 0, Mac::Sha384),
    s("ECDHE-PSK-NULL-SHA256", Proto::Tls1, Kx::EcdhePsk, Au::Psk, Enc::Null, 0, Mac::Sha256),
    s("ECDHE-PSK-NULL-SHA", Proto::Tls1, Kx::EcdhePsk, Au::Psk, Enc::Null, 0, Mac::Sha1),
    s("RSA-PSK-NULL-SHA384", Proto::Tls1, Kx::RsaPsk, Au::Rsa, Enc::Null, 0, Mac::Sha384),
    s("RSA-PSK-NULL-SHA256", Proto::Tls1, Kx::RsaPsk, Au::Rsa, Enc::Null, 0, Mac::Sha256),
    s("DHE-PSK-NULL-SHA384", Proto::Tls1, Kx::DhePsk, Au::Psk, Enc::Null, 0, Mac::Sha384),
    s("DHE-PSK-NULL-SHA256", Proto::Tls1, Kx::DhePsk, Au::Psk, Enc::Null, 0, Mac::Sha256),
    s("RSA-PSK-NULL-SHA", Proto::Ssl3, Kx::RsaPsk, Au::Rsa, Enc::Null, 0, Mac::Sha1),
    s("DHE-PSK-NULL-SHA", Proto::Ssl3, Kx::DhePsk, Au::Psk, Enc::Null, 0, Mac::Sha1),
    s("NULL-SHA", Proto::Ssl3, Kx::Rsa, Au::Rsa, Enc::Null, 0, Mac::Sha1),
    s("NULL-MD5", Proto::Ssl3, Kx::Rsa, Au::Rsa, Enc::Null, 0, Mac::Md5),
    s("PSK-NULL-SHA384", Proto::Tls1, Kx::Psk, Au::Psk, Enc::Null, 0, Mac::Sha384),
    s("PSK-NULL-SHA256", Proto::Tls1, Kx::Psk, Au::Psk, Enc::Null, 0, Mac::Sha256),
    s("PSK-NULL-SHA", Proto::Ssl3, Kx::Psk, Au::Psk, Enc::Null, 0, Mac::Sha1),
    // Suites of older or differently built OpenSSL versions.
    s("DES-CBC3-SHA", Proto::Ssl3, Kx::Rsa, Au::Rsa, Enc::TripleDes, 168, Mac::Sha1),
    s("EDH-RSA-DES-CBC3-SHA", Proto::Ssl3, Kx::Dhe, Au::Rsa, Enc::TripleDes, 168, Mac::Sha1),
    s("EDH-DSS-DES-CBC3-SHA", Proto::Ssl3, Kx::Dhe, Au::Dss, Enc::TripleDes, 168, Mac::Sha1),
    s("ECDHE-RSA-DES-CBC3-SHA", Proto::Ssl3, Kx::Ecdhe, Au::Rsa, Enc::TripleDes, 168, Mac::Sha1),
    s("ECDHE-ECDSA-DES-CBC3-SHA", Proto::Ssl3, Kx::Ecdhe, Au::Ecdsa, Enc::TripleDes, 168, Mac::Sha1),
    s("ADH-DES-CBC3-SHA", Proto::Ssl3, Kx::Dhe, Au::Null, Enc::TripleDes, 168, Mac::Sha1),
    s("AECDH-DES-CBC3-SHA", Proto::Ssl3, Kx::Ecdhe, Au::Null, Enc::TripleDes, 168, Mac::Sha1),
    s("PSK-3DES-EDE-CBC-SHA", Proto::Ssl3, Kx::Psk, Au::Psk, Enc::TripleDes, 168, Mac::Sha1),
    s("RSA-PSK-3DES-EDE-CBC-SHA", Proto::Ssl3, Kx::RsaPsk, Au::Rsa, Enc::TripleDes, 168, Mac::Sha1),
    s("DHE-PSK-3DES-EDE-CBC-SHA", Proto::Ssl3, Kx::DhePsk, Au::Psk, Enc::TripleDes, 168, Mac::Sha1),
    s("ECDHE-PSK-3DES-EDE-CBC-SHA", Proto::Ssl3, Kx::EcdhePsk, Au::Psk, Enc::TripleDes, 168, Mac::Sha1),
    s("SRP-3DES-EDE-CBC-SHA", Proto::Ssl3, Kx::Srp, Au::Srp, Enc::TripleDes, 168, Mac::Sha1),
    s("SRP-RSA-3DES-EDE-CBC-SHA", Proto::Ssl3, Kx::Srp, Au::Rsa, Enc::TripleDes, 168, Mac::Sha1),
    s("SRP-DSS-3DES-EDE-CBC-SHA", Proto::Ssl3, Kx::Srp, Au::Dss, Enc::TripleDes, 168, Mac::Sha1),
    s("RC4-SHA", Proto::Ssl3, Kx::Rsa, Au::Rsa, Enc::Rc4, 128, Mac::Sha1),
    s("RC4-MD5", Proto::Ssl3, Kx::Rsa, Au::Rsa, Enc::Rc4, 128, Mac::Md5),
    s("ECDHE-RSA-RC4-SHA", Proto::Ssl3, Kx::Ecdhe, Au::Rsa, Enc::Rc4, 128, Mac::Sha1),
    s("ECDHE-ECDSA-RC4-SHA", Proto::Ssl3, Kx::Ecdhe, Au::Ecdsa, Enc::Rc4, 128, Mac::Sha1),
    s("ADH-RC4-MD5", Proto::Ssl3, Kx::Dhe, Au::Null, Enc::Rc4, 128, Mac::Md5),
    s("AECDH-RC4-SHA", Proto::Ssl3, Kx::Ecdhe, Au::Null, Enc::Rc4, 128, Mac::Sha1),
    s("PSK-RC4-SHA", Proto::Ssl3, Kx::Psk, Au::Psk, Enc::Rc4, 128, Mac::Sha1),
    s("RSA-PSK-RC4-SHA", Proto::Ssl3, Kx::RsaPsk, Au::Rsa, Enc::Rc4, 128, Mac::Sha1),
    s("DHE-PSK-RC4-SHA", Proto::Ssl3, Kx::DhePsk, Au::Psk, Enc::Rc4, 128, Mac::Sha1),
    s("ECDHE-PSK-RC4-SHA", Proto::Ssl3, Kx::EcdhePsk, Au::Psk, Enc::Rc4, 128, Mac::Sha1),
    s("DES-CBC-SHA", Proto::Ssl3, Kx::Rsa, Au::Rsa, Enc::Des, 56, Mac::Sha1),
    s("EDH-RSA-DES-CBC-SHA", Proto::Ssl3, Kx::Dhe, Au::Rsa, Enc::Des, 56, Mac::Sha1),
    s("EDH-DSS-DES-CBC-SHA", Proto::Ssl3, Kx::Dhe, Au::Dss, Enc::Des, 56, Mac::Sha1),
    s("ADH-DES-CBC-SHA", Proto::Ssl3, Kx::Dhe, Au::Null, Enc::Des, 56, Mac::Sha1),
    s("IDEA-CBC-SHA", Proto::Ssl3, Kx::Rsa, Au::Rsa, Enc::Idea, 128, Mac::Sha1),
    s("SEED-SHA", Proto::Ssl3, Kx::Rsa, Au::Rsa, Enc::Seed, 128, Mac::Sha1),
    s("DHE-RSA-SEED-SHA", Proto::Ssl3, Kx::Dhe, Au::Rsa, Enc::Seed, 128, Mac::Sha1),
    s("DHE-DSS-SEED-SHA", Proto::Ssl3, Kx::Dhe, Au::Dss, Enc::Seed, 128, Mac::Sha1),
    s("ADH-SEED-SHA", Proto::Ssl3, Kx::Dhe, Au::Null, Enc::Seed, 128, Mac::Sha1),
    x("EXP-RC4-MD5", Kx::Rsa, Au::Rsa, Enc::Rc4, 40, Mac::Md5),
    x("EXP-RC2-CBC-MD5", Kx::Rsa, Au::Rsa, Enc::Rc2, 40, Mac::Md5),
    x("EXP-DES-CBC-SHA", Kx::Rsa, Au::Rsa, Enc::Des, 40, Mac::Sha1),
    x("EXP-EDH-RSA-DES-CBC-SHA", Kx::Dhe, Au::Rsa, Enc::Des, 40, Mac::Sha1),
    x("EXP-EDH-DSS-DES-CBC-SHA", Kx::Dhe, Au::Dss, Enc::Des, 40, Mac::Sha1),
    x("EXP-ADH-DES-CBC-SHA", Kx::Dhe, Au::Null, Enc::Des, 40, Mac::Sha1),
    x("EXP-ADH-RC4-MD5", Kx::Dhe, Au::Null, Enc::Rc4, 40, Mac::Md5),
];
