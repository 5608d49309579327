//! OpenSSL cipher strings (`HIGH:!aNULL:!MD5`) evaluated the way OpenSSL
//! evaluates them, to tell which suites a server configured with one would
//! accept. Matching substrings instead gets `!RC4` wrong (it mentions RC4 but
//! excludes it) and `ALL` wrong (it mentions nothing but admits everything).

mod table;

pub use table::{Au, Enc, Kx, Mac, Proto, Strength, Suite, SUITES};

/// The result of evaluating a cipher string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluation {
    /// Admitted TLS 1.2-and-earlier suites, in table order.
    pub admitted: Vec<&'static Suite>,
    /// `@SECLEVEL=n`, when the string sets it.
    pub security_level: Option<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CipherError {
    #[error("no TLS 1.2-or-earlier cipher suite matches {0:?}: OpenSSL refuses it (\"no cipher match\") and nginx fails to start")]
    NoMatch(String),
}

#[derive(Clone, Copy)]
enum Op {
    Add,
    Delete,
    Kill,
    Order,
}

/// OpenSSL's built-in default list (`DEFAULT` at the start of a string).
const DEFAULT_LIST: &str = "ALL:!COMPLEMENTOFDEFAULT:!eNULL";

/// Evaluates `spec` with OpenSSL's rules: elements separated by `:`, `,`,
/// `;` or spaces; `!` removes for good, `-` removes (a later element can add
/// back), `+` only reorders, no prefix adds what was not removed for good;
/// `A+B` is the intersection of aliases; an element with an unknown alias is
/// ignored, as OpenSSL does; `DEFAULT` counts only at the start.
pub fn evaluate(spec: &str) -> Result<Evaluation, CipherError> {
    let mut active = vec![false; SUITES.len()];
    let mut killed = vec![false; SUITES.len()];
    let mut level = None;
    let mut rest = spec.trim();
    if let Some(after) = rest.strip_prefix("DEFAULT") {
        apply_list(DEFAULT_LIST, &mut active, &mut killed, &mut level);
        rest = after.trim_start_matches(is_separator);
    }
    apply_list(rest, &mut active, &mut killed, &mut level);
    let admitted: Vec<&'static Suite> = SUITES
        .iter()
        .zip(&active)
        .filter(|(suite, on)| **on && level.is_none_or(|l| permitted_at(suite, l)))
        .map(|(suite, _)| suite)
        .collect();
    if admitted.is_empty() {
        return Err(CipherError::NoMatch(spec.to_string()));
    }
    Ok(Evaluation { admitted, security_level: level })
}

fn is_separator(c: char) -> bool {
    matches!(c, ':' | ',' | ';' | ' ' | '\t')
}

fn apply_list(list: &str, active: &mut [bool], killed: &mut [bool], level: &mut Option<u8>) {
    for element in list.split(is_separator).filter(|e| !e.is_empty()) {
        let (op, body) = if let Some(body) = element.strip_prefix('!') {
            (Op::Kill, body)
        } else if let Some(body) = element.strip_prefix('-') {
            (Op::Delete, body)
        } else if let Some(body) = element.strip_prefix('+') {
            (Op::Order, body)
        } else {
            (Op::Add, element)
        };
        if let Some(special) = body.strip_prefix('@') {
            if let Some(n) = special.strip_prefix("SECLEVEL=").and_then(|n| n.parse::<u8>().ok()) {
                *level = Some(n.min(5));
            }
            // @STRENGTH only sorts.
            continue;
        }
        let Some(matches) = selection(body) else { continue };
        // One flag per suite in all three lists, in the same order.
        for ((hit, active), killed) in matches.into_iter().zip(active.iter_mut()).zip(killed.iter_mut()) {
            if !hit {
                continue;
            }
            match op {
                Op::Add if !*killed => *active = true,
                Op::Add | Op::Order => {}
                Op::Delete => *active = false,
                Op::Kill => {
                    *active = false;
                    *killed = true;
                }
            }
        }
    }
}

/// The suites an element (`kRSA`, `ECDHE+AESGCM`, `AES128-SHA`) selects;
/// `None` when any part is not a known alias or suite name.
fn selection(body: &str) -> Option<Vec<bool>> {
    let mut selected = vec![true; SUITES.len()];
    for part in body.split('+') {
        if part.is_empty() {
            return None;
        }
        match SUITES.iter().position(|s| s.name == part) {
            Some(index) => selected.iter_mut().enumerate().for_each(|(i, on)| *on &= i == index),
            None => {
                let pred = alias(part)?;
                selected.iter_mut().zip(SUITES).for_each(|(on, suite)| *on &= pred(suite));
            }
        }
    }
    Some(selected)
}

type Pred = fn(&Suite) -> bool;

/// The cipher-string aliases of `man ciphers`.
fn alias(name: &str) -> Option<Pred> {
    use Enc::*;
    Some(match name {
        "ALL" => |s| s.enc != Null,
        "COMPLEMENTOFALL" | "eNULL" | "NULL" => |s| s.enc == Null,
        // In ALL but not in DEFAULT (the suites OpenSSL 3 flags as
        // not-default): anonymous and DSS-authenticated suites, Camellia,
        // ARIA, AES-CCM, and the legacy ciphers older builds had.
        // eNULL suites are never part of it.
        "COMPLEMENTOFDEFAULT" => |s| {
            s.enc != Null
                && (matches!(s.au, Au::Null | Au::Dss)
                    || s.export
                    || matches!(
                        s.enc,
                        Camellia | Aria | AriaGcm | AesCcm | AesCcm8 | Rc4 | TripleDes | Des | Rc2 | Idea | Seed
                    ))
        },
        "HIGH" => |s| s.strength() == Strength::High,
        "MEDIUM" => |s| s.strength() == Strength::Medium,
        "LOW" => |s| s.strength() == Strength::Low,
        "EXP" | "EXPORT" => |s| s.export,
        "EXPORT40" => |s| s.export && s.bits == 40,
        "EXPORT56" => |s| s.export && s.bits == 56,
        "aNULL" => |s| s.au == Au::Null,
        "kRSA" | "RSA" => |s| s.kx == Kx::Rsa,
        "aRSA" => |s| s.au == Au::Rsa,
        "kDHE" | "kEDH" | "DH" => |s| s.kx == Kx::Dhe,
        "DHE" | "EDH" => |s| s.kx == Kx::Dhe && s.au != Au::Null,
        "ADH" => |s| s.kx == Kx::Dhe && s.au == Au::Null,
        "kECDHE" | "kEECDH" | "ECDH" => |s| s.kx == Kx::Ecdhe,
        "ECDHE" | "EECDH" => |s| s.kx == Kx::Ecdhe && s.au != Au::Null,
        "AECDH" => |s| s.kx == Kx::Ecdhe && s.au == Au::Null,
        "aDSS" | "DSS" => |s| s.au == Au::Dss,
        "aECDSA" | "ECDSA" => |s| s.au == Au::Ecdsa,
        "kPSK" => |s| s.kx == Kx::Psk,
        "kRSAPSK" => |s| s.kx == Kx::RsaPsk,
        "kDHEPSK" => |s| s.kx == Kx::DhePsk,
        "kECDHEPSK" => |s| s.kx == Kx::EcdhePsk,
        "aPSK" => |s| s.au == Au::Psk,
        "PSK" => |s| matches!(s.kx, Kx::Psk | Kx::RsaPsk | Kx::DhePsk | Kx::EcdhePsk) || s.au == Au::Psk,
        "kSRP" | "SRP" => |s| s.kx == Kx::Srp,
        "aSRP" => |s| s.au == Au::Srp,
        "AES" => |s| matches!(s.enc, Aes | AesGcm | AesCcm | AesCcm8),
        "AES128" => |s| matches!(s.enc, Aes | AesGcm | AesCcm | AesCcm8) && s.bits == 128,
        "AES256" => |s| matches!(s.enc, Aes | AesGcm | AesCcm | AesCcm8) && s.bits == 256,
        "AESGCM" => |s| s.enc == AesGcm,
        "AESCCM" => |s| matches!(s.enc, AesCcm | AesCcm8),
        "AESCCM8" => |s| s.enc == AesCcm8,
        "ARIA" => |s| matches!(s.enc, Aria | AriaGcm),
        "ARIA128" => |s| matches!(s.enc, Aria | AriaGcm) && s.bits == 128,
        "ARIA256" => |s| matches!(s.enc, Aria | AriaGcm) && s.bits == 256,
        "ARIAGCM" => |s| s.enc == AriaGcm,
        "CAMELLIA" => |s| s.enc == Camellia,
        "CAMELLIA128" => |s| s.enc == Camellia && s.bits == 128,
        "CAMELLIA256" => |s| s.enc == Camellia && s.bits == 256,
        "CHACHA20" => |s| s.enc == Chacha20,
        "3DES" => |s| s.enc == TripleDes,
        "DES" => |s| s.enc == Des,
        "RC4" => |s| s.enc == Rc4,
        "RC2" => |s| s.enc == Rc2,
        "IDEA" => |s| s.enc == Idea,
        "SEED" => |s| s.enc == Seed,
        "MD5" => |s| s.mac == Mac::Md5,
        "SHA1" | "SHA" => |s| s.mac == Mac::Sha1,
        "SHA256" => |s| s.mac == Mac::Sha256,
        "SHA384" => |s| s.mac == Mac::Sha384,
        "SSLv3" => |s| s.proto == Proto::Ssl3,
        "TLSv1" | "TLSv1.0" => |s| s.proto == Proto::Tls1,
        "TLSv1.2" => |s| s.proto == Proto::Tls12,
        _ => return None,
    })
}

/// OpenSSL's security-level checks on a suite (`SSL_CTX_set_security_level`).
fn permitted_at(suite: &Suite, level: u8) -> bool {
    if level == 0 {
        return true;
    }
    // Levels above 5 are clamped when parsed; 5 is the strictest.
    let min_bits = [0, 80, 112, 128, 192, 256].get(usize::from(level)).copied().unwrap_or(256);

    suite.au != Au::Null
        && suite.mac != Mac::Md5
        && suite.strength_bits() >= min_bits
        && !(level >= 2 && suite.enc == Enc::Rc4)
        && (level < 3 || suite.forward_secret())
        && !(min_bits > 160 && suite.mac == Mac::Sha1)
}

/// The weak classes the issue and the rule report, in a fixed order.
pub const WEAK_CLASSES: [&str; 7] = ["NULL", "aNULL", "EXPORT", "RC4", "DES", "3DES", "MD5"];

/// Whether a suite belongs to a weak class.
pub fn in_weak_class(suite: &Suite, class: &str) -> bool {
    match class {
        "NULL" => suite.enc == Enc::Null,
        "aNULL" => suite.au == Au::Null,
        "EXPORT" => suite.export,
        "RC4" => suite.enc == Enc::Rc4,
        "DES" => suite.enc == Enc::Des,
        "3DES" => suite.enc == Enc::TripleDes,
        "MD5" => suite.mac == Mac::Md5,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(spec: &str) -> Vec<&'static str> {
        evaluate(spec).map(|e| e.admitted.iter().map(|s| s.name).collect()).unwrap_or_default()
    }

    fn weak(spec: &str) -> Vec<&'static str> {
        let eval = evaluate(spec).unwrap();
        WEAK_CLASSES.into_iter().filter(|c| eval.admitted.iter().any(|s| in_weak_class(s, c))).collect()
    }

    #[test]
    fn the_guides_string_admits_nothing_weak() {
        assert!(weak("HIGH:!aNULL:!MD5").is_empty());
        assert!(names("HIGH:!aNULL:!MD5").contains(&"ECDHE-RSA-AES128-GCM-SHA256"));
    }

    #[test]
    fn exclusions_are_not_substrings() {
        assert_eq!(weak("ALL:!EXPORT"), ["aNULL", "RC4", "DES", "3DES", "MD5"]);
        assert_eq!(weak("ALL:!aNULL:!RC4:!DES:!3DES:!MD5:!EXPORT"), Vec::<&str>::new());
        assert!(weak("DEFAULT").is_empty());
        assert_eq!(weak("ALL:COMPLEMENTOFALL"), WEAK_CLASSES);
    }

    #[test]
    fn delete_can_be_undone_kill_cannot() {
        assert!(names("ALL:-RC4:RC4-SHA").contains(&"RC4-SHA"));
        assert!(!names("ALL:!RC4:RC4-SHA").contains(&"RC4-SHA"));
        assert_eq!(names("kRSA+AESGCM"), ["AES256-GCM-SHA384", "AES128-GCM-SHA256"]);
    }

    #[test]
    fn unknown_aliases_are_ignored_and_nothing_left_is_an_error() {
        assert_eq!(names("FOO:AES128-SHA"), ["AES128-SHA"]);
        assert!(matches!(evaluate("FOO"), Err(CipherError::NoMatch(_))));
        assert!(matches!(evaluate("AES128-SHA:!AES"), Err(CipherError::NoMatch(_))));
    }

    #[test]
    fn security_level_filters() {
        assert_eq!(weak("ALL:COMPLEMENTOFALL:@SECLEVEL=2"), ["3DES"]);
        assert!(weak("ALL:COMPLEMENTOFALL:@SECLEVEL=3").is_empty());
        assert_eq!(weak("ALL:@SECLEVEL=1"), ["RC4", "3DES"]);
        assert!(names("ALL:@SECLEVEL=3").iter().all(|n| !n.starts_with("AES")));
    }
}
