//! `Strict-Transport-Security` per RFC 6797 §6.1. The grammar is
//! `[ directive ] *( ";" [ directive ] )`, a directive is
//! `name [ "=" value ]` with a case-insensitive name and a token or
//! quoted-string value. A directive may appear only once; `max-age` is
//! required and is a non-negative integer. A header a browser would ignore
//! (sent twice, unparsable) is recorded as not present, with the reason.

use crate::facts::http::Hsts;

pub fn parse(values: &[String]) -> Hsts {
    let mut out = Hsts { raw: values.to_vec(), ..Default::default() };
    match values {
        [] => {}
        [one] => match directives(one) {
            Ok(d) => {
                out.present = true;
                out.max_age = Some(d.max_age);
                out.include_subdomains = d.include_subdomains;
                out.preload = d.preload;
            }
            Err(e) => out.invalid = Some(e),
        },
        // §8.1: only the first is processed by a UA, but two differing
        // headers are a misconfiguration whose effect depends on the
        // client; counted as missing so it gets fixed.
        many => out.invalid = Some(format!("sent {} times", many.len())),
    }
    out
}

struct Directives {
    max_age: i64,
    include_subdomains: bool,
    preload: bool,
}

fn directives(value: &str) -> Result<Directives, String> {
    let mut seen: Vec<String> = Vec::new();
    let mut max_age = None;
    let mut include_subdomains = false;
    let mut preload = false;
    for part in split_outside_quotes(value) {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        let (name, val) = match part.split_once('=') {
            Some((n, v)) => (n.trim(), Some(v.trim())),
            None => (part, None),
        };
        if name.is_empty() || !name.bytes().all(is_token_char) {
            return Err(format!("directive {name:?} is not a token"));
        }
        let lower = name.to_ascii_lowercase();
        if seen.contains(&lower) {
            return Err(format!("directive {name} appears twice"));
        }
        seen.push(lower.clone());
        let quoted = val.and_then(|v| v.strip_prefix('"')?.strip_suffix('"'));
        let val = match val {
            Some(_) if quoted.is_some() => quoted.map(str::to_string),
            Some(v) if v.bytes().all(is_token_char) && !v.is_empty() => Some(v.to_string()),
            Some(v) => return Err(format!("value {v:?} of {name} is neither a token nor a quoted string")),
            None => None,
        };
        match lower.as_str() {
            "max-age" => {
                let v = val.ok_or("max-age has no value")?;
                if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(format!("max-age {v:?} is not a number of seconds"));
                }
                // Absurdly long values saturate rather than fail: they are
                // still "long enough".
                max_age = Some(v.parse::<i64>().unwrap_or(i64::MAX));
            }
            "includesubdomains" => include_subdomains = true,
            "preload" => preload = true,
            _ => {} // §6.1: unknown directives are ignored
        }
    }
    let max_age = max_age.ok_or("max-age missing")?;
    Ok(Directives { max_age, include_subdomains, preload })
}

fn split_outside_quotes(s: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut quoted = false;
    for (i, c) in s.char_indices() {
        match c {
            '"' => quoted = !quoted,
            // `i` is at an ASCII `;`, so both ends are character boundaries.
            ';' if !quoted => {
                parts.push(s.get(start..i).unwrap_or_default());
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(s.get(start..).unwrap_or_default());

    parts
}

/// RFC 7230 `tchar`.
fn is_token_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

#[cfg(test)]
mod tests {
    use super::parse;

    fn one(v: &str) -> crate::facts::http::Hsts {
        parse(&[v.to_string()])
    }

    #[test]
    fn the_guides_header() {
        let h = one("max-age=31536000; includeSubDomains");
        assert!(h.present && h.include_subdomains && !h.preload);
        assert_eq!(h.max_age, Some(31_536_000));
    }

    #[test]
    fn case_quotes_and_empty_directives() {
        let h = one("MAX-AGE=\"600\";;INCLUDESUBDOMAINS; preload;");
        assert!(h.present && h.include_subdomains && h.preload);
        assert_eq!(h.max_age, Some(600));
    }

    #[test]
    fn invalid_headers_count_as_missing() {
        for bad in ["includeSubDomains", "max-age=abc", "max-age=1; max-age=2", "max-age=-5", "max age=5"] {
            let h = one(bad);
            assert!(!h.present && h.invalid.is_some(), "{bad}: {h:?}");
        }
        let twice = parse(&["max-age=1".into(), "max-age=31536000".into()]);
        assert!(!twice.present && twice.invalid.as_deref() == Some("sent 2 times"));
    }

    #[test]
    fn unknown_directives_are_ignored() {
        assert!(one("max-age=5; report-uri=\"https://x.test/;\"").present);
    }
}
