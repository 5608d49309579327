//! Resource quantities as the API server returns them (`512Mi`, `500m`,
//! `1e9`). A small copy of the manifest collector's parser: that one is
//! private to its module, and the API server's canonical forms are a subset
//! of what manifests allow.

fn parse(text: &str) -> Option<f64> {
    let text = text.trim();
    let split = text.find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '+' || c == '-')).unwrap_or(text.len());
    let (number, suffix) = text.split_at(split);
    let value: f64 = number.parse().ok()?;
    let multiplier = match suffix {
        "" => 1.0,
        "Ki" => 1024f64,
        "Mi" => 1024f64.powi(2),
        "Gi" => 1024f64.powi(3),
        "Ti" => 1024f64.powi(4),
        "Pi" => 1024f64.powi(5),
        "Ei" => 1024f64.powi(6),
        "n" => 1e-9,
        "u" => 1e-6,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        exp => 10f64.powi(exp.strip_prefix(['e', 'E'])?.parse::<i32>().ok()?),
    };
    Some(value * multiplier).filter(|v| v.is_finite() && *v >= 0.0)
}

pub fn memory_bytes(text: &str) -> Option<i64> {
    parse(text).filter(|v| *v < i64::MAX as f64).map(|v| v.ceil() as i64)
}

pub fn cpus(text: &str) -> Option<f64> {
    parse(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_forms() {
        assert_eq!(memory_bytes("64Mi"), Some(64 << 20));
        assert_eq!(memory_bytes("1G"), Some(1_000_000_000));
        assert_eq!(memory_bytes("1e3"), Some(1000));
        assert_eq!(cpus("500m"), Some(0.5));
        assert_eq!(cpus("2"), Some(2.0));
        assert_eq!(cpus("x"), None);
        assert_eq!(memory_bytes("-1"), None);
    }
}
