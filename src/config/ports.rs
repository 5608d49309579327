//! Port lists as written in the config (`1-1024,6379`): the config owns
//! their format, validates them at load time, and collectors parse them the
//! same way.

/// Parses `22,80,443`, `1-1024,6379`; sorted, without duplicates.
pub fn parse(spec: &str) -> Result<Vec<u16>, String> {
    let mut out = Vec::new();
    for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (a, b) = part.split_once('-').unwrap_or((part, part));
        let num = |s: &str| -> Result<u16, String> {
            match s.trim().parse::<u16>() {
                Ok(0) | Err(_) => Err(format!("{part:?} is not a port or range of ports (1-65535)")),
                Ok(n) => Ok(n),
            }
        };
        let (a, b) = (num(a)?, num(b)?);
        if a > b {
            return Err(format!("{part:?}: the range runs backwards"));
        }
        out.extend(a..=b);
    }
    if out.is_empty() {
        return Err(format!("{spec:?} names no port"));
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_parse_and_bad_ones_are_refused() {
        let p = parse("1-3, 22,80,2").unwrap();
        assert_eq!(p, vec![1, 2, 3, 22, 80]);
        assert_eq!(parse("1-65535").unwrap().len(), 65535);
        assert!(parse("0").is_err() && parse("5-1").is_err() && parse("x").is_err() && parse("").is_err());
    }
}
