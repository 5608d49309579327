//! The protocol versions probed, with their wire codes and the names nginx
//! uses in `ssl_protocols` (so a finding reads the same from a file or the
//! wire).

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Version {
    Ssl3,
    Tls10,
    Tls11,
    Tls12,
    Tls13,
}

impl Version {
    pub const ALL: [Version; 5] = [Version::Ssl3, Version::Tls10, Version::Tls11, Version::Tls12, Version::Tls13];

    pub fn wire(self) -> u16 {
        match self {
            Version::Ssl3 => 0x0300,
            Version::Tls10 => 0x0301,
            Version::Tls11 => 0x0302,
            Version::Tls12 => 0x0303,
            Version::Tls13 => 0x0304,
        }
    }

    pub fn from_wire(code: u16) -> Option<Version> {
        Version::ALL.into_iter().find(|v| v.wire() == code)
    }

    pub fn name(self) -> &'static str {
        match self {
            Version::Ssl3 => "SSLv3",
            Version::Tls10 => "TLSv1",
            Version::Tls11 => "TLSv1.1",
            Version::Tls12 => "TLSv1.2",
            Version::Tls13 => "TLSv1.3",
        }
    }

    /// Deprecated by RFC 7568 (SSLv3) and RFC 8996 (TLS 1.0, 1.1).
    pub fn legacy(self) -> bool {
        self < Version::Tls12
    }
}

/// A wire code as a name, for versions outside the probed set too.
pub fn wire_name(code: u16) -> String {
    match Version::from_wire(code) {
        Some(v) => v.name().to_string(),
        None => format!("0x{code:04x}"),
    }
}
